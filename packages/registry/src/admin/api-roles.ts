/**
 * The API role operations of the admin API (Role Management): list, read, add, edit and delete an
 * organization's API roles and the API resource categories each grants. Same permission, state
 * rules and audit as every other change; a role that API clients hold is never deleted silently.
 *
 * @module
 */
import { apiClientsOf, ruleViolation, type CommandOutcome, type Notice, type Organization } from '@tokenward/core/organization'
import { nowSeconds, type AdminContext } from './admin-context.ts'
import { invalidRequest, jsonResponse } from './admin-response.ts'
import { apiChangesView, deletedResponse, loadForApiKeyReading } from './api-key-management.ts'
import { violationResponse } from './failure-response.ts'
import { revisionTag } from './if-match.ts'
import { readJsonBody } from './read-json-body.ts'
import { organizationState, type OrganizationStateView } from './read-servers.ts'
import { runServerCommand } from './run-server-command.ts'

/**
 * An API role as the admin API shows it, with the API clients that hold it.
 *
 * @example
 * ```ts
 * const view: ApiRoleView = { name: 'ReadOnly', categories: ['reports'], clients: ['ci'] }
 * ```
 */
export interface ApiRoleView {
  readonly name: string
  /** The API resource categories the role grants. */
  readonly categories: readonly string[]
  /** IDs of the API clients holding the role. */
  readonly clients: readonly string[]
}

/**
 * `GET …/api-roles`.
 *
 * @example
 * ```ts
 * const list: ApiRoleList = await (await fetch(`${base}orgs/acme/api-roles`, { headers })).json()
 * ```
 */
export interface ApiRoleList {
  readonly orgId: string
  /** Also the `ETag`; send it back as `If-Match`. */
  readonly revision: number
  readonly apiRoles: readonly ApiRoleView[]
  readonly organization: OrganizationStateView
  readonly changes: { readonly allowed: boolean; readonly refusal: { readonly code: string; readonly message: string } | null }
}

/**
 * The body answered by an add or edit of a role.
 *
 * @example
 * ```ts
 * const body: ApiRoleChangeBody = { role: { name: 'Auditor', categories: ['reports'], clients: [] }, notices: [], revision: 4, changed: true }
 * ```
 */
export interface ApiRoleChangeBody {
  readonly role: ApiRoleView
  readonly notices: readonly Notice[]
  readonly revision: number
  readonly changed: boolean
}

function roleView(org: Organization, name: string): ApiRoleView {
  return {
    name,
    categories: [...(org.apiRoles[name] ?? [])],
    clients: apiClientsOf(org)
      .filter((c) => c.roles.includes(name))
      .map((c) => c.clientId),
  }
}

/**
 * `GET …/api-roles` (API Key Management permission; works while suspended or expired).
 *
 * @example
 * ```ts
 * if (route.operation === 'list_api_roles') return listApiRoles(ctx)
 * ```
 */
export async function listApiRoles(ctx: AdminContext): Promise<Response> {
  const org = await loadForApiKeyReading(ctx)
  if (org instanceof Response) return org
  const now = nowSeconds(ctx)
  const body: ApiRoleList = {
    orgId: org.orgId,
    revision: org.revision,
    apiRoles: Object.keys(org.apiRoles).map((name) => roleView(org, name)),
    organization: organizationState(org, now),
    changes: apiChangesView(org, ctx.actor, now),
  }
  return jsonResponse(200, body, { etag: revisionTag(org.revision) })
}

/**
 * `GET …/api-roles/{role}`: `{ role, revision }`, 404 `api_role_not_found`.
 *
 * @example
 * ```ts
 * if (route.operation === 'get_api_role') return getApiRole(ctx)
 * ```
 */
export async function getApiRole(ctx: AdminContext): Promise<Response> {
  const org = await loadForApiKeyReading(ctx)
  if (org instanceof Response) return org
  const name = ctx.name as string
  if (!Object.hasOwn(org.apiRoles, name)) return violationResponse(ruleViolation('api_role_not_found', `No API role ${JSON.stringify(name)}`, { field: 'name', actual: name }))
  return jsonResponse(200, { role: roleView(org, name), revision: org.revision }, { etag: revisionTag(org.revision) })
}

/**
 * `POST …/api-roles` with `{ name, categories }`: 201 with {@link ApiRoleChangeBody}.
 *
 * @example
 * ```ts
 * if (route.operation === 'add_api_role') return addApiRole(ctx)
 * ```
 */
export async function addApiRole(ctx: AdminContext): Promise<Response> {
  const body = await readJsonBody(ctx.request, { maxBytes: ctx.options.maxBodyBytes, optional: false })
  if (!body.ok) return body.response
  const role = body.value ?? {}
  const r = await runServerCommand(ctx, { command: () => ({ type: 'add_api_role', role }), validationId: undefined, retryOnConflict: false })
  if (!r.ok) return r.response
  return roleChanged(201, r.outcome, role.name as string)
}

/**
 * `PUT …/api-roles/{role}` with `{ name, categories }` (a new `name` renames the role, refused
 * with 409 `role_in_use` while API clients hold it). 200 with {@link ApiRoleChangeBody}.
 *
 * @example
 * ```ts
 * if (route.operation === 'edit_api_role') return editApiRole(ctx)
 * ```
 */
export async function editApiRole(ctx: AdminContext): Promise<Response> {
  const body = await readJsonBody(ctx.request, { maxBytes: ctx.options.maxBodyBytes, optional: false })
  if (!body.ok) return body.response
  const role = body.value ?? {}
  const name = ctx.name as string
  const r = await runServerCommand(ctx, { command: () => ({ type: 'edit_api_role', name, role }), validationId: undefined, retryOnConflict: false })
  if (!r.ok) return r.response
  return roleChanged(200, r.outcome, role.name as string)
}

/**
 * `DELETE …/api-roles/{role}[?detachFromClients=true]`. While API clients hold the role it is
 * refused with 409 `role_in_use` (`actual` lists their IDs, the message their names), unless
 * `detachFromClients=true` removes it from them in the same change. 204, or 200 with
 * `{ notices, revision }` when clients lost the role.
 *
 * @example
 * ```ts
 * if (route.operation === 'delete_api_role') return deleteApiRole(ctx)
 * ```
 */
export async function deleteApiRole(ctx: AdminContext): Promise<Response> {
  const query = new URL(ctx.request.url).searchParams
  const unknown = [...query.keys()].filter((k) => k !== 'detachFromClients')
  const detach = query.get('detachFromClients')
  if (unknown.length > 0 || (detach !== null && detach !== 'true' && detach !== 'false') || query.getAll('detachFromClients').length > 1) {
    return invalidRequest([
      ...unknown.map((k) => ({ path: `query.${k}`, message: 'unknown parameter' })),
      ...(unknown.length === 0 ? [{ path: 'query.detachFromClients', message: 'must be true or false, once' }] : []),
    ])
  }
  const name = ctx.name as string
  const r = await runServerCommand(ctx, {
    command: () => (detach === 'true' ? { type: 'delete_api_role', name, detachFromClients: true } : { type: 'delete_api_role', name }),
    validationId: undefined,
    retryOnConflict: false,
  })
  if (!r.ok) return r.response
  return deletedResponse(r.outcome)
}

function roleChanged(status: 200 | 201, outcome: CommandOutcome, name: string): Response {
  const org = outcome.organization
  const body: ApiRoleChangeBody = { role: roleView(org, name), notices: outcome.notices, revision: org.revision, changed: outcome.changed }
  return jsonResponse(status, body, { etag: revisionTag(org.revision) })
}
