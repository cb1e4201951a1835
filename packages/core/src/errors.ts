/**
 * Every way tokenward can refuse a request, as named error classes with stable codes.
 *
 * Each error carries a literal `_tag` (its class name), a stable `code`, the RFC 6750
 * `oauthError` it maps to, the HTTP `status` to answer with, structured fields
 * (`claim`, `expected`, `actual`, `kid`) and an optional `cause`. Messages never contain
 * the raw token or the full claim set.
 *
 * @module
 */

/** Stable machine-readable reason codes. New codes may be added; existing ones are never renamed. */
export type ErrorCode =
  | 'missing_token'
  | 'invalid_request'
  | 'malformed_token'
  | 'token_too_large'
  | 'invalid_header'
  | 'alg_not_allowed'
  | 'key_not_found'
  | 'invalid_key'
  | 'invalid_signature'
  | 'invalid_typ'
  | 'token_expired'
  | 'token_not_yet_valid'
  | 'invalid_iat'
  | 'invalid_issuer'
  | 'invalid_audience'
  | 'invalid_client'
  | 'missing_claim'
  | 'invalid_claim'
  | 'token_bound'
  | 'invalid_token_use'
  | 'insufficient_scope'
  | 'server_disabled'
  | 'jwks_unavailable'
  | 'store_unavailable'
  | 'audit_unavailable'
  | 'introspection_unavailable'
  | 'replay_unavailable'
  | 'discovery_unavailable'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'invalid_binding'
  | 'token_inactive'

/** The RFC 6750 error an HTTP answer carries; `undefined` when the spec says to send none (missing token, outage). */
export type OAuthErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'invalid_dpop_proof' | 'use_dpop_nonce'

/** Every error code, in a stable order (useful for docs, tests and exhaustive switches). */
export const errorCodes: readonly ErrorCode[] = [
  'missing_token',
  'invalid_request',
  'malformed_token',
  'token_too_large',
  'invalid_header',
  'alg_not_allowed',
  'key_not_found',
  'invalid_key',
  'invalid_signature',
  'invalid_typ',
  'token_expired',
  'token_not_yet_valid',
  'invalid_iat',
  'invalid_issuer',
  'invalid_audience',
  'invalid_client',
  'missing_claim',
  'invalid_claim',
  'token_bound',
  'invalid_token_use',
  'insufficient_scope',
  'server_disabled',
  'jwks_unavailable',
  'store_unavailable',
  'audit_unavailable',
  'introspection_unavailable',
  'replay_unavailable',
  'discovery_unavailable',
  'invalid_dpop_proof',
  'use_dpop_nonce',
  'invalid_binding',
  'token_inactive',
]

/**
 * The named stages of the verification pipeline, in order: read the credentials, validate a JWT
 * or introspect an opaque token, check a sender constraint, authorize the API role. Every error
 * says which one refused it in `stage`.
 *
 * @example
 * ```ts
 * const stage: VerificationStage = 'introspect'
 * ```
 */
export type VerificationStage = 'server' | 'credential' | 'jwt' | 'introspect' | 'binding' | 'authorize'

const stageByCode: Readonly<Record<ErrorCode, VerificationStage>> = {
  missing_token: 'credential',
  invalid_request: 'credential',
  malformed_token: 'jwt',
  token_too_large: 'jwt',
  invalid_header: 'jwt',
  alg_not_allowed: 'jwt',
  key_not_found: 'jwt',
  invalid_key: 'jwt',
  invalid_signature: 'jwt',
  invalid_typ: 'jwt',
  token_expired: 'jwt',
  token_not_yet_valid: 'jwt',
  invalid_iat: 'jwt',
  invalid_issuer: 'jwt',
  invalid_audience: 'jwt',
  invalid_client: 'jwt',
  missing_claim: 'jwt',
  invalid_claim: 'jwt',
  token_bound: 'binding',
  invalid_token_use: 'jwt',
  insufficient_scope: 'authorize',
  server_disabled: 'server',
  jwks_unavailable: 'jwt',
  store_unavailable: 'server',
  audit_unavailable: 'server',
  introspection_unavailable: 'introspect',
  replay_unavailable: 'binding',
  discovery_unavailable: 'server',
  token_inactive: 'introspect',
  invalid_dpop_proof: 'binding',
  use_dpop_nonce: 'binding',
  invalid_binding: 'binding',
}

