/**
 * Claim rules for client-credentials access tokens (RFC 7519, RFC 9068), as a pure function of
 * the payload, the config and the current time.
 *
 * @module
 */
import { ClaimValidationError } from '../errors.ts'
import { err, ok, type Result } from '../result.ts'

/** The claim checks an authorization server config asks for. */
export interface ClaimExpectations {
  /** When set, `iss` must equal it exactly. */
  readonly issuer: string | undefined
  /** When set, `aud` must contain one of these. */
  readonly audience: readonly string[] | undefined
  /** When set, the client identifier must equal it. */
  readonly clientId: string | undefined
  /** Leeway for time claims, in seconds. */
  readonly clockToleranceSeconds: number
}

/** Names of the claims a client identifier may arrive in, in the order they are consulted. */
export const clientIdClaims = ['client_id', 'cid', 'appid', 'azp'] as const

/** Which claim carried the client identifier. */
export type ClientIdClaim = (typeof clientIdClaims)[number]

/** The standard claims of an accepted token, typed. */
export interface ValidatedClaims {
  readonly clientId: string
  /** The claim `clientId` was read from (`client_id` for RFC 9068 servers, `cid` for Okta, …). */
  readonly clientIdClaim: ClientIdClaim
  readonly subject: string | undefined
  readonly issuer: string | undefined
  readonly audience: readonly string[]
  /** Seconds since the epoch. */
  readonly expiresAt: number
  readonly issuedAt: number | undefined
  readonly notBefore: number | undefined
  readonly jwtId: string | undefined
}

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)
const short = (v: unknown): unknown => (typeof v === 'string' && v.length > 256 ? `${v.slice(0, 256)}…` : v)

/**
 * Validates the claims of a token whose signature has been verified. `nowSeconds` is the current
 * time in seconds since the epoch; nothing here reads a clock.
 *
 * @example
 * ```ts
 * const r = validateAccessTokenClaims(payload, { issuer: 'https://idp', audience: ['api'], clientId: undefined, clockToleranceSeconds: 30 }, Date.now() / 1000)
 * if (!r.ok) console.log(r.error.code) // e.g. 'token_expired'
 * ```
 */
