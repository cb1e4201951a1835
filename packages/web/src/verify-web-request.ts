/**
 * A Web `Request` as the core's `TokenRequest`, and its verdict.
 *
 * @module
 */
import { defineRequestUrl, type RequestGuard, type RequestUrl, type RequestVerdict, type TokenRequest, type VerifyOptions } from '@tokenward/core'
import type { VerifyWebRequestOptions } from './types.ts'

/**
 * Verifies the access token of a Web `Request` with a guard. Resolves to the core verdict: the
 * verified token, or the error with the HTTP answer to send. Never rejects for a bad or missing
 * token; rejects when the guard itself fails (a programming or infrastructure fault), and throws
 * `ConfigError` for a `publicOrigin` that is not an origin.
 *
 * The guard sees `request.url` as the runtime built it (the same URL the app routes on), with its
 * origin replaced by `publicOrigin` when one is given. Most runtimes build that origin from the
 * client's `Host` header: set `publicOrigin` wherever the origin matters.
 *
 * @example
 * ```ts
 * import { createVerifier } from '@tokenward/core'
 * import { challengeResponse, verifyWebRequest } from '@tokenward/web'
 *
 * const verifier = createVerifier({ server })
 * Deno.serve(async (request) => {
 *   const verdict = await verifyWebRequest(request, verifier, { publicOrigin: 'https://api.example.com' })
 *   if (!verdict.ok) return challengeResponse(verdict)
 *   return Response.json({ client: verdict.token.clientId })
 * })
 * ```
 */
export function verifyWebRequest(request: Request, guard: RequestGuard, options?: VerifyWebRequestOptions): Promise<RequestVerdict> {
  if (options === undefined) return guard.verifyRequest(webTokenRequest(request, undefined))
  const { publicOrigin, ...verifyOptions } = options
  return guard.verifyRequest(webTokenRequest(request, publicOrigin === undefined ? undefined : defineRequestUrl({ publicOrigin })), verifyOptions as VerifyOptions)
}

/** The core's request: method, the URL (origin replaced by a configured public origin), and the Headers object itself. */
export function webTokenRequest(request: Request, urlOf: RequestUrl | undefined): TokenRequest {
  // Headers stays a Headers object: repeated Authorization headers arrive joined with ", ",
  // which the core refuses as invalid_request.
  const url = urlOf === undefined ? request.url : urlOf({ target: request.url, headers: request.headers })
  return { method: request.method, url, headers: request.headers }
}