/** Structured details an error may carry. Values are short and never the whole token. */
export interface ErrorDetails {
  /** The claim or header member concerned, e.g. `exp`, `aud`, `header.alg`. */
  readonly claim?: string | undefined
  /** What was required. */
  readonly expected?: unknown | undefined
  /** What was found (a claim value, never the token). */
  readonly actual?: unknown | undefined
  /** The key ID concerned. */
  readonly kid?: string | undefined
  /** The underlying failure, when there is one. */
  readonly cause?: unknown | undefined
  /** Seconds after which a retry may succeed (outages only). */
  readonly retryAfterSeconds?: number | undefined
}

const statusByOAuthError = { invalid_request: 400, invalid_token: 401, insufficient_scope: 403 } as const

/**
 * Base class of every verification error. Narrow on `code` or `_tag`; use
 * {@link isTokenwardError} rather than `instanceof` when two copies of the package may be loaded.
 *
 * @example
 * ```ts
 * import { isTokenwardError } from '@tokenward/core'
 * try { await verifier.verify(token) } catch (e) {
 *   if (isTokenwardError(e) && e.code === 'token_expired') console.log('ask for a new token')
 * }
 * ```
 */
export abstract class TokenwardError extends Error {
  abstract readonly _tag: string
  abstract readonly code: ErrorCode
  /** RFC 6750 error code for the `WWW-Authenticate` challenge, if any. */
  abstract readonly oauthError: OAuthErrorCode | undefined
  /** HTTP status to answer with. */
  abstract readonly status: 400 | 401 | 403 | 503
  readonly claim: string | undefined
  readonly expected: unknown
  readonly actual: unknown
  readonly kid: string | undefined
  readonly retryAfterSeconds: number | undefined

  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause })
    this.claim = details.claim
    this.expected = details.expected
    this.actual = details.actual
    this.kid = details.kid
    this.retryAfterSeconds = details.retryAfterSeconds
  }

  override get name(): string {
    return this._tag
  }

  /**
   * The pipeline stage that refused (see {@link VerificationStage}): by default the stage that
   * owns the error's `code`; claim errors found while checking an introspection answer say
   * `introspect`.
   */
  get stage(): VerificationStage {
    return stageByCode[this.code]
  }

  /** A JSON-safe view for logs: code, status, stage, message and structured fields (no token). */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { _tag: this._tag, code: this.code, status: this.status, stage: this.stage, message: this.message }
    if (this.claim !== undefined) out.claim = this.claim
    if (this.expected !== undefined) out.expected = this.expected
    if (this.actual !== undefined) out.actual = this.actual
    if (this.kid !== undefined) out.kid = this.kid
    return out
  }
}

abstract class InvalidTokenBase extends TokenwardError {
  readonly oauthError = 'invalid_token' as const
  readonly status = statusByOAuthError.invalid_token
}

/**
 * No access token was presented. Answered with 401 and a bare `Bearer` challenge (RFC 6750 §3.1:
 * no error code when the request carried no authentication).
 *
 * @example
 * ```ts
 * new MissingTokenError('No bearer token in the Authorization header')
 * ```
 */
export class MissingTokenError extends TokenwardError {
  readonly _tag = 'MissingTokenError' as const
  readonly code = 'missing_token' as const
  readonly oauthError = undefined
  readonly status = 401 as const
}

/**
 * The request itself is malformed (two Authorization headers, a token in several places, a bad
 * scheme parameter). 400 `invalid_request`.
 *
 * @example
 * ```ts
 * new InvalidRequestError('The token was sent in more than one place')
 * ```
 */
export class InvalidRequestError extends TokenwardError {
  readonly _tag = 'InvalidRequestError' as const
  readonly code = 'invalid_request' as const
  readonly oauthError = 'invalid_request' as const
  readonly status = statusByOAuthError.invalid_request
}

/**
 * The token is not a well-formed compact JWS: wrong segment count, non-canonical base64url,
 * invalid UTF-8 or JSON, duplicate members, JWE or JSON serialization; or it is too long.
 *
 * @example
 * ```ts
 * new MalformedTokenError('malformed_token', 'Expected three dot-separated segments')
 * ```
 */
