/**
 * A refused verdict as a Web `Response`.
 *
 * @module
 */
import type { ChallengeResponse } from '@tokenward/core'

/**
 * Turns a failed verdict into the `Response` to send: its status (400, 401, 403 or 503), its
 * headers (`WWW-Authenticate` challenge, or `Retry-After` for an outage; `Cache-Control:
 * no-store`; JSON content type) and its JSON body. Accepts the failed verdict itself or anything
 * carrying its `response`.
 *
 * @example
 * ```ts
 * const verdict = await verifyWebRequest(request, verifier)
 * if (!verdict.ok) {
 *   console.warn('refused', verdict.error.code)
 *   return challengeResponse(verdict)
 * }
 * ```
 */
export function challengeResponse(failure: { readonly response: ChallengeResponse }): Response {
  const { status, headers, body } = failure.response
  return new Response(JSON.stringify(body), { status, headers })
}
