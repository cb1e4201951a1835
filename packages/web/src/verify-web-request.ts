/**
 * A Web `Request` as the core's `TokenRequest`, and its verdict.
 *
 * @module
 */
import type { RequestGuard, RequestVerdict, VerifyOptions } from '@tokenward/core'

/**
 * Verifies the access token of a Web `Request` with a guard. Resolves to the core verdict: the
 * verified token, or the error with the HTTP answer to send. Never rejects for a bad or missing
 * token; rejects when the guard itself fails (a programming or infrastructure fault).
 *
 * @example
 * ```ts
 * import { createVerifier } from '@tokenward/core'
 * import { challengeResponse, verifyWebRequest } from '@tokenward/web'
 *
 * const verifier = createVerifier({ server })
 * Deno.serve(async (request) => {
 *   const verdict = await verifyWebRequest(request, verifier)
 *   if (!verdict.ok) return challengeResponse(verdict)
 *   return Response.json({ client: verdict.token.clientId })
 * })
 * ```
 */
export function verifyWebRequest(request: Request, guard: RequestGuard, options?: VerifyOptions): Promise<RequestVerdict> {
  // Headers stays a Headers object: repeated Authorization headers arrive joined with ", ",
  // which the core refuses as invalid_request.
  return guard.verifyRequest({ method: request.method, url: request.url, headers: request.headers }, options)
}
