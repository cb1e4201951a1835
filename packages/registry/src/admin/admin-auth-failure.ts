/**
 * What an admin authenticator returns when it refuses a request: the HTTP answer to send as is
 * (a tokenward challenge, or your own).
 *
 * @module
 */
import type { Actor } from '@tokenward/core/organization'

/**
 * A refused admin request: the status, headers and JSON body to answer with. Built with
 * {@link adminAuthFailure}; a verifier's `ChallengeResponse` fits as is.
 *
 * @example
 * ```ts
 * const failure: AdminAuthFailure = adminAuthFailure({ status: 401, headers: { 'www-authenticate': 'Bearer' }, body: { error: 'unauthorized' } })
 * ```
 */
export interface AdminAuthFailure {
  readonly _tag: 'AdminAuthFailure'
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  /** Sent as JSON. */
  readonly body: unknown
}

/**
 * Decides who is calling: the {@link Actor} (whose `permissions` the rules check), or the answer
 * that refuses the request. May reject only for unexpected failures (answered with 500).
 *
 * @example
 * ```ts
 * const authenticate: AdminAuthenticate = async (request) =>
 *   request.headers.get('x-test-user') === 'alice'
 *     ? { id: 'alice', permissions: [apiKeyManagementPermission] }
 *     : adminAuthFailure({ status: 401, headers: { 'www-authenticate': 'Bearer' }, body: { error: 'unauthorized' } })
 * ```
 */
export type AdminAuthenticate = (request: Request) => Promise<Actor | AdminAuthFailure>

/**
 * Builds an {@link AdminAuthFailure}. Pass a tokenward `verdict.response` to return the
 * verifier's own challenge (401/400/403/503 with `WWW-Authenticate`).
 *
 * @example
 * ```ts
 * const verdict = await verifier.verifyRequest({ method: request.method, url: request.url, headers: request.headers })
 * if (!verdict.ok) return adminAuthFailure(verdict.response)
 * ```
 */
export function adminAuthFailure(response: { readonly status: number; readonly headers?: Readonly<Record<string, string>>; readonly body: unknown }): AdminAuthFailure {
  return { _tag: 'AdminAuthFailure', status: response.status, headers: { ...response.headers }, body: response.body }
}

/**
 * True for an {@link AdminAuthFailure} (checked by shape, so one built by another copy of this
 * package counts too).
 *
 * @example
 * ```ts
 * const who = await authenticate(request)
 * if (isAdminAuthFailure(who)) return new Response(JSON.stringify(who.body), who)
 * ```
 */
export function isAdminAuthFailure(value: unknown): value is AdminAuthFailure {
  return typeof value === 'object' && value !== null && (value as { _tag?: unknown })._tag === 'AdminAuthFailure'
}
