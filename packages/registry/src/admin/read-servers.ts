/**
 * The read operations: list an organization's authorization servers, or show one. Reads need the
 * API Key Management permission too (server configs reveal the organization's identity set-up),
 * but work while the organization is suspended or its subscription expired, so an admin can see
 * why nothing is accepted.
 *
 * @module
 */
import { requireApiKeyManagement, ruleViolation } from '@tokenward/core/organization'
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
 * const list: AuthorizationServerList = { orgId: 'acme', revision: 7, authorizationServers: [oktaView] }
 * ```
 */
export interface AuthorizationServerList {
  readonly orgId: string
  /** Send it back as `If-Match: "<revision>"` to make a write conditional. Also the `ETag`. */
  readonly revision: number
  readonly authorizationServers: readonly AuthorizationServerView[]
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
  const body: AuthorizationServerList = { orgId: org.orgId, revision: org.revision, authorizationServers }
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

