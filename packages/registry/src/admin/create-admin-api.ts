/**
 * The admin API as one Web-standard handler, `(request: Request) => Promise<Response>`, to mount
 * in any runtime or framework that speaks Fetch (Node via a small bridge, Deno, Bun, Workers,
 * Hono, Next.js route handlers...).
 *
 * @module
 */
import type { Actor } from '@tokenward/core/organization'
import { checkOrgId } from '../store/org-id.ts'
import { resolveAdminApiOptions, type AdminApiOptions, type ResolvedAdminApiOptions } from './admin-api-options.ts'
import { isAdminAuthFailure, type AdminAuthFailure } from './admin-auth-failure.ts'
import { nowSeconds, organizationNotFound, type AdminContext } from './admin-context.ts'
import { errorResponse, jsonResponse } from './admin-response.ts'
import { matchAdminRoute, type AdminOperation } from './admin-routes.ts'
import { refuseCrossSiteRequest } from './cross-site-guard.ts'
import { createCrossTenantAudit } from './cross-tenant-audit.ts'
import { unexpectedFailureResponse } from './failure-response.ts'
import { listAuditEvents } from './list-audit-events.ts'
import { getServer, listServers } from './read-servers.ts'
import { validateApiClientJwks, validateJwksSource } from './validate-jwks-source.ts'
import { addServer, deleteServer, disableServer, editServer, enableServer } from './write-servers.ts'
import { addApiClient, deleteApiClient, editApiClient, getApiClient, listApiClients, rotateApiClientSecret, setApiClientEnabled } from './api-clients.ts'
import { addApiRole, deleteApiRole, editApiRole, getApiRole, listApiRoles } from './api-roles.ts'

/**
 * The admin API handler: takes a Fetch `Request`, never rejects, always answers.
 *
 * @example
 * ```ts
 * const api: AdminApi = createAdminApi(options)
 * const response = await api(new Request('https://admin.example.com/orgs/acme/authorization-servers', { headers: { authorization: `Bearer ${token}` } }))
 * ```
 */
export type AdminApi = (request: Request) => Promise<Response>

const operations: Readonly<Record<AdminOperation, (ctx: AdminContext) => Promise<Response>>> = {
  list_servers: listServers,
  get_server: getServer,
  validate_jwks: validateJwksSource,
  add_server: addServer,
  edit_server: editServer,
  delete_server: deleteServer,
  enable_server: enableServer,
  disable_server: disableServer,
  list_audit_events: listAuditEvents,
  list_api_clients: listApiClients,
  add_api_client: addApiClient,
  validate_api_client_jwks: validateApiClientJwks,
  get_api_client: getApiClient,
  edit_api_client: editApiClient,
  delete_api_client: deleteApiClient,
  enable_api_client: (ctx) => setApiClientEnabled(ctx, true),
  disable_api_client: (ctx) => setApiClientEnabled(ctx, false),
  rotate_api_client_secret: rotateApiClientSecret,
  list_api_roles: listApiRoles,
  add_api_role: addApiRole,
  get_api_role: getApiRole,
  edit_api_role: editApiRole,
  delete_api_role: deleteApiRole,
}

/**
 * Builds the admin API: the routes of `admin-routes.ts` under `basePath`, JSON in and out, every
 * refusal a 4xx `{ error, message, issues? }`. Options are checked here (`RegistryConfigError`
 * names every bad one).
 *
 * Every request goes: route (404 `not_found`, 405 `method_not_allowed` with `Allow`) → the
 * cross-site guard for cookie sessions (403 `cross_site_request`, see `csrf`) → `authenticate` (its own answer, e.g. 401 with `WWW-Authenticate`) → organization ID and
 * `authorizeOrganization` (404 `organization_not_found`; a refusal is audited as
 * `admin_access_denied`, bounded per actor, see `crossTenantAudit`) → the operation. Anything thrown is
 * reported to `onError` and answered 500 `internal_error` (503 `store_unavailable` for a store
 * lock timeout), without details. Every answer has `cache-control: no-store`.
 *
 * @example
 * ```ts
 * import { createVerifier } from '@tokenward/core'
 * import { adminAuthenticator, createAdminApi, createInMemoryAuditSink, createInMemoryOrganizationStore, createInMemoryReceiptStore } from '@tokenward/registry'
 *
 * const api = createAdminApi({
 *   store: createInMemoryOrganizationStore([acme]),
 *   receipts: createInMemoryReceiptStore(),
 *   audit: createInMemoryAuditSink(),
 *   authenticate: adminAuthenticator({ verifier: createVerifier({ server: adminServer }) }),
 *   authorizeOrganization: (actor, orgId) => actor.id.endsWith(`@${orgId}`),
 *   basePath: '/admin/',
 * })
 * Deno.serve(api)
 * ```
 */
export function createAdminApi(options: AdminApiOptions): AdminApi {
  const resolved = resolveAdminApiOptions(options)
  const crossTenant = resolved.crossTenantAudit === false ? undefined : createCrossTenantAudit(resolved.audit, resolved.crossTenantAudit, resolved.onError)
  return async (request) => {
    try {
      return await handle(resolved, crossTenant, request)
    } catch (error) {
      resolved.onError(error)
      return unexpectedFailureResponse(error)
    }
  }
}

async function handle(options: ResolvedAdminApiOptions, crossTenant: CrossTenantAudit | undefined, request: Request): Promise<Response> {
  const url = new URL(request.url)
  const route = matchAdminRoute(request.method, url.pathname, options.basePath)
  if (route.kind === 'not_found') return errorResponse(404, 'not_found', 'No such admin API route')
  if (route.kind === 'method_not_allowed') {
    const allow = route.allow.join(', ')
    return errorResponse(405, 'method_not_allowed', `Use ${allow} on this route`, { headers: { allow } })
  }

  if (options.csrf !== false) {
    const refused = refuseCrossSiteRequest(request, options.csrf)
    if (refused !== undefined) return errorResponse(403, 'cross_site_request', refused.message, { details: { reason: refused.reason } })
  }

  const who = await options.authenticate(request)
  if (isAdminAuthFailure(who)) return authFailureResponse(who)
  if (!isActor(who)) throw new TypeError('authenticate must resolve to an Actor ({ id, permissions }) or an AdminAuthFailure')

  const { orgId, name } = route.params
  if (checkOrgId(orgId) !== undefined) return organizationNotFound(orgId)
  if (options.authorizeOrganization !== null && (await options.authorizeOrganization(who, orgId)) !== true) {
    await crossTenant?.record(who, orgId, route.operation, nowSeconds({ options }))
    return organizationNotFound(orgId)
  }

  return operations[route.operation]({ request, actor: who, orgId, name, options })
}

type CrossTenantAudit = ReturnType<typeof createCrossTenantAudit>

function authFailureResponse(failure: AdminAuthFailure): Response {
  const status = Number.isInteger(failure.status) && failure.status >= 400 && failure.status <= 599 ? failure.status : 401
  return jsonResponse(status, failure.body ?? { error: 'unauthorized', message: 'Authentication is required' }, failure.headers)
}

function isActor(value: unknown): value is Actor {
  if (typeof value !== 'object' || value === null) return false
  const v = value as { id?: unknown; permissions?: unknown }
  return typeof v.id === 'string' && v.id !== '' && Array.isArray(v.permissions)
}
