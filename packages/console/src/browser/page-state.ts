// What the page knows: the last list answer and, from it, whether changes are allowed and why not.
import type { AuthorizationServerList, AuthorizationServerView } from '@tokenward/registry'

export const maxServers = 2

export interface PageState {
  list: AuthorizationServerList | undefined
  /** Why nothing can be changed, or `undefined` when changes are allowed. */
  readOnlyReason: string | undefined
}

const suspensionWords: Readonly<Record<string, string>> = {
  api_call_threshold_exceeded: 'your organization exceeded the threshold for the number of API calls allowed',
  terms_violation: "the code developed for your organization violates the provider's terms and conditions",
}

/** The banner's words for a list answer: why the page is read-only, or nothing. */
export function readOnlyReasonOf(list: Pick<AuthorizationServerList, 'organization' | 'changes'>): string | undefined {
  const org = list.organization
  if (org.status === 'suspended') {
    const why = suspensionWords[org.suspensionReason ?? ''] ?? 'of a provider decision'
    return `The provider suspended your authorization server configuration because ${why}. The servers appear disabled, every API request is refused, and you cannot add, edit or delete servers. Contact support to re-enable the configuration.`
  }
  if (org.status === 'subscription_expired') {
    return 'Your API subscription has expired. You can still view the authorization servers, but you cannot change them. The configuration is re-enabled when the subscription is renewed.'
  }
  if (!list.changes.allowed) return permissionWords(list.changes.refusal?.code, list.changes.refusal?.message)
  return undefined
}

/** The words for a refusal of the whole page (e.g. 403 `permission_denied` on the list). */
export function permissionWords(code: string | undefined, message: string | undefined): string {
  if (code === 'permission_denied') {
    return 'Read-only: you need an admin role with the API Key Management permission to manage authorization servers.'
  }
  return `Read-only: ${message ?? 'changes are not allowed now.'}`
}

export function statusWords(view: AuthorizationServerView): string {
  switch (view.status) {
    case 'enabled':
      return 'Enabled'
    case 'disabled':
      return 'Disabled'
    case 'suspended':
      return 'Disabled (suspended by the provider)'
    case 'subscription_expired':
      return 'Disabled (subscription expired)'
  }
}

/** The server in use: the one whose stored flag is on (what clients' tokens are checked against). */
export function serverInUse(list: AuthorizationServerList | undefined): AuthorizationServerView | undefined {
  return list?.authorizationServers.find((s) => s.status === 'enabled')
}
