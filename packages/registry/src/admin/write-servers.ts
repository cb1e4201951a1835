/**
 * The write operations: add, edit (full replacement), delete, enable and disable an authorization
 * server. Each reads its body, builds the command and runs it through `runServerCommand`.
 *
 * @module
 */
import type { AuthorizationServerConfig, ConfigIssue } from '@tokenward/core'
import type { CommandOutcome, Notice, Organization } from '@tokenward/core/organization'
import { nowSeconds, type AdminContext } from './admin-context.ts'
import { emptyResponse, invalidRequest, jsonResponse } from './admin-response.ts'
import { revisionTag } from './if-match.ts'
import { readJsonBody } from './read-json-body.ts'
import { readDisableBody, readEnableBody, readServerBody } from './request-bodies.ts'
import { runServerCommand } from './run-server-command.ts'
import { serverView, type AuthorizationServerView } from './server-view.ts'

/**
 * The body answered by a write that leaves a server in place (add, edit, enable, disable).
 *
 * @example
 * ```ts
 * const body: ServerChangeBody = { server: oktaView, notices: [], revision: 8, changed: true }
 * ```
 */
export interface ServerChangeBody {
  readonly server: AuthorizationServerView
  /** What the admin should know: `may_disrupt_clients`, `clients_lose_access`, config warnings. */
  readonly notices: readonly Notice[]
  /** The organization's revision after the request (the `ETag`). */
  readonly revision: number
  /** `false` when the request asked for the state the server was already in (nothing written). */
  readonly changed: boolean
}

/**
 * `POST …/authorization-servers`: body = server config + `validationId` (needed for a
 * `jwksUrl`). 201 with {@link ServerChangeBody}. A config holding private key material (an
 * inline JWK with `d`, `k`..., a private key PEM) is refused by core's config rules with 400
 * `invalid_config`, each such key named by path, and is never stored or echoed.
 *
 * @example
 * ```ts
 * if (route.operation === 'add_server') return addServer(ctx)
 * ```
 */
export async function addServer(ctx: AdminContext): Promise<Response> {
  const body = await readJsonBody(ctx.request, { maxBytes: ctx.options.maxBodyBytes, optional: false })
  if (!body.ok) return body.response
  const parts = readServerBody(body.value ?? {})
  if (!parts.ok) return invalidRequest(parts.issues)
  const r = await runServerCommand(ctx, {
    command: (receipt) => ({ type: 'add_server', server: parts.server, receipt }),
    validationId: parts.validationId,
    retryOnConflict: false,
  })
  if (!r.ok) return r.response
  return serverChanged(ctx, 201, r.outcome, parts.server.name as string)
}

/**
 * `PUT …/authorization-servers/{name}`: the full new config (which may rename the server; an
 * omitted `enabled` keeps the current flag) + `validationId`. 200 with {@link ServerChangeBody};
 * editing the server in use adds the `may_disrupt_clients` notice. A PUT that loses a revision
 * race is not retried (409 `conflict`): the admin edited what they saw, which is gone.
 *
 * @example
 * ```ts
 * if (route.operation === 'edit_server') return editServer(ctx)
 * ```
 */
export async function editServer(ctx: AdminContext): Promise<Response> {
  const body = await readJsonBody(ctx.request, { maxBytes: ctx.options.maxBodyBytes, optional: false })
  if (!body.ok) return body.response
  const parts = readServerBody(body.value ?? {})
  if (!parts.ok) return invalidRequest(parts.issues)
  const name = ctx.name as string
  const r = await runServerCommand(ctx, {
    command: (receipt) => ({ type: 'edit_server', name, server: parts.server, receipt }),
    validationId: parts.validationId,
    retryOnConflict: false,
  })
  if (!r.ok) return r.response
  return serverChanged(ctx, 200, r.outcome, parts.server.name as string)
}

/**
 * `DELETE …/authorization-servers/{name}` (any body is ignored). 204 normally; 200 with
 * `{ notices, revision }` when the deleted server was the one in use, so the `clients_lose_access`
 * notice reaches the admin (a 204 cannot carry it). Both carry the new `ETag`.
 *
 * @example
 * ```ts
 * if (route.operation === 'delete_server') return deleteServer(ctx)
 * ```
 */
export async function deleteServer(ctx: AdminContext): Promise<Response> {
  const name = ctx.name as string
  const r = await runServerCommand(ctx, { command: () => ({ type: 'delete_server', name }), validationId: undefined, retryOnConflict: false })
  if (!r.ok) return r.response
  const { organization, notices } = r.outcome
  const etag = { etag: revisionTag(organization.revision) }
  if (notices.length === 0) return emptyResponse(204, etag)
  return jsonResponse(200, { notices, revision: organization.revision }, etag)
}

/**
 * `POST …/authorization-servers/{name}/enable`, body optional: `{ "switchFromEnabled": true }`
 * disables the enabled server and enables this one in one change. Idempotent (retried once on a
 * revision race when there is no `If-Match`). 200 with {@link ServerChangeBody}.
 *
 * @example
 * ```ts
 * if (route.operation === 'enable_server') return enableServer(ctx)
 * ```
 */
export async function enableServer(ctx: AdminContext): Promise<Response> {
  const body = await readJsonBody(ctx.request, { maxBytes: ctx.options.maxBodyBytes, optional: true })
  if (!body.ok) return body.response
  const parsed = readEnableBody(body.value)
  if (!parsed.ok) return invalidRequest(parsed.issues)
  const name = ctx.name as string
  const switchFromEnabled = parsed.switchFromEnabled
  const r = await runServerCommand(ctx, {
    command: () => (switchFromEnabled === undefined ? { type: 'enable_server', name } : { type: 'enable_server', name, switchFromEnabled }),
    validationId: undefined,
    retryOnConflict: true,
  })
  if (!r.ok) return r.response
  return serverChanged(ctx, 200, r.outcome, name)
}

/**
 * `POST …/authorization-servers/{name}/disable`, body optional (`{}`). Idempotent (retried once on
 * a revision race when there is no `If-Match`). 200 with {@link ServerChangeBody}; disabling the
 * server in use adds the `clients_lose_access` notice.
 *
 * @example
 * ```ts
 * if (route.operation === 'disable_server') return disableServer(ctx)
 * ```
 */
export async function disableServer(ctx: AdminContext): Promise<Response> {
  const body = await readJsonBody(ctx.request, { maxBytes: ctx.options.maxBodyBytes, optional: true })
  if (!body.ok) return body.response
  const issues: readonly ConfigIssue[] = readDisableBody(body.value)
  if (issues.length > 0) return invalidRequest(issues)
  const name = ctx.name as string
  const r = await runServerCommand(ctx, { command: () => ({ type: 'disable_server', name }), validationId: undefined, retryOnConflict: true })
  if (!r.ok) return r.response
  return serverChanged(ctx, 200, r.outcome, name)
}

async function serverChanged(ctx: AdminContext, status: 200 | 201, outcome: CommandOutcome, name: string): Promise<Response> {
  const org: Organization = outcome.organization
  const server: AuthorizationServerConfig | undefined = org.authorizationServers.find((s) => s.name === name)
  if (server === undefined) throw new Error(`The accepted outcome has no server named ${JSON.stringify(name)}`)
  const body: ServerChangeBody = {
    server: await serverView(ctx, org, server, nowSeconds(ctx)),
    notices: outcome.notices,
    revision: org.revision,
    changed: outcome.changed,
  }
  return jsonResponse(status, body, { etag: revisionTag(org.revision) })
}
