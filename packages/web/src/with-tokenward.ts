/**
 * `withTokenward`: wraps a Web handler so it runs only for an accepted access token.
 *
 * @module
 */
import { admitRequest, defineRequestUrl, dpopNonceHeaders, isApiResourceTable, type VerifiedAccessToken, type VerifyOptions } from '@tokenward/core'
import { challengeResponse } from './challenge-response.ts'
import type { ProtectedHandler, WebHandler, WithTokenwardOptions } from './types.ts'
import { webTokenRequest } from './verify-web-request.ts'
import { defineWebCertificate } from './web-client-certificate.ts'

/**
 * Wraps a `(request, auth, ...rest) => Response` handler: each request is verified by the guard
 * first; a refused one gets its challenge (400, 401, 403 or 503) and never reaches the handler.
 * Arguments after the request (Workers' `env, ctx`, Bun's `server`) are passed through. When the
 * core hands out the next DPoP nonce (the proof's is about to expire), the handler's response gets
 * `DPoP-Nonce` and `Cache-Control: no-store`.
 * With `optional: true`, only a request without a token reaches the handler with `undefined`.
 * Errors thrown by the guard or the handler propagate (the runtime answers 500).
 *
 * @example
 * ```ts
 * import { createVerifier } from '@tokenward/core'
 * import { withTokenward } from '@tokenward/web'
 *
 * const guard = createVerifier({ server, organization })
 * const handler = withTokenward((request, auth) => Response.json({ client: auth.clientId }), { guard })
 *
 * Deno.serve(handler) // or Bun.serve({ fetch: handler }), or export default { fetch: handler }
 * ```
 */
export function withTokenward<Rest extends unknown[]>(
  handler: ProtectedHandler<VerifiedAccessToken, Rest>,
  options: WithTokenwardOptions & { readonly optional?: false | undefined },
): WebHandler<Rest>
export function withTokenward<Rest extends unknown[]>(
  handler: ProtectedHandler<VerifiedAccessToken | undefined, Rest>,
  options: WithTokenwardOptions,
): WebHandler<Rest>
export function withTokenward<Rest extends unknown[]>(
  handler: ProtectedHandler<VerifiedAccessToken, Rest> | ProtectedHandler<VerifiedAccessToken | undefined, Rest>,
  options: WithTokenwardOptions,
): WebHandler<Rest> {
  // Checked when the handler is built, not on the first request.
  if (typeof options?.guard?.verifyRequest !== 'function') throw new TypeError('withTokenward: options.guard must have a verifyRequest method')
  if (options.requiredRoles !== undefined && !Array.isArray(options.requiredRoles)) throw new TypeError('withTokenward: options.requiredRoles must be an array')
  const { guard, optional = false } = options
  // `undefined` reaches the handler only with `optional: true`, i.e. through the second overload.
  const call = handler as ProtectedHandler<VerifiedAccessToken | undefined, Rest>
  const verifyOptions = verifyOptionsOf(options)
  const urlOf = options.publicOrigin === undefined ? undefined : defineRequestUrl({ publicOrigin: options.publicOrigin })
  const certificateOf = defineWebCertificate(options)

  return async (request, ...rest) => {
    const admission = admitRequest(await guard.verifyRequest(webTokenRequest(request, urlOf, certificateOf), verifyOptions), { optional })
    if (admission.kind === 'accepted') {
      const response = await call(request, admission.token, ...rest)
      return admission.token.dpopNonce === undefined ? response : withHeaders(response, dpopNonceHeaders(admission.token.dpopNonce))
    }
    if (admission.kind === 'anonymous') return call(request, undefined, ...rest)
    return challengeResponse(admission)
  }
}

/** The response with these headers set: in place when its headers are mutable, else on a copy (a fetched or `Response.redirect` response). */
function withHeaders(response: Response, headers: Readonly<Record<string, string>>): Response {
  try {
    for (const [name, value] of Object.entries(headers)) response.headers.set(name, value)
    return response
  } catch {
    const copy = new Headers(response.headers)
    for (const [name, value] of Object.entries(headers)) copy.set(name, value)
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers: copy })
  }
}

/** The per-call options the wrapper's options ask for, checked when the handler is built. */
function verifyOptionsOf(options: WithTokenwardOptions): VerifyOptions | undefined {
  const { resource, resources } = options
  if (resource !== undefined && (typeof resource !== 'string' || resource === '')) throw new TypeError('withTokenward: options.resource must be an API resource category name')
  if (resources !== undefined && !isApiResourceTable(resources)) throw new TypeError('withTokenward: options.resources must be a table built by defineApiResources')
  const requiredRoles = options.requiredRoles === undefined ? undefined : [...options.requiredRoles]
  if (requiredRoles === undefined && resource === undefined && resources === undefined) return undefined
  return { requiredRoles, resource, resources }
}