export class MalformedTokenError extends InvalidTokenBase {
  readonly _tag = 'MalformedTokenError' as const
  constructor(
    readonly code: 'malformed_token' | 'token_too_large',
    message: string,
    details?: ErrorDetails,
  ) {
    super(message, details)
  }
}

/**
 * The JOSE header is unacceptable: missing or disallowed `alg`, unknown `crit`, `b64: false`,
 * or a `typ` other than `at+jwt` when one is required.
 *
 * @example
 * ```ts
 * new InvalidHeaderError('alg_not_allowed', 'alg "HS256" is not allowed', { claim: 'header.alg', actual: 'HS256' })
 * ```
 */
export class InvalidHeaderError extends InvalidTokenBase {
  readonly _tag = 'InvalidHeaderError' as const
  constructor(
    readonly code: 'invalid_header' | 'alg_not_allowed' | 'invalid_typ',
    message: string,
    details?: ErrorDetails,
  ) {
    super(message, details)
  }
}

/**
 * No key of the authorization server can verify this token: the `kid` is unknown (after one
 * refresh), or the selected key is unusable for the token's `alg` (wrong type, curve, `alg`, `use`,
 * or an RSA key under 2048 bits).
 *
 * @example
 * ```ts
 * new KeyError('key_not_found', 'No key with this kid', { kid: 'abc' })
 * ```
 */
export class KeyError extends InvalidTokenBase {
  readonly _tag = 'KeyError' as const
  constructor(
    readonly code: 'key_not_found' | 'invalid_key',
    message: string,
    details?: ErrorDetails,
  ) {
    super(message, details)
  }
}

/**
 * The signature does not verify with the selected key.
 *
 * @example
 * ```ts
 * new InvalidSignatureError('Signature verification failed', { kid: 'abc' })
 * ```
 */
export class InvalidSignatureError extends InvalidTokenBase {
  readonly _tag = 'InvalidSignatureError' as const
  readonly code = 'invalid_signature' as const
}

/** Codes of {@link ClaimValidationError}. */
export type ClaimErrorCode =
  | 'token_expired'
  | 'token_not_yet_valid'
  | 'invalid_iat'
  | 'invalid_issuer'
  | 'invalid_audience'
  | 'invalid_client'
  | 'missing_claim'
  | 'invalid_claim'
  | 'token_bound'
  | 'invalid_token_use'

/**
 * A claim is missing, mistyped, or does not match what the authorization server config requires;
 * or the token is not a plain bearer access token: it is sender-constrained (`token_bound`, a
 * `cnf` claim, RFC 7800 / RFC 8705 / RFC 9449), or its issuer marks it as another kind of token
 * (`invalid_token_use`: Cognito `token_use`, Keycloak `typ`).
 *
 * @example
 * ```ts
 * new ClaimValidationError('invalid_audience', 'aud does not contain the API', { claim: 'aud', expected: 'api://x', actual: ['other'] })
 * ```
 */
export class ClaimValidationError extends InvalidTokenBase {
  readonly _tag = 'ClaimValidationError' as const
  constructor(
    readonly code: ClaimErrorCode,
    message: string,
    details?: ErrorDetails,
  ) {
    super(message, details)
  }
}

/**
 * The token is valid but carries no API role this organization grants for the request. 403.
 *
 * @example
 * ```ts
 * new InsufficientScopeError('No role for zscloud::12345', { expected: ['ReadOnly'] })
 * ```
 */
export class InsufficientScopeError extends TokenwardError {
  readonly _tag = 'InsufficientScopeError' as const
  readonly code = 'insufficient_scope' as const
  readonly oauthError = 'insufficient_scope' as const
  readonly status = statusByOAuthError.insufficient_scope
  /** The scope values that would have been accepted, for the challenge's `scope` parameter. */
  readonly requiredScope: readonly string[]
  constructor(message: string, details: ErrorDetails & { readonly requiredScope?: readonly string[] } = {}) {
    super(message, details)
    this.requiredScope = details.requiredScope ?? []
  }
}

/**
 * The authorization server that issued the token is disabled (by the organization, an expired
 * subscription or a provider suspension). 401 `invalid_token`: its tokens are not accepted.
 *
 * @example
 * ```ts
 * new ServerDisabledError('The authorization server "Okta1" is disabled')
 * ```
 */
export class ServerDisabledError extends InvalidTokenBase {
  readonly _tag = 'ServerDisabledError' as const
  readonly code = 'server_disabled' as const
}

