/**
 * What an organization's authorization servers effectively are at a given time: a provider
 * suspension wins over an expired subscription, which wins over the stored `enabled` flag. The
 * stored flag is never touched by suspension or expiry, so lifting the suspension or renewing the
 * subscription restores the previous state with no admin action.
 *
 * @module
 */
import type { AuthorizationServerConfig } from '../config/authorization-server.ts'
import type { OrganizationAccess } from '../verifier/types.ts'
import type { Organization } from './types.ts'

/**
 * The effective status of one authorization server.
 *
 * @example
 * ```ts
 * const badge: Record<ServerStatus, string> = { enabled: 'green', disabled: 'grey', subscription_expired: 'orange', suspended: 'red' }
 * ```
 */
export type ServerStatus = 'enabled' | 'disabled' | 'subscription_expired' | 'suspended'

/**
 * Why no server can accept tokens right now.
 *
 * @example
 * ```ts
 * const a = activeServer(org, now)
 * if (!a.ok && a.reason === 'suspended') alertProvider(org.orgId)
 * ```
 */
export type InactiveReason = 'no_enabled_server' | 'subscription_expired' | 'suspended'

/**
 * The outcome of {@link activeServer}.
 *
 * @example
 * ```ts
 * const a: ActiveServer = activeServer(org, now)
 * if (a.ok) console.log(a.server.name); else console.log(a.reason, a.message)
 * ```
 */
export type ActiveServer =
  | { readonly ok: true; readonly server: AuthorizationServerConfig }
  | { readonly ok: false; readonly reason: InactiveReason; readonly message: string }

/**
 * True when the subscription has run out at `now` (`now >= subscriptionValidUntil`). Fails
 * closed: a `now` that is not a number (`NaN`) counts as expired.
 *
 * @example
 * ```ts
 * isSubscriptionExpired({ ...org, subscriptionValidUntil: 1_800_000_000 }, 1_800_000_000) // true
 * isSubscriptionExpired({ ...org, subscriptionValidUntil: 1_800_000_000 }, 1_799_999_999) // false
 * ```
 */
export function isSubscriptionExpired(org: Organization, now: number): boolean {
  return !(now < org.subscriptionValidUntil)
}

/**
 * The effective status of the server named `serverName` at `now`, or `undefined` when the
 * organization has no server by that name.
 *
 * @example
 * ```ts
 * effectiveServerStatus(org, 'Okta1', now) // 'enabled'
 * effectiveServerStatus({ ...org, suspension: { reason: 'terms_violation', since: now } }, 'Okta1', now) // 'suspended'
 * effectiveServerStatus(org, 'Nope', now) // undefined
 * ```
 */
export function effectiveServerStatus(org: Organization, serverName: string, now: number): ServerStatus | undefined {
  const server = org.authorizationServers.find((s) => s.name === serverName)
  if (server === undefined) return undefined
  if (org.suspension !== undefined) return 'suspended'
  if (isSubscriptionExpired(org, now)) return 'subscription_expired'
  return server.enabled ? 'enabled' : 'disabled'
}

/**
 * The single server a token for this organization must be checked against at `now`, or why there
 * is none (suspension first, then expiry, then no enabled server).
 *
 * @example
 * ```ts
 * const a = activeServer(org, now)
 * if (!a.ok) return new ServerDisabledError(a.message)
 * const verifier = verifiers.get(a.server.name)
 * ```
 */
export function activeServer(org: Organization, now: number): ActiveServer {
  if (org.suspension !== undefined) {
    return { ok: false, reason: 'suspended', message: `Organization ${org.orgId} is suspended; no access tokens are accepted` }
  }
  if (isSubscriptionExpired(org, now)) {
    return { ok: false, reason: 'subscription_expired', message: `The subscription of organization ${org.orgId} has expired; no access tokens are accepted` }
  }
  const server = org.authorizationServers.find((s) => s.enabled)
  if (server === undefined) {
    return { ok: false, reason: 'no_enabled_server', message: `Organization ${org.orgId} has no enabled authorization server` }
  }
  return { ok: true, server }
}

/**
 * The organization as the verifier's `organization` option takes it: cloud, ID, audit domain and
 * the names of its API roles (in stored order), and the API resource categories each grants.
 *
 * @example
 * ```ts
 * createVerifier({ server: active.server, organization: organizationAccessOf(org) })
 * // organizationAccessOf(org) → { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly', 'Admin'],
 * //   apiRoleCategories: { ReadOnly: ['reports'], Admin: ['reports', 'policies'] } }
 * ```
 */
export function organizationAccessOf(org: Organization): OrganizationAccess {
  return { cloud: org.cloud, orgId: org.orgId, cloudDomain: org.cloudDomain, apiRoles: Object.keys(org.apiRoles), apiRoleCategories: org.apiRoles }
}
