/**
 * What an RFC 7662 introspection answer means, as pure functions of the answer, the server's
 * expectations and the current time: only the JSON boolean `active: true` is active; after that,
 * the same claim rules as JWT access tokens (time claims with tolerance, `iss`, `aud`, client
 * identifier, `cnf` refused until sender constraints are checked).
 *
 * @module
 */
import { validateAccessTokenClaims, type ClaimExpectations, type ValidatedClaims } from '../claims/validate-claims.ts'
import { atStage, InactiveTokenError, type ClaimValidationError } from '../errors.ts'
import { parseStrictJsonObject } from '../jws/strict-json.ts'
import { err, ok, type Result } from '../result.ts'

/** How an active answer's claims are checked. */
export interface IntrospectionExpectations extends ClaimExpectations {
  /** The audience was sent to the authorization server, which checked it: an answer without `aud` is then accepted. */
  readonly sendAudience: boolean
  /** How long an answer without `exp` is taken to be valid, in seconds from when it was given. */
  readonly noExpiryCeilingSeconds: number
}

/** An active answer whose claims passed. */
export interface IntrospectedClaims {
  readonly claims: ValidatedClaims
  /** The answer's members, with `exp` filled in (now + ceiling) when the AS sent none. */
  readonly payload: Readonly<Record<string, unknown>>
  /** True when the AS sent no `exp` and the ceiling stands in for it. */
  readonly expiryFromCeiling: boolean
}

/** How long an introspection answer without `exp` counts as valid (and may be cached): 5 minutes. */
export const defaultNoExpiryCeilingSeconds = 300

/**
 * Parses an introspection response body: a strict JSON object (no duplicate members) whose
 * `active` member is a JSON boolean. Anything else is a broken authorization server, described by
 * the string.
 *
 * @example
 * ```ts
 * parseIntrospectionBody(new TextEncoder().encode('{"active":"true"}')) // { ok: false, error: 'active must be a JSON boolean' }
 * ```
 */
export function parseIntrospectionBody(body: Uint8Array): Result<Readonly<Record<string, unknown>>, string> {
  const parsed = parseStrictJsonObject(body)
  if (!parsed.ok) return err(`the body is not a JSON object (it ${parsed.error})`)
  if (typeof parsed.value.active !== 'boolean') return err('active must be a JSON boolean')
  return parsed
}

/**
 * Decides an introspection answer: inactive unless `active` is exactly `true`, then the access
 * token claim rules. An audience configured while the answer has no `aud` is refused, unless the
 * audience was sent to the AS (`sendAudience`), which then checked it.
 *
 * @example
 * ```ts
 * const r = validateIntrospectionAnswer({ active: true, client_id: 'c', exp: 2e9 },
 *   { issuer: undefined, audience: undefined, clientId: undefined, clockToleranceSeconds: 30, sendAudience: false, noExpiryCeilingSeconds: 300 }, Date.now() / 1000)
 * if (r.ok) console.log(r.value.claims.clientId) // 'c'
 * ```
 */
export function validateIntrospectionAnswer(
  answer: Readonly<Record<string, unknown>>,
  expected: IntrospectionExpectations,
  nowSeconds: number,
): Result<IntrospectedClaims, InactiveTokenError | ClaimValidationError> {
  if (answer.active !== true) return err(new InactiveTokenError('The authorization server says the token is not active'))
  const expiryFromCeiling = answer.exp === undefined
  const payload = expiryFromCeiling ? { ...answer, exp: Math.floor(nowSeconds) + expected.noExpiryCeilingSeconds } : answer
  const skipAudience = expected.sendAudience && answer.aud === undefined
  const checked = validateAccessTokenClaims(payload, skipAudience ? { ...expected, audience: undefined } : expected, nowSeconds)
  if (!checked.ok) return err(checked.error.code === 'token_bound' ? checked.error : atStage(checked.error, 'introspect'))
  return ok({ claims: checked.value, payload, expiryFromCeiling })
}

/** What decides how long an active answer is cached. */
export interface IntrospectionCachePolicy {
  readonly cacheTokens: boolean
  /** Seconds, `-1` for "until `exp`". */
  readonly tokenTimeToLiveSeconds: number
  readonly noExpiryCeilingSeconds: number
}

/**
 * How many seconds an active answer may be served from the cache: `min(TTL, exp − now)`, `-1`
 * meaning until `exp`; never past the ceiling when the AS sent no `exp`; 0 when caching is off.
 *
 * @example
 * ```ts
 * introspectionCacheSeconds({ cacheTokens: true, tokenTimeToLiveSeconds: 60, noExpiryCeilingSeconds: 300 }, { expiresAt: 1030, expiryFromCeiling: false }, 1000) // 30
 * ```
 */
export function introspectionCacheSeconds(
  policy: IntrospectionCachePolicy,
  answer: { readonly expiresAt: number; readonly expiryFromCeiling: boolean },
  nowSeconds: number,
): number {
  if (!policy.cacheTokens) return 0
  const untilExpiry = Math.max(0, answer.expiresAt - nowSeconds)
  const bounded = answer.expiryFromCeiling ? Math.min(untilExpiry, policy.noExpiryCeilingSeconds) : untilExpiry
  return policy.tokenTimeToLiveSeconds === -1 ? bounded : Math.min(policy.tokenTimeToLiveSeconds, bounded)
}