/**
 * What tokenward could not reach when it could not decide: the identity provider's keys, the
 * organization store, the audit sink, an introspection endpoint, a replay store.
 *
 * @example
 * ```ts
 * const reason: UnavailableReason = 'store'
 * ```
 */
export type UnavailableReason = 'keys' | 'store' | 'audit' | 'introspection' | 'replay' | 'discovery'

/**
 * The outage family: tokenward could not decide, so the answer is 503 with `Retry-After` —
 * never a 401 (the token may be fine) and never an accidental 500. Narrow on `reason` or `code`;
 * {@link isUnavailableError} recognises every member, also from another installed copy.
 *
 * @example
 * ```ts
 * if (isUnavailableError(e)) console.warn(`cannot decide: ${e.reason} (retry in ${e.retryAfterSeconds ?? 30} s)`)
 * ```
 */
export abstract class UnavailableError extends TokenwardError {
  abstract override readonly code:
    | 'jwks_unavailable'
    | 'store_unavailable'
    | 'audit_unavailable'
    | 'introspection_unavailable'
    | 'replay_unavailable'
    | 'discovery_unavailable'
  /** Which dependency could not answer. */
  abstract readonly reason: UnavailableReason
  readonly oauthError = undefined
  readonly status = 503 as const

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), reason: this.reason }
  }
}

/**
 * The authorization server's keys could not be obtained (unreachable, TLS failure, bad
 * response) and no cached keys are fresh enough to use. 503: this is an outage, not a bad token.
 *
 * @example
 * ```ts
 * new JwksUnavailableError('JWKS fetch failed: HTTP 500', { retryAfterSeconds: 30 })
 * ```
 */
export class JwksUnavailableError extends UnavailableError {
  readonly _tag = 'JwksUnavailableError' as const
  readonly code = 'jwks_unavailable' as const
  readonly reason = 'keys' as const
}

/**
 * The organization store could not answer (unreachable, lock timeout, closed) and no copy of the
 * organization recent enough to trust is held. 503.
 *
 * @example
 * ```ts
 * new StoreUnavailableError('The organization store did not answer in time', { retryAfterSeconds: 5 })
 * ```
 */
export class StoreUnavailableError extends UnavailableError {
  readonly _tag = 'StoreUnavailableError' as const
  readonly code = 'store_unavailable' as const
  readonly reason = 'store' as const
}

/**
 * The audit sink could not record a call whose record is required (the fail-closed audit
 * policy). 503: the call is not let through unaudited.
 *
 * @example
 * ```ts
 * new AuditUnavailableError('The audit log could not be written')
 * ```
 */
export class AuditUnavailableError extends UnavailableError {
  readonly _tag = 'AuditUnavailableError' as const
  readonly code = 'audit_unavailable' as const
  readonly reason = 'audit' as const
}

/**
 * The authorization server's introspection endpoint could not give a usable answer (unreachable,
 * timeout, 5xx, 429, malformed body, TLS failure, or it refused tokenward's own credentials). 503.
 *
 * @example
 * ```ts
 * new IntrospectionUnavailableError('Introspection endpoint answered HTTP 502')
 * ```
 */
export class IntrospectionUnavailableError extends UnavailableError {
  readonly _tag = 'IntrospectionUnavailableError' as const
  readonly code = 'introspection_unavailable' as const
  readonly reason = 'introspection' as const
}

/**
 * The replay store (DPoP proofs, client assertions) could not say whether a value was seen
 * before. 503: a replay check fails closed, never silently accepts.
 *
 * @example
 * ```ts
 * new ReplayUnavailableError('The replay store did not answer')
 * ```
 */
export class ReplayUnavailableError extends UnavailableError {
  readonly _tag = 'ReplayUnavailableError' as const
  readonly code = 'replay_unavailable' as const
  readonly reason = 'replay' as const
}

/**
 * The authorization server's metadata (`discovery`) could not be read or used — unreachable,
 * TLS failure, 5xx, a document naming another issuer, or one lacking an endpoint the config
 * needs — and no earlier document is recent enough to use. 503: tokenward cannot decide, the
 * token may be fine.
 *
 * @example
 * ```ts
 * new DiscoveryUnavailableError('discovery for https://as.example failed: HTTP 502', { retryAfterSeconds: 5 })
 * ```
 */
