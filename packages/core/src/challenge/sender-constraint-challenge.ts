/**
 * The HTTP answer to a refused request when sender-constrained tokens are in play (RFC 9449 §7.1,
 * §8–9; RFC 9728 §5.1): a `DPoP` challenge with `algs` beside (or instead of) the `Bearer` one,
 * the error on the challenge of the scheme it concerns, a fresh `DPoP-Nonce` when one is asked
 * for, `Cache-Control: no-store`, and `resource_metadata` when configured. Outages stay 503 with
 * `Retry-After` and no challenge error. `renderChallenge`'s Bearer-only output is unchanged.
 *
 * @module
 */
import type { CredentialScheme } from '../request/credentials.ts'
import type { InsufficientScopeError, UseDpopNonceError, VerificationError } from '../errors.ts'
import { descriptionText, quotedString, renderChallenge, scopeValue, type ChallengeResponse } from '../http/challenge.ts'

/**
 * Options of {@link renderSenderConstraintChallenge}.
 *
 * @example
 * ```ts
 * const options: SenderConstraintChallengeOptions = { dpopMode: 'enabled', dpopAlgorithms: ['ES256'], scheme: 'DPoP', resourceMetadata: 'https://api.example.com/.well-known/oauth-protected-resource' }
 * ```
 */
export interface SenderConstraintChallengeOptions {
  /** The protection space, sent as `realm`. */
  readonly realm?: string | undefined
  /** Send `error_description`. Default `true`. */
  readonly includeDescription?: boolean | undefined
  /**
   * The server's DPoP mode: `off` challenges with `Bearer` only, `enabled` with both, `required`
   * with `DPoP` only. Default `off`.
   */
  readonly dpopMode?: 'off' | 'enabled' | 'required' | undefined
  /** The proof algorithms accepted, sent as the DPoP challenge's `algs`. */
  readonly dpopAlgorithms?: readonly string[] | undefined
  /** The scheme the request used, when it had credentials: an error about the token goes on that challenge. */
  readonly scheme?: CredentialScheme | undefined
  /** The URL of the protected-resource metadata (RFC 9728 §5.1), sent as `resource_metadata` on every challenge. */
  readonly resourceMetadata?: string | undefined
  /** A nonce to send in `DPoP-Nonce` (also taken from a `use_dpop_nonce` error). */
  readonly nonce?: string | undefined
}

/**
 * Headers CORS must expose for a browser client to read challenges and nonces, for adapters
 * that emit `Access-Control-Expose-Headers`.
 *
 * @example
 * ```ts
 * headers['access-control-expose-headers'] = senderConstraintExposedHeaders.join(', ')
 * ```
 */
export const senderConstraintExposedHeaders: readonly string[] = Object.freeze(['WWW-Authenticate', 'DPoP-Nonce'])

/**
 * Turns an error into status, headers and body with Bearer and/or DPoP challenges. An
 * `invalid_dpop_proof` or `use_dpop_nonce` error, or any token error on a request that used the
 * `DPoP` scheme, goes on the DPoP challenge; other errors on the Bearer one; the other challenge
 * is sent bare (with `realm`, `algs`, `resource_metadata`).
 *
 * @example
 * ```ts
 * const { status, headers } = renderSenderConstraintChallenge(error, { dpopMode: 'enabled', dpopAlgorithms: ['ES256'] })
 * // 401, 'www-authenticate': 'Bearer, DPoP error="invalid_dpop_proof", error_description="...", algs="ES256"'
 * ```
 */
export function renderSenderConstraintChallenge(error: VerificationError, options: SenderConstraintChallengeOptions = {}): ChallengeResponse {
  const base = renderChallenge(error, { realm: options.realm, includeDescription: options.includeDescription })
  const nonce = options.nonce ?? (error.code === 'use_dpop_nonce' ? (error as UseDpopNonceError).nonce : undefined)
  const extra: Record<string, string> = {}
  if (nonce !== undefined) extra['dpop-nonce'] = nonce
  if (error.status === 503) return { ...base, headers: { ...base.headers, ...extra } }

  const mode = options.dpopMode ?? 'off'
  const offerBearer = mode !== 'required'
  const offerDpop = mode !== 'off'
  const dpopError = error.code === 'invalid_dpop_proof' || error.code === 'use_dpop_nonce'
  const errorOnDpop = offerDpop && (dpopError || options.scheme === 'DPoP' || !offerBearer)

  const common: string[] = []
  if (options.realm !== undefined) common.push(`realm=${quotedString(options.realm)}`)
  const errorParams: string[] = []
  if (error.oauthError !== undefined) {
    errorParams.push(`error="${error.oauthError}"`)
    if (options.includeDescription ?? true) errorParams.push(`error_description="${descriptionText(error.message)}"`)
    if (error.code === 'insufficient_scope') {
      const scope = scopeValue((error as InsufficientScopeError).requiredScope ?? [])
      if (scope !== '') errorParams.push(`scope="${scope}"`)
    }
  }
  const trailing: string[] = []
  if (options.resourceMetadata !== undefined) trailing.push(`resource_metadata=${quotedString(options.resourceMetadata)}`)

  const challenges: string[] = []
  if (offerBearer) challenges.push(challenge('Bearer', [...common, ...(errorOnDpop ? [] : errorParams), ...trailing]))
  if (offerDpop) {
    const algs = (options.dpopAlgorithms ?? []).filter((a) => /^[A-Za-z0-9_-]+$/.test(a)).join(' ')
    challenges.push(challenge('DPoP', [...common, ...(errorOnDpop ? errorParams : []), ...(algs === '' ? [] : [`algs="${algs}"`]), ...trailing]))
  }
  return { ...base, headers: { ...base.headers, 'www-authenticate': challenges.join(', '), ...extra } }
}

/**
 * The headers of a successful answer that hands the client a fresh nonce (when the one it used is
 * about to expire): `DPoP-Nonce` and `Cache-Control: no-store`.
 *
 * @example
 * ```ts
 * if (result.value.nonce !== undefined) Object.assign(responseHeaders, dpopNonceHeaders(result.value.nonce))
 * ```
 */
export function dpopNonceHeaders(nonce: string): Readonly<Record<string, string>> {
  return { 'dpop-nonce': nonce, 'cache-control': 'no-store' }
}

function challenge(scheme: string, params: readonly string[]): string {
  return params.length === 0 ? scheme : `${scheme} ${params.join(', ')}`
}
