/**
 * Checks a decoded JOSE header before any key is looked up (RFC 7515 §4.1, RFC 8725 §3.1,
 * RFC 9068 §2.1 and §4).
 *
 * Only `alg`, `crit`, `b64`, `zip`, `kid` and `typ` are read. Key-carrying members (`jwk`,
 * `jku`, `x5u`, `x5c`) are never read: keys come only from the authorization server's
 * configured JWK Set, so a token cannot name its own key. Members are read as own properties,
 * so a polluted `Object.prototype` cannot supply one.
 *
 * @module
 */
import { InvalidHeaderError } from '../errors.ts'
import type { SupportedAlgorithm } from '../jose/jwk.ts'
import { err, ok } from '../result.ts'
import type { Result } from '../result.ts'

/**
 * The header members verification goes on with, after {@link validateJoseHeader} accepted them.
 *
 * @example
 * ```ts
 * const checked: CheckedHeader = { alg: 'RS256', kid: 'k1', typ: 'at+jwt' }
 * ```
 */
export interface CheckedHeader {
  /** An algorithm from the allow-list. */
  readonly alg: SupportedAlgorithm
  /** The key ID, a non-empty string when present. */
  readonly kid: string | undefined
  /** The media type as written, when present. */
  readonly typ: string | undefined
}

/**
 * Options of {@link validateJoseHeader}.
 *
 * @example
 * ```ts
 * const options: ValidateJoseHeaderOptions = { algorithms: ['RS256', 'ES256'], requireAccessTokenType: true }
 * ```
 */
export interface ValidateJoseHeaderOptions {
  /** The algorithms accepted. `none` and HMAC are refused even if listed. */
  readonly algorithms: readonly SupportedAlgorithm[]
  /** When true, `typ` must be `at+jwt` or `application/at+jwt` (RFC 9068 §2.1), in any case. */
  readonly requireAccessTokenType: boolean
}

/** Longest header value copied into an error's `actual`. */
const maxActualLength = 64

const neverAllowed = new Set(['none', 'hs256', 'hs384', 'hs512'])

const invalidHeader = (claim: string, message: string, actual?: unknown) =>
  err(new InvalidHeaderError('invalid_header', message, actual === undefined ? { claim } : { claim, actual }))

/**
 * Checks the JOSE header of a parsed token: `alg` must be on the allow-list (never `none` or
 * `HS*`); `crit` is refused, as tokenward understands no extension; `b64` other than `true`
 * and `zip` are refused; `kid` must be a non-empty string and `typ` a string when present;
 * and `typ` must say `at+jwt` when `requireAccessTokenType` is set.
 *
 * Fails with `invalid_header`, `alg_not_allowed` (`expected`: the allow-list, `actual`: the alg,
 * cut to 64 characters) or `invalid_typ` (`expected`: `at+jwt`, `actual`: the typ).
 *
 * @example
 * ```ts
 * const r = validateJoseHeader(parsed.header, { algorithms: ['RS256'], requireAccessTokenType: true })
 * if (!r.ok) return r // InvalidHeaderError
 * const { alg, kid } = r.value
 * ```
 */
export function validateJoseHeader(
  header: Readonly<Record<string, unknown>>,
  options: ValidateJoseHeaderOptions,
): Result<CheckedHeader, InvalidHeaderError> {
  const member = (name: string): unknown => (Object.hasOwn(header, name) ? header[name] : undefined)

  const alg = member('alg')
  if (typeof alg !== 'string') return invalidHeader('header.alg', 'The header has no alg string')
  const forbidden = alg.length <= 5 && neverAllowed.has(alg.toLowerCase())
  if (forbidden || !options.algorithms.includes(alg as SupportedAlgorithm)) {
    const message = forbidden
      ? 'Unsigned (none) and HMAC (HS256, HS384, HS512) tokens are never accepted'
      : `The token's alg is not one of the allowed algorithms (${options.algorithms.join(', ')})`
    return err(
      new InvalidHeaderError('alg_not_allowed', message, {
        claim: 'header.alg',
        expected: options.algorithms,
        actual: truncate(alg),
      }),
    )
  }

  const crit = member('crit')
  if (crit !== undefined) {
    if (!Array.isArray(crit) || crit.length === 0 || !crit.every((name) => typeof name === 'string')) {
      return invalidHeader('header.crit', 'crit must be a non-empty array of strings')
    }
    const first = truncate(crit[0] as string)
    const named = /^[\x21-\x7e]+$/.test(first) ? `"${first}"` : 'an extension'
    return invalidHeader('header.crit', `crit lists ${named}, which tokenward does not understand`, first)
  }
  if (member('b64') !== undefined && member('b64') !== true) {
    return invalidHeader('header.b64', 'Unencoded payloads (b64) are not accepted')
  }
  if (member('zip') !== undefined) return invalidHeader('header.zip', 'Compressed payloads (zip) are not accepted')

  const kid = member('kid')
  if (kid !== undefined && (typeof kid !== 'string' || kid.length === 0)) {
    return invalidHeader('header.kid', 'kid must be a non-empty string')
  }
  const typ = member('typ')
  if (typ !== undefined && typeof typ !== 'string') return invalidHeader('header.typ', 'typ must be a string')
  if (options.requireAccessTokenType && !isAccessTokenType(typ)) {
    return err(
      new InvalidHeaderError('invalid_typ', 'The token is not typed as an access token (typ at+jwt)', {
        claim: 'header.typ',
        expected: 'at+jwt',
        actual: typ === undefined ? undefined : truncate(typ),
      }),
    )
  }

  return ok({ alg: alg as SupportedAlgorithm, kid, typ })
}

function isAccessTokenType(typ: string | undefined): boolean {
  if (typ === undefined || typ.length > 18) return false
  const lower = typ.toLowerCase()
  return lower === 'at+jwt' || lower === 'application/at+jwt'
}

function truncate(value: string): string {
  return value.length > maxActualLength ? value.slice(0, maxActualLength) : value
}