export class DiscoveryUnavailableError extends UnavailableError {
  readonly _tag = 'DiscoveryUnavailableError' as const
  readonly code = 'discovery_unavailable' as const
  readonly reason = 'discovery' as const
}

/**
 * The DPoP proof (RFC 9449 §4.3) is missing, malformed or does not match the request: not exactly
 * one `DPoP` header, a wrong `typ`, a disallowed `alg`, a private or weak `jwk`, a bad signature,
 * another method or URL, a stale or future `iat`, a wrong `ath`, a replayed `jti`, or a nonce that
 * is not current. 401 with the `invalid_dpop_proof` error in a `DPoP` challenge.
 *
 * @example
 * ```ts
 * new InvalidDpopProofError('The proof was made for another method', { claim: 'htm', expected: 'GET', actual: 'POST' })
 * ```
 */
export class InvalidDpopProofError extends TokenwardError {
  readonly _tag = 'InvalidDpopProofError' as const
  readonly code = 'invalid_dpop_proof' as const
  readonly oauthError = 'invalid_dpop_proof' as const
  readonly status = 401 as const
}

/**
 * The resource server requires a DPoP nonce and the proof carried none, or one that is no longer
 * current (RFC 9449 §9). 401 with `error="use_dpop_nonce"` and a fresh nonce in `DPoP-Nonce`.
 *
 * @example
 * ```ts
 * const e = new UseDpopNonceError('A current DPoP nonce is required', { nonce: 'abc.def' })
 * e.nonce // 'abc.def', sent as the DPoP-Nonce header
 * ```
 */
export class UseDpopNonceError extends TokenwardError {
  readonly _tag = 'UseDpopNonceError' as const
  readonly code = 'use_dpop_nonce' as const
  readonly oauthError = 'use_dpop_nonce' as const
  readonly status = 401 as const
  /** The fresh nonce the client must put in its next proof (the `DPoP-Nonce` header). */
  readonly nonce: string | undefined
  constructor(message: string, details: ErrorDetails & { readonly nonce?: string | undefined } = {}) {
    super(message, details)
    this.nonce = details.nonce
  }
}

/**
 * The token is sender-constrained and the request does not prove it holds the binding — or the
 * scheme does not fit the token (RFC 9449 §7.1–7.2, RFC 8705 §3): a DPoP-bound token sent as
 * `Bearer`, an unbound token sent as `DPoP`, a proof made with another key than `cnf.jkt`, no
 * or another client certificate than `cnf["x5t#S256"]`, a `cnf` tokenward does not understand,
 * or a binding the configuration does not accept. 401 `invalid_token`.
 *
 * @example
 * ```ts
 * new BindingError('The token is bound to another certificate', { claim: 'cnf.x5t#S256' })
 * ```
 */
export class BindingError extends InvalidTokenBase {
  readonly _tag = 'BindingError' as const
  readonly code = 'invalid_binding' as const
}

/**
 * The authorization server says the token is not active (RFC 7662 `active` is not `true`):
 * revoked, expired, unknown, or never issued. 401 `invalid_token`.
 *
 * @example
 * ```ts
 * new InactiveTokenError('The authorization server says the token is not active')
 * ```
 */
export class InactiveTokenError extends InvalidTokenBase {
  readonly _tag = 'InactiveTokenError' as const
  readonly code = 'token_inactive' as const
}

/**
 * Marks an error as refused by `stage` (when the stage is not the one its code implies, e.g. an
 * introspection answer's expired `exp`). Returns the same error.
 *
 * @example
 * ```ts
 * const e = atStage(new ClaimValidationError('token_expired', 'The token has expired'), 'introspect')
 * e.stage // 'introspect'
 * ```
 */
export function atStage<E extends TokenwardError>(error: E, stage: VerificationStage): E {
  Object.defineProperty(error, 'stage', { value: stage, enumerable: false, configurable: true })
  return error
}

/** The union of every verification error; narrow on `code` or `_tag`. */
export type VerificationError =
  | InactiveTokenError
  | MissingTokenError
  | InvalidRequestError
  | MalformedTokenError
  | InvalidHeaderError
  | KeyError
  | InvalidSignatureError
  | ClaimValidationError
  | InsufficientScopeError
  | ServerDisabledError
  | JwksUnavailableError
  | StoreUnavailableError
  | AuditUnavailableError
  | IntrospectionUnavailableError
  | ReplayUnavailableError
  | DiscoveryUnavailableError
  | InvalidDpopProofError
  | UseDpopNonceError
  | BindingError

