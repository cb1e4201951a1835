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
  /**
   * Which kind of token is checked. `access_token` (default): a bearer access token naming its
   * client in `client_id`, `cid`, `appid` or `azp`. `client_assertion`: an RFC 7523 client
   * assertion, whose client is its `sub`, which must equal its `iss`; no access-token-kind checks.
   */
  readonly profile?: 'access_token' | 'client_assertion' | undefined
  /**
   * The verifier checks sender constraints (its server has a `dpop` mode other than `off`, or an
   * `mtls` section): a `cnf` claim is then the binding stage's to check, not refused here.
   * Default `false`: a `cnf` token is refused as `token_bound`.
   */
  readonly senderConstrained?: boolean | undefined
}

/** Names of the claims a client identifier may arrive in, in the order they are consulted. */
export const clientIdClaims = ['client_id', 'cid', 'appid', 'azp'] as const

/** Which claim carried the client identifier (`sub` only for the `client_assertion` profile). */
export type ClientIdClaim = (typeof clientIdClaims)[number] | 'sub'

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

/** The placeholder of a multi-tenant issuer template (Microsoft Entra ID): `https://login.microsoftonline.com/{tenantid}/v2.0`. */
export const tenantPlaceholder = '{tenantid}'
const tenantIdPattern = /^[A-Za-z0-9-]{1,64}$/

/**
 * Checks `iss` against an issuer template containing `{tenantid}`: the token's `tid` claim must be
 * a tenant ID (letters, digits, `-`) and `iss` must equal the template with `tid` filled in,
 * exactly. Never a looser comparison: an `iss` that matches the template under another tenant, or
 * the template itself, is refused.
 *
 * @example
 * ```ts
 * checkTenantIssuer('https://login.microsoftonline.com/{tenantid}/v2.0', 'https://login.microsoftonline.com/72f9…/v2.0', '72f9…') // undefined
 * ```
 */
export function checkTenantIssuer(template: string, iss: string, tid: unknown): ClaimValidationError | undefined {
  if (tid === undefined) return new ClaimValidationError('missing_claim', 'The token has no tid claim, which the multi-tenant issuer needs', { claim: 'tid' })
  if (typeof tid !== 'string' || !tenantIdPattern.test(tid)) return invalidType('tid', 'a tenant ID (letters, digits and -)', tid)
  const filled = template.split(tenantPlaceholder).join(tid)
  if (iss !== filled) return new ClaimValidationError('invalid_issuer', "The token's issuer does not match its tenant (tid)", { claim: 'iss', expected: filled, actual: short(iss) })
  return undefined
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
    if (expected.issuer.includes(tenantPlaceholder)) {
      const problem = checkTenantIssuer(expected.issuer, iss, payload.tid)
      if (problem !== undefined) return err(problem)
    } else if (iss !== expected.issuer) {
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

  let clientId: string | undefined
  let clientIdClaim: ClientIdClaim | undefined
  if (expected.profile === 'client_assertion') {
    // RFC 7523 §3: the client is the subject, and a client authenticating itself is also the issuer.
    const sub = payload.sub
    if (typeof sub !== 'string' || sub.length === 0) return err(new ClaimValidationError('missing_claim', 'The client assertion has no sub', { claim: 'sub' }))
    if (sub !== iss) return err(new ClaimValidationError('invalid_client', 'The client assertion sub must equal its iss', { claim: 'sub', expected: short(iss), actual: short(sub) }))
    clientId = sub
    clientIdClaim = 'sub'
  } else {
    // Only plain bearer access tokens: not sender-constrained, not marked as another kind of token.
    const kind = checkBearerAccessToken(payload, expected.senderConstrained === true)
    if (kind !== undefined) return err(kind)
  }

  // Client identifier, from whichever claim this IdP uses; aliases present together must agree.
  for (const claim of expected.profile === 'client_assertion' ? [] : clientIdClaims) {
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

/**
 * Why a verified payload is not a plain bearer access token, or `undefined` when it is one:
 *
 * - a `cnf` claim (RFC 7800) in any form binds the token to a key or certificate its presenter
 *   must prove (DPoP `jkt`, mutual-TLS `x5t#S256`, `jwk`, or members not yet defined). Unless
 *   `bindingChecked` (the verifier's binding stage checks the proof), a bound token is refused
 *   (`token_bound`) rather than accepted from whoever holds it;
 * - Amazon Cognito's `token_use` must be `access` when present (`id` marks an ID token);
 * - Keycloak's `typ` claim (not the header) must be `Bearer` when present (`ID`, `Refresh`,
 *   `Logout`, `DPoP` … are refused; `DPoP` is accepted when `bindingChecked`).
 *
 * @example
 * ```ts
 * checkBearerAccessToken({ cnf: { jkt: '0ZcOCORZNYy…' } })?.code // 'token_bound'
 * checkBearerAccessToken({ token_use: 'id' })?.code // 'invalid_token_use'
 * checkBearerAccessToken({ token_use: 'access', typ: 'Bearer' }) // undefined
 * ```
 */
export function checkBearerAccessToken(payload: Readonly<Record<string, unknown>>, bindingChecked = false): ClaimValidationError | undefined {
  const cnf = payload.cnf
  if (cnf !== undefined && !bindingChecked) {
    const members = typeof cnf === 'object' && cnf !== null && !Array.isArray(cnf) ? Object.keys(cnf).slice(0, 8).map(short) : undefined
    return new ClaimValidationError('token_bound', 'The token is bound to a key or certificate (cnf); sender-constrained tokens are not accepted as bearer tokens', {
      claim: 'cnf',
      expected: 'no cnf claim',
      actual: members ?? kindOf(cnf),
    })
  }
  const tokenUse = payload.token_use
  if (tokenUse !== undefined && tokenUse !== 'access') {
    return new ClaimValidationError('invalid_token_use', 'The token is not an access token (token_use)', { claim: 'token_use', expected: 'access', actual: typeof tokenUse === 'string' ? short(tokenUse) : kindOf(tokenUse) })
  }
  const typ = payload.typ
  if (typ !== undefined && (typeof typ !== 'string' || (typ.toLowerCase() !== 'bearer' && !(bindingChecked && typ.toLowerCase() === 'dpop')))) {
    return new ClaimValidationError('invalid_token_use', 'The token is not an access token (typ claim)', { claim: 'typ', expected: 'Bearer', actual: typeof typ === 'string' ? short(typ) : kindOf(typ) })
  }
  return undefined
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

function kindOf(value: unknown): string {
  return Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value
}

function invalidType(claim: string, expected: string, actual: unknown): ClaimValidationError {
  return new ClaimValidationError('invalid_claim', `The ${claim} claim must be ${expected}`, { claim, expected, actual: kindOf(actual) })
}