export function validateAccessTokenClaims(
  payload: Readonly<Record<string, unknown>>,
  expected: ClaimExpectations,
  nowSeconds: number,
): Result<ValidatedClaims, ClaimValidationError> {
  const tolerance = expected.clockToleranceSeconds

  // Time claims: exp is required; all present time claims must be finite numbers.
  const exp = payload.exp
  if (exp === undefined) return err(new ClaimValidationError('missing_claim', 'The token has no exp claim', { claim: 'exp' }))
  if (!isFiniteNumber(exp)) return err(invalidType('exp', 'a number of seconds', exp))
  const nbf = payload.nbf
  if (nbf !== undefined && !isFiniteNumber(nbf)) return err(invalidType('nbf', 'a number of seconds', nbf))
  const iat = payload.iat
  if (iat !== undefined && !isFiniteNumber(iat)) return err(invalidType('iat', 'a number of seconds', iat))
  if (nowSeconds - tolerance >= exp) {
    return err(new ClaimValidationError('token_expired', 'The token has expired', { claim: 'exp', expected: `> ${Math.floor(nowSeconds - tolerance)}`, actual: exp }))
  }
  if (nbf !== undefined && nowSeconds + tolerance < nbf) {
    return err(new ClaimValidationError('token_not_yet_valid', 'The token is not valid yet', { claim: 'nbf', expected: `<= ${Math.floor(nowSeconds + tolerance)}`, actual: nbf }))
  }
  if (iat !== undefined && iat > nowSeconds + tolerance) {
    return err(new ClaimValidationError('invalid_iat', 'The token was issued in the future', { claim: 'iat', expected: `<= ${Math.floor(nowSeconds + tolerance)}`, actual: iat }))
  }

  // Issuer.
  const iss = payload.iss
  if (iss !== undefined && typeof iss !== 'string') return err(invalidType('iss', 'a string', iss))
  if (expected.issuer !== undefined) {
    if (iss === undefined) return err(new ClaimValidationError('missing_claim', 'The token has no iss claim', { claim: 'iss', expected: expected.issuer }))
    if (iss !== expected.issuer) {
      return err(new ClaimValidationError('invalid_issuer', 'The token was issued by another issuer', { claim: 'iss', expected: expected.issuer, actual: short(iss) }))
    }
  }

  // Audience.
  const audResult = readAudience(payload.aud)
  if (!audResult.ok) return audResult
  const audience = audResult.value
  if (expected.audience !== undefined) {
    if (payload.aud === undefined) {
      return err(new ClaimValidationError('missing_claim', 'The token has no aud claim', { claim: 'aud', expected: expected.audience }))
    }
    if (!audience.some((a) => expected.audience!.includes(a))) {
      return err(new ClaimValidationError('invalid_audience', 'The token is meant for another audience', { claim: 'aud', expected: expected.audience, actual: audience.slice(0, 8).map(short) }))
    }
  }

  // Client identifier, from whichever claim this IdP uses; aliases present together must agree.
  let clientId: string | undefined
  let clientIdClaim: ClientIdClaim | undefined
  for (const claim of clientIdClaims) {
    const v = payload[claim]
    if (v === undefined) continue
    if (typeof v !== 'string' || v.length === 0) return err(invalidType(claim, 'a non-empty string', v))
    if (clientId === undefined) {
      clientId = v
      clientIdClaim = claim
    } else if (v !== clientId) {
      return err(new ClaimValidationError('invalid_client', `The client identifier claims disagree (${clientIdClaim} and ${claim})`, { claim, expected: short(clientId), actual: short(v) }))
    }
  }
  if (clientId === undefined || clientIdClaim === undefined) {
    return err(new ClaimValidationError('missing_claim', 'The token names no client (client_id, cid, appid or azp)', { claim: 'client_id' }))
  }
  if (expected.clientId !== undefined && clientId !== expected.clientId) {
    return err(new ClaimValidationError('invalid_client', 'The token was issued to another client', { claim: clientIdClaim, expected: expected.clientId, actual: short(clientId) }))
  }

  // Other registered claims: typed when present.
  const sub = payload.sub
  if (sub !== undefined && typeof sub !== 'string') return err(invalidType('sub', 'a string', sub))
  const jti = payload.jti
  if (jti !== undefined && typeof jti !== 'string') return err(invalidType('jti', 'a string', jti))
  const scope = payload.scope
  // RFC 9068 says a space-delimited string; PingFederate sends an array unless told otherwise.
  if (scope !== undefined && typeof scope !== 'string' && !isStringArray(scope)) return err(invalidType('scope', 'a space-delimited string or an array of strings', scope))
  const scp = payload.scp
  if (scp !== undefined && typeof scp !== 'string' && !isStringArray(scp)) return err(invalidType('scp', 'a string or an array of strings', scp))
  const roles = payload.roles
  if (roles !== undefined && !isStringArray(roles)) return err(invalidType('roles', 'an array of strings', roles))

  return ok({
    clientId,
    clientIdClaim,
    subject: sub,
    issuer: iss,
    audience,
    expiresAt: exp,
    issuedAt: iat,
    notBefore: nbf,
    jwtId: jti,
  })
}

function readAudience(aud: unknown): Result<readonly string[], ClaimValidationError> {
  if (aud === undefined) return ok([])
  if (typeof aud === 'string') return ok([aud])
  if (isStringArray(aud)) return ok(aud)
  return err(invalidType('aud', 'a string or an array of strings', aud))
}

function isStringArray(v: unknown): v is readonly string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string')
}

function invalidType(claim: string, expected: string, actual: unknown): ClaimValidationError {
  const kind = Array.isArray(actual) ? 'array' : actual === null ? 'null' : typeof actual
  return new ClaimValidationError('invalid_claim', `The ${claim} claim must be ${expected}`, { claim, expected, actual: kind })
}
