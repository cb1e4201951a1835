/**
 * The router: which admin operation a method and path name, with its path parameters. Pure.
 *
 * Routes under the base path (default `/`):
 *
 * | Method | Path | Operation |
 * | --- | --- | --- |
 * | GET | `orgs/{orgId}/authorization-servers` | `list_servers` |
 * | POST | `orgs/{orgId}/authorization-servers` | `add_server` |
 * | POST | `orgs/{orgId}/authorization-servers/validate` | `validate_jwks` |
 * | GET | `orgs/{orgId}/authorization-servers/{name}` | `get_server` |
 * | PUT | `orgs/{orgId}/authorization-servers/{name}` | `edit_server` |
 * | DELETE | `orgs/{orgId}/authorization-servers/{name}` | `delete_server` |
 * | POST | `orgs/{orgId}/authorization-servers/{name}/enable` | `enable_server` |
 * | POST | `orgs/{orgId}/authorization-servers/{name}/disable` | `disable_server` |
 * | GET | `orgs/{orgId}/audit-logs` | `list_audit_events` |
 * | GET | `orgs/{orgId}/api-clients` | `list_api_clients` |
 * | POST | `orgs/{orgId}/api-clients` | `add_api_client` |
 * | POST | `orgs/{orgId}/api-clients/validate` | `validate_api_client_jwks` |
 * | GET | `orgs/{orgId}/api-clients/{clientId}` | `get_api_client` |
 * | PUT | `orgs/{orgId}/api-clients/{clientId}` | `edit_api_client` |
 * | DELETE | `orgs/{orgId}/api-clients/{clientId}` | `delete_api_client` |
 * | POST | `orgs/{orgId}/api-clients/{clientId}/enable` | `enable_api_client` |
 * | POST | `orgs/{orgId}/api-clients/{clientId}/disable` | `disable_api_client` |
 * | POST | `orgs/{orgId}/api-clients/{clientId}/rotate-secret` | `rotate_api_client_secret` |
 * | GET | `orgs/{orgId}/api-roles` | `list_api_roles` |
 * | POST | `orgs/{orgId}/api-roles` | `add_api_role` |
 * | GET | `orgs/{orgId}/api-roles/{role}` | `get_api_role` |
 * | PUT | `orgs/{orgId}/api-roles/{role}` | `edit_api_role` |
 * | DELETE | `orgs/{orgId}/api-roles/{role}` | `delete_api_role` |
 *
 * `validate` is a legal server name and client ID, so `…/validate` is the validation only for
 * POST; GET, PUT and DELETE on it address a server or client named `validate`.
 *
 * Matching reads the path exactly as the host routed it: literal segments match only their own
 * spelling (`%6Frgs` is not `orgs`, `ORGS` is not `orgs`), and parameters are never
 * percent-decoded. Organization IDs and server names are made of unreserved characters only, so a
 * parameter carrying a percent-escape or a backslash matches no route (404 `not_found`, before
 * authentication) instead of being decoded into another name. A gate in front of the API that
 * reads `/orgs/acme/…` therefore sees the organization the API acts on.
 *
 * @module
 */

/**
 * The operations of the admin API.
 *
 * @example
 * ```ts
 * const operation: AdminOperation = 'enable_server'
 * ```
 */
export type AdminOperation =
  | 'list_servers'
  | 'add_server'
  | 'validate_jwks'
  | 'get_server'
  | 'edit_server'
  | 'delete_server'
  | 'enable_server'
  | 'disable_server'
  | 'list_audit_events'
  | 'list_api_clients'
  | 'add_api_client'
  | 'validate_api_client_jwks'
  | 'get_api_client'
  | 'edit_api_client'
  | 'delete_api_client'
  | 'enable_api_client'
  | 'disable_api_client'
  | 'rotate_api_client_secret'
  | 'list_api_roles'
  | 'add_api_role'
  | 'get_api_role'
  | 'edit_api_role'
  | 'delete_api_role'

/**
 * The path parameters of a matched route, exactly as spelled in the path (never percent-decoded).
 *
 * @example
 * ```ts
 * const params: AdminRouteParams = { orgId: 'acme', name: 'Okta1' }
 * ```
 */
export interface AdminRouteParams {
  readonly orgId: string
  /** The server name, client ID or role name, for routes under `…/authorization-servers/{name}`, `…/api-clients/{clientId}` and `…/api-roles/{role}`. */
  readonly name?: string
}

/**
 * The outcome of {@link matchAdminRoute}: an operation with its parameters, no route at all, or
 * a route that exists for other methods (listed in `allow`, for the `Allow` header).
 *
 * @example
 * ```ts
 * const m: AdminRouteMatch = { kind: 'method_not_allowed', allow: ['GET', 'POST'] }
 * ```
 */
