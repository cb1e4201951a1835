/**
 * What an adapter does with a verdict: run the handler with the token, run it without one
 * (optional auth), or send the refusal. Decided once here, so every adapter lets exactly the same
 * requests through.
 *
 * @module
 */
import type { ChallengeResponse } from '../http/challenge.ts'
import type { RequestVerdict } from '../verifier/types.ts'
import type { VerifiedAccessToken } from '../verifier/types.ts'

/**
 * The outcome of {@link admitRequest}.
 *
 * @example
 * ```ts
 * const admission: Admission = admitRequest(verdict, { optional: true })
 * if (admission.kind === 'anonymous') console.log('no token, optional route')
 * ```
 */
export type Admission =
  | { readonly kind: 'accepted'; readonly token: VerifiedAccessToken }
  /** Optional auth and no token at all: run the handler without one. */
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'refused'; readonly response: ChallengeResponse }

/**
 * Settles a verdict for a route. With `optional: true` only a request that carries no token
 * (`missing_token`) is let through anonymously: a bad token (401), a malformed request (400), a
 * missing role (403) and an outage (503) are refused as on any route. Pure.
 *
 * @example
 * ```ts
 * const admission = admitRequest(await guard.verifyRequest(request), { optional: true })
 * if (admission.kind === 'refused') return send(admission.response)
 * const auth = admission.kind === 'accepted' ? admission.token : undefined
 * ```
 */
export function admitRequest(verdict: RequestVerdict, options: { readonly optional?: boolean | undefined } = {}): Admission {
  if (verdict.ok) return { kind: 'accepted', token: verdict.token }
  if (options.optional === true && verdict.error.code === 'missing_token') return { kind: 'anonymous' }
  return { kind: 'refused', response: verdict.response }
}
