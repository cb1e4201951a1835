/**
 * The read operations: list an organization's authorization servers, or show one. Reads need the
 * API Key Management permission too (server configs reveal the organization's identity set-up),
 * but work while the organization is suspended or its subscription expired, so an admin can see
 * why nothing is accepted.
 *
 * @module
 */
import { isSubscriptionExpired, requireApiKeyManagement, requireServerChangesAllowed, ruleViolation, type Organization, type SuspensionReason } from '@tokenward/core/organization'
import { loadOrganization, nowSeconds, type AdminContext } from './admin-context.ts'
import { jsonResponse } from './admin-response.ts'
import { violationResponse } from './failure-response.ts'
import { revisionTag } from './if-match.ts'
import { serverView, type AuthorizationServerView } from './server-view.ts'

/**
 * The body of `GET …/authorization-servers`.
 *
 * @example
 * ```ts
 * const list: AuthorizationServerList = {
 *   orgId: 'acme', revision: 7, authorizationServers: [oktaView],
 *   organization: { status: 'active', suspensionReason: null, subscriptionValidUntil: '2027-01-01T00:00:00.000Z' },
 *   changes: { allowed: true, refusal: null },
 * }
 * ```
 */
export interface AuthorizationServerList {
  readonly orgId: string
  /** Send it back as `If-Match: "<revision>"` to make a write conditional. Also the `ETag`. */
  readonly revision: number
  readonly authorizationServers: readonly AuthorizationServerView[]
  /** The organization's state, so an admin page can say why nothing can be changed. */
  readonly organization: OrganizationStateView
  /** Whether the calling actor may change the servers now, and if not, the refusal a change would get. */
  readonly changes: { readonly allowed: boolean; readonly refusal: { readonly code: string; readonly message: string } | null }
}

/**
 * The organization's state as the list answer shows it: suspension wins over an expired
 * subscription.
 *
 * @example
 * ```ts
 * const state: OrganizationStateView = { status: 'suspended', suspensionReason: 'terms_violation', subscriptionValidUntil: '2027-01-01T00:00:00.000Z' }
 * ```
 */
export interface OrganizationStateView {
  readonly status: 'active' | 'suspended' | 'subscription_expired'
  readonly suspensionReason: SuspensionReason | null
  /** ISO 8601 (exclusive). */
  readonly subscriptionValidUntil: string
}

/**
 * `GET …/orgs/{orgId}/authorization-servers`: 200 with {@link AuthorizationServerList} and an
 * `ETag`; 404 `organization_not_found`; 403 `permission_denied`.
 *
 * @example
 * ```ts
 * if (route.operation === 'list_servers') return listServers(ctx)
 * ```
 */
export async function listServers(ctx: AdminContext): Promise<Response> {
  const org = await loadOrganization(ctx)
  if (org instanceof Response) return org
  const denied = requireApiKeyManagement(ctx.actor, 'Reading')
  if (denied !== undefined) return violationResponse(denied)
  const now = nowSeconds(ctx)
  const authorizationServers = await Promise.all(org.authorizationServers.map((s) => serverView(ctx, org, s, now)))
  const refusal = requireServerChangesAllowed(org, ctx.actor, now)
  const body: AuthorizationServerList = {
    orgId: org.orgId,
    revision: org.revision,
    authorizationServers,
    organization: organizationState(org, now),
    changes: { allowed: refusal === undefined, refusal: refusal === undefined ? null : { code: refusal.code, message: refusal.message } },
  }
  return jsonResponse(200, body, { etag: revisionTag(org.revision) })
}

/**
 * `GET …/orgs/{orgId}/authorization-servers/{name}`: 200 with `{ server, revision }` and an
 * `ETag`; 404 `organization_not_found` or `server_not_found`; 403 `permission_denied`.
 *
 * @example
 * ```ts
 * if (route.operation === 'get_server') return getServer(ctx)
 * ```
 */
export async function getServer(ctx: AdminContext): Promise<Response> {
  const org = await loadOrganization(ctx)
  if (org instanceof Response) return org
  const denied = requireApiKeyManagement(ctx.actor, 'Reading')
  if (denied !== undefined) return violationResponse(denied)
  const server = org.authorizationServers.find((s) => s.name === ctx.name)
  if (server === undefined) {
    return violationResponse(ruleViolation('server_not_found', `No authorization server named ${JSON.stringify(ctx.name)}`, { field: 'name', actual: ctx.name }))
  }
  const view = await serverView(ctx, org, server, nowSeconds(ctx))
  return jsonResponse(200, { server: view, revision: org.revision }, { etag: revisionTag(org.revision) })
}


/**
 * The organization's state as the admin pages show it.
 *
 * @example
 * ```ts
 * organizationState(org, now).status // 'active'
 * ```
 */
export function organizationState(org: Organization, now: number): OrganizationStateView {
  const status = org.suspension !== undefined ? 'suspended' : isSubscriptionExpired(org, now) ? 'subscription_expired' : 'active'
  return {
    status,
    suspensionReason: org.suspension?.reason ?? null,
    subscriptionValidUntil: new Date(org.subscriptionValidUntil * 1000).toISOString(),
  }
}