export type AdminRouteMatch =
  | { readonly kind: 'found'; readonly operation: AdminOperation; readonly params: AdminRouteParams }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'method_not_allowed'; readonly allow: readonly string[] }

interface Route {
  readonly operation: AdminOperation
  readonly method: string
  /** Literal segments, or `:orgId` / `:name` parameters. */
  readonly pattern: readonly string[]
}

const servers = ['orgs', ':orgId', 'authorization-servers'] as const
const clients = ['orgs', ':orgId', 'api-clients'] as const
const roles = ['orgs', ':orgId', 'api-roles'] as const
const routes: readonly Route[] = [
  { operation: 'list_servers', method: 'GET', pattern: servers },
  { operation: 'add_server', method: 'POST', pattern: servers },
  { operation: 'validate_jwks', method: 'POST', pattern: [...servers, 'validate'] },
  { operation: 'get_server', method: 'GET', pattern: [...servers, ':name'] },
  { operation: 'edit_server', method: 'PUT', pattern: [...servers, ':name'] },
  { operation: 'delete_server', method: 'DELETE', pattern: [...servers, ':name'] },
  { operation: 'enable_server', method: 'POST', pattern: [...servers, ':name', 'enable'] },
  { operation: 'disable_server', method: 'POST', pattern: [...servers, ':name', 'disable'] },
  { operation: 'list_audit_events', method: 'GET', pattern: ['orgs', ':orgId', 'audit-logs'] },
  { operation: 'list_api_clients', method: 'GET', pattern: clients },
  { operation: 'add_api_client', method: 'POST', pattern: clients },
  { operation: 'validate_api_client_jwks', method: 'POST', pattern: [...clients, 'validate'] },
  { operation: 'get_api_client', method: 'GET', pattern: [...clients, ':name'] },
  { operation: 'edit_api_client', method: 'PUT', pattern: [...clients, ':name'] },
  { operation: 'delete_api_client', method: 'DELETE', pattern: [...clients, ':name'] },
  { operation: 'enable_api_client', method: 'POST', pattern: [...clients, ':name', 'enable'] },
  { operation: 'disable_api_client', method: 'POST', pattern: [...clients, ':name', 'disable'] },
  { operation: 'rotate_api_client_secret', method: 'POST', pattern: [...clients, ':name', 'rotate-secret'] },
  { operation: 'list_api_roles', method: 'GET', pattern: roles },
  { operation: 'add_api_role', method: 'POST', pattern: roles },
  { operation: 'get_api_role', method: 'GET', pattern: [...roles, ':name'] },
  { operation: 'edit_api_role', method: 'PUT', pattern: [...roles, ':name'] },
  { operation: 'delete_api_role', method: 'DELETE', pattern: [...roles, ':name'] },
]

/**
 * Finds the operation for `method` and `pathname` (the raw, percent-encoded path of the request
 * URL) under `basePath` (which starts and ends with `/`). Literal segments must be spelled
 * exactly; parameters are returned as spelled. A parameter carrying `%` or a backslash, or one
 * that is `.` or `..`, an empty segment and a trailing slash match nothing.
 *
 * @example
 * ```ts
 * matchAdminRoute('POST', '/admin/orgs/acme/authorization-servers/Okta1/enable', '/admin/')
 * // { kind: 'found', operation: 'enable_server', params: { orgId: 'acme', name: 'Okta1' } }
 * matchAdminRoute('PATCH', '/admin/orgs/acme/authorization-servers', '/admin/')
 * // { kind: 'method_not_allowed', allow: ['GET', 'POST'] }
 * ```
 */
export function matchAdminRoute(method: string, pathname: string, basePath: string): AdminRouteMatch {
  if (!pathname.startsWith(basePath)) return { kind: 'not_found' }
  const segments = pathname.slice(basePath.length).split('/')
  if (segments.includes('')) return { kind: 'not_found' }
  const allow: string[] = []
  for (const route of routes) {
    const params = matchPattern(route.pattern, segments)
    if (params === undefined) continue
    if (route.method === method) return { kind: 'found', operation: route.operation, params }
    if (!allow.includes(route.method)) allow.push(route.method)
  }
  return allow.length === 0 ? { kind: 'not_found' } : { kind: 'method_not_allowed', allow }
}

function matchPattern(pattern: readonly string[], segments: readonly string[]): AdminRouteParams | undefined {
  if (pattern.length !== segments.length) return undefined
  let orgId = ''
  let name: string | undefined
  for (const [i, part] of pattern.entries()) {
    const segment = segments[i] as string
    if (part.startsWith(':')) {
      // Never decoded, so an escape could only stand for a character no ID or name may hold.
      if (segment.includes('%') || segment.includes('\\') || segment === '.' || segment === '..') return undefined
      if (part === ':orgId') orgId = segment
      else name = segment
    } else if (part !== segment) return undefined
  }
  return name === undefined ? { orgId } : { orgId, name }
}