const verificationTags = new Set<string>([
  'InactiveTokenError',
  'MissingTokenError',
  'InvalidRequestError',
  'MalformedTokenError',
  'InvalidHeaderError',
  'KeyError',
  'InvalidSignatureError',
  'ClaimValidationError',
  'InsufficientScopeError',
  'ServerDisabledError',
  'JwksUnavailableError',
  'StoreUnavailableError',
  'AuditUnavailableError',
  'IntrospectionUnavailableError',
  'ReplayUnavailableError',
  'DiscoveryUnavailableError',
  'InvalidDpopProofError',
  'UseDpopNonceError',
  'BindingError',
])
const unavailableReasons = new Set<string>(['keys', 'store', 'audit', 'introspection', 'replay', 'discovery'])
const codeSet = new Set<string>(errorCodes)

/**
 * True for any tokenward verification error (a refusal or an outage), including one thrown by
 * another installed copy of this package (it checks `_tag`, `code` and `status`, not only
 * `instanceof`). Use it before {@link renderChallenge}-style handling; {@link isTokenwardError}
 * also recognises configuration errors.
 *
 * @example
 * ```ts
 * if (isVerificationError(err)) return renderChallenge(err)
 * ```
 */
export function isVerificationError(value: unknown): value is VerificationError {
  if (value instanceof TokenwardError) return true
  if (typeof value !== 'object' || value === null || !(value instanceof Error)) return false
  const v = value as { _tag?: unknown; code?: unknown; status?: unknown }
  return (
    typeof v._tag === 'string' &&
    verificationTags.has(v._tag) &&
    typeof v.code === 'string' &&
    codeSet.has(v.code) &&
    typeof v.status === 'number'
  )
}

/** Every error tokenward throws or returns: verification refusals, outages and configuration errors. */
export type TokenwardFailure = VerificationError | ConfigError

/**
 * The one guard for every tokenward error — verification refusals, outages (503) and
 * configuration errors (`invalid_config`) — including ones from another installed copy of this
 * package. Each carries `_tag`, `code` and an HTTP `status` (500 for a configuration error:
 * a server fault if it ever reaches a client).
 *
 * @example
 * ```ts
 * if (isTokenwardError(err)) res.status(err.status).json({ code: err.code })
 * ```
 */
export function isTokenwardError(value: unknown): value is TokenwardFailure {
  if (isVerificationError(value) || value instanceof ConfigError) return true
  if (typeof value !== 'object' || value === null || !(value instanceof Error)) return false
  const v = value as { _tag?: unknown; code?: unknown; issues?: unknown }
  return v._tag === 'ConfigError' && v.code === 'invalid_config' && Array.isArray(v.issues)
}

/**
 * True for every member of the outage family ({@link UnavailableError}): tokenward could not
 * decide and the answer is 503. Works across installed copies.
 *
 * @example
 * ```ts
 * if (isUnavailableError(err)) metrics.increment(`outage.${err.reason}`)
 * ```
 */
export function isUnavailableError(value: unknown): value is UnavailableError {
  if (value instanceof UnavailableError) return true
  if (!isVerificationError(value)) return false
  const v = value as { status?: unknown; reason?: unknown }
  return v.status === 503 && typeof v.reason === 'string' && unavailableReasons.has(v.reason)
}

/** One problem found in a configuration, named by its path (e.g. `algorithms[2]`). */
export interface ConfigIssue {
  readonly path: string
  readonly message: string
}

/**
 * A configuration object was rejected when it was built. `issues` names every bad field by path.
 *
 * @example
 * ```ts
 * try { defineAuthorizationServer({ name: 'bad name' }) } catch (e) {
 *   if (e instanceof ConfigError) for (const i of e.issues) console.log(i.path, i.message)
 * }
 * ```
 */
export class ConfigError extends Error {
  readonly _tag = 'ConfigError' as const
  readonly code = 'invalid_config' as const
  /** A misconfiguration is the server's fault: 500 if it ever reaches an HTTP answer. */
  readonly status = 500 as const
  readonly oauthError = undefined
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(`Invalid configuration: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`)
  }
  override get name(): string {
    return 'ConfigError'
  }
}
