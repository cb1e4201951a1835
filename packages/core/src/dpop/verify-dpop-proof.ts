/**
 * Checks a DPoP proof against the request it came with (RFC 9449 §4.3): exactly one `DPoP`
 * header; a compact JWS with `typ: dpop+jwt`, an allowed asymmetric `alg` and a public `jwk`
 * (no private members, RSA ≥ 2048) that verifies its signature; `htm` and `htu` naming this
 * request; a recent `iat`; `ath` = the access token's hash; a bounded `jti`; a current nonce when
 * one is required. Pure apart from the signature (the platform's `SignatureProvider`) and
 * WebCrypto digests. The replay check is the caller's: it needs the binding checked first (see
 * `checkSenderConstraint`).
 *
 * @module
 */
import { InvalidDpopProofError, UseDpopNonceError, type ErrorDetails } from '../errors.ts'
import type { DpopConfig } from '../config/dpop.ts'
import { headerValues, type HeadersInput } from '../http/bearer.ts'
import { constantTimeEqual, jwkThumbprint, sha256Base64Url } from '../jose/jwk-thumbprint.ts'
import { validateJoseHeader } from '../jws/header.ts'
import { parseCompactJws } from '../jws/parse-compact.ts'
import { validateKeyForAlgorithm } from '../keys/usable-key.ts'
import type { SignatureProvider, VerificationKey } from '../platform/types.ts'
import type { Jwk, SupportedAlgorithm } from '../jose/jwk.ts'
import { err, ok, type Result } from '../result.ts'
import type { DpopNonces, DpopNonceStanding } from './dpop-nonce.ts'

/**
 * The parts of a request a DPoP proof is checked against.
 *
 * @example
 * ```ts
 * const request: DpopProofRequest = { method: 'GET', url: 'https://api.example.com/orders?x=1', headers: { dpop: proof } }
 * ```
 */
export interface DpopProofRequest {
  /** The HTTP method, as received (upper case for the standard methods). */
  readonly method: string
  /** The absolute URL the client called (see `defineRequestUrl`). */
  readonly url: string
  readonly headers: HeadersInput
}

/**
 * Options of {@link verifyDpopProof}.
 *
 * @example
 * ```ts
 * const options: VerifyDpopProofOptions = { config: defineDpopConfig({ mode: 'enabled' }), accessToken, now: 1_700_000_000, signature: webSignatureProvider }
 * ```
 */
export interface VerifyDpopProofOptions {
  readonly config: DpopConfig
  /**
   * The access token the proof must be bound to (its `ath`), or `null` for a proof sent to a token
   * endpoint (RFC 9449 §5), which comes before any access token and so has no `ath` to check.
   */
  readonly accessToken: string | null
  /** The current time, in seconds since the epoch. */
  readonly now: number
  /** Verifies the proof's signature (the platform's provider). */
  readonly signature: SignatureProvider
  /** Makes and checks nonces; required when `config.requireNonce` is set. */
  readonly nonces?: DpopNonces | undefined
  /** Remembers the checked header and imported key of each client key (see {@link createDpopKeyMemo}). */
  readonly keyMemo?: DpopKeyMemo | undefined
}

/**
 * A proof header that passed every check, with its imported key and thumbprint: what a
 * {@link DpopKeyMemo} holds, keyed by the header's base64url segment.
 *
 * @example
 * ```ts
 * const entry: DpopKeyMemoEntry | undefined = memo.get(headerSegment)
 * ```
 */
export interface DpopKeyMemoEntry {
  readonly header: Readonly<Record<string, unknown>>
  readonly alg: SupportedAlgorithm
  readonly key: VerificationKey
  readonly jkt: string
}

/**
 * A bounded memo of checked proof headers. A client signs every proof with one key, so its
 * proofs share one header segment: with the memo, that header is decoded, checked, imported and
 * thumbprinted once, and each later proof costs its payload, one signature and one hash.
 *
 * @example
 * ```ts
 * const keyMemo: DpopKeyMemo = createDpopKeyMemo(1024)
 * ```
 */
export interface DpopKeyMemo {
  get(headerSegment: string): DpopKeyMemoEntry | undefined
  set(headerSegment: string, entry: DpopKeyMemoEntry): void
}

/**
 * A {@link DpopKeyMemo} of at most `maxEntries` client keys; when full it starts over, so a flood
 * of distinct keys costs a map write each and never more memory. Only headers whose proof
 * verified are remembered.
 *
 * @example
 * ```ts
 * const keyMemo = createDpopKeyMemo(1024)
 * await verifyDpopProof(request, { config, accessToken, now, signature, keyMemo })
 * ```
 */
export function createDpopKeyMemo(maxEntries: number): DpopKeyMemo {
  const entries = new Map<string, DpopKeyMemoEntry>()
  return {
    get: (segment) => entries.get(segment),
    set(segment, entry) {
      if (!(maxEntries > 0)) return
      if (entries.size >= maxEntries) entries.clear()
      entries.set(segment, entry)
    },
  }
}

/**
 * A proof that passed every check but the replay check.
 *
 * @example
 * ```ts
 * const r = await verifyDpopProof(request, options)
 * if (r.ok && r.value.jkt !== cnf.jkt) refuse()
 * ```
 */
export interface VerifiedDpopProof {
  /** The RFC 7638 thumbprint of the proof's key: what `cnf.jkt` must equal. */
  readonly jkt: string
  readonly jti: string
  readonly iat: number
  readonly alg: string
  /** The request URL as compared: WHATWG-normalised, without query and fragment. */
  readonly htu: string
  /** What the replay store remembers: thumbprint, method, URL and `jti` (a digest of them when long). */
  readonly replayKey: string
  /** How long the proof could still be accepted, in seconds: the replay store's TTL. */
  readonly replayTtlSeconds: number
  /** How the proof's nonce stood, when nonces are required. */
  readonly nonce: DpopNonceStanding | undefined
}

/**
 * Longest proof accepted, in characters.
 *
 * @example
 * ```ts
 * if (proof.length > maxDpopProofLength) refuse()
 * ```
 */
export const maxDpopProofLength = 8192
/**
 * Longest `jti` accepted, in characters.
 *
 * @example
 * ```ts
 * const jti = crypto.randomUUID() // 36 characters, well under maxDpopJtiLength
 * ```
 */
export const maxDpopJtiLength = 256
const maxPlainReplayKeyLength = 512
const privateMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const

const invalid = (message: string, details?: ErrorDetails) => err(new InvalidDpopProofError(message, details))

/**
 * The URL a proof's `htu` is compared as: WHATWG-parsed (scheme and host lower-cased, default
 * port dropped, dot segments resolved, percent-encoding normalised as URL does), without query
 * and fragment; `undefined` for anything but an absolute `http:` or `https:` URL.
 *
 * @example
 * ```ts
 * normaliseHtu('HTTPS://API.example.com:443/a/../orders?x=1#f') // 'https://api.example.com/orders'
 * ```
 */
export function normaliseHtu(value: string): string | undefined {
  if (typeof value !== 'string' || value.length > 8192) return undefined
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return undefined
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined
  url.search = ''
  url.hash = ''
  return url.href
}

/**
 * Verifies the `DPoP` header of a request against the request and its access token. Fails with
 * {@link InvalidDpopProofError} (`claim` names the member at fault) or, when a nonce is required
 * and missing or stale, {@link UseDpopNonceError} carrying a fresh nonce. Never throws for a bad
 * proof.
 *
 * @example
 * ```ts
 * const r = await verifyDpopProof(
 *   { method: 'GET', url: 'https://api.example.com/orders', headers: request.headers },
 *   { config, accessToken, now: Math.floor(Date.now() / 1000), signature: webSignatureProvider },
 * )
 * if (!r.ok) return renderDpopChallenge(r.error, { algorithms: config.algorithms })
 * ```
 */
export async function verifyDpopProof(
  request: DpopProofRequest,
  options: VerifyDpopProofOptions,
): Promise<Result<VerifiedDpopProof, InvalidDpopProofError | UseDpopNonceError>> {
  const { config, now } = options
  const values = headerValues(request.headers, 'dpop')
  if (values.length === 0) return invalid('The request carries no DPoP proof', { claim: 'DPoP' })
  // A Headers object joins repeated fields with ", "; a compact JWS never holds a comma.
  if (values.length > 1 || values[0]!.includes(',')) return invalid('The request carries more than one DPoP header', { claim: 'DPoP' })

  const compact = values[0]!.trim()
  const headerSegment = compact.slice(0, Math.max(0, compact.indexOf('.')))
  const memo = options.keyMemo
  const remembered = memo === undefined || headerSegment === '' ? undefined : memo.get(headerSegment)
  const parsed = parseCompactJws(compact, {
    maxLength: maxDpopProofLength,
    ...(remembered === undefined ? {} : { headerMemo: { get: () => remembered.header, set: () => undefined } }),
  })
  if (!parsed.ok) return invalid(`The DPoP proof is malformed: ${parsed.error.message}`, { claim: 'DPoP', cause: parsed.error })
  const { header, payload, signingInput, signature } = parsed.value
  const member = (o: Readonly<Record<string, unknown>>, name: string): unknown => (Object.hasOwn(o, name) ? o[name] : undefined)

  // A remembered header passed every header check below; only the configuration may differ.
  if (remembered !== undefined && !config.algorithms.includes(remembered.alg)) {
    return invalid("The DPoP proof's alg is not one of the allowed algorithms", { claim: 'header.alg', expected: config.algorithms, actual: remembered.alg })
  }
  if (remembered === undefined && member(header, 'typ') !== 'dpop+jwt') {
    return invalid('The DPoP proof does not have typ "dpop+jwt"', { claim: 'header.typ', expected: 'dpop+jwt', actual: shorten(member(header, 'typ')) })
  }
  const checkedHeader = remembered === undefined ? checkProofHeader(header, config.algorithms) : ok({ alg: remembered.alg, jwk: undefined })
  if (!checkedHeader.ok) return checkedHeader
  const alg = checkedHeader.value.alg

  const jti = member(payload, 'jti')
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > maxDpopJtiLength) {
    return invalid(`The DPoP proof needs a jti of 1 to ${maxDpopJtiLength} characters`, { claim: 'jti' })
  }
  const htm = member(payload, 'htm')
  if (htm !== request.method) {
    return invalid('The DPoP proof was made for another HTTP method', { claim: 'htm', expected: request.method, actual: shorten(htm) })
  }
  const expectedHtu = normaliseHtu(request.url)
  if (expectedHtu === undefined) return invalid('The request URL is not absolute, so the proof cannot be matched to it', { claim: 'htu' })
  const htu = member(payload, 'htu')
  const presentedHtu = typeof htu === 'string' ? normaliseHtu(htu) : undefined
  if (presentedHtu !== expectedHtu) {
    return invalid('The DPoP proof was made for another URL', { claim: 'htu', expected: expectedHtu, actual: shorten(htu) })
  }
  const iat = member(payload, 'iat')
  if (typeof iat !== 'number' || !Number.isFinite(iat)) return invalid('The DPoP proof has no numeric iat', { claim: 'iat' })
  if (iat > now + config.clockToleranceSeconds) {
    return invalid('The DPoP proof was issued in the future', { claim: 'iat', expected: `<= ${now + config.clockToleranceSeconds}`, actual: iat })
  }
  if (iat < now - config.proofLifetimeSeconds - config.clockToleranceSeconds) {
    return invalid('The DPoP proof is too old', { claim: 'iat', expected: `>= ${now - config.proofLifetimeSeconds - config.clockToleranceSeconds}`, actual: iat })
  }
  if (options.accessToken !== null) {
    const ath = member(payload, 'ath')
    if (typeof ath !== 'string') return invalid('The DPoP proof has no ath (access token hash)', { claim: 'ath' })
    if (!constantTimeEqual(ath, await sha256Base64Url(options.accessToken))) {
      return invalid('The DPoP proof was made for another access token', { claim: 'ath' })
    }
  }

  let key = remembered?.key
  let valid = false
  try {
    key ??= await options.signature.importKey(checkedHeader.value.jwk!, alg)
    valid = await options.signature.verify(key, signingInput, signature)
  } catch (cause) {
    return invalid("The DPoP proof's jwk could not be imported", { claim: 'header.jwk', cause })
  }
  if (!valid) return invalid('The DPoP proof signature does not verify with its jwk', { claim: 'signature' })
  let jkt = remembered?.jkt
  if (jkt === undefined) {
    jkt = (await jwkThumbprint(checkedHeader.value.jwk!))!
    memo?.set(headerSegment, { header: Object.freeze(header), alg, key, jkt })
  }

  let nonce: DpopNonceStanding | undefined
  if (config.requireNonce) {
    const nonces = options.nonces
    if (nonces === undefined) throw new TypeError('verifyDpopProof: requireNonce is set but no nonces were given')
    const presented = member(payload, 'nonce')
    nonce = typeof presented === 'string' ? await nonces.check(presented, now) : 'invalid'
    if (nonce === 'invalid') {
      const message = presented === undefined ? 'The DPoP proof must carry the nonce this server provides' : 'The DPoP nonce is not current'
      return err(new UseDpopNonceError(message, { claim: 'nonce', nonce: await nonces.issue(now) }))
    }
  }

  // Unambiguous (a JSON array); hashed only when long, so a store entry stays small either way.
  const replayId = JSON.stringify([jkt, request.method, expectedHtu, jti])
  const replayKey = replayId.length <= maxPlainReplayKeyLength ? `dpop:${replayId}` : `dpop#${await sha256Base64Url(replayId)}`
  const replayTtlSeconds = Math.ceil(config.proofLifetimeSeconds + 2 * config.clockToleranceSeconds)
  return ok({ jkt, jti, iat, alg, htu: expectedHtu, replayKey, replayTtlSeconds, nonce })
}

/** The header checks: `typ`, `alg` (and `crit`, `b64`, `zip`), a public usable `jwk`. */
function checkProofHeader(
  header: Readonly<Record<string, unknown>>,
  algorithms: readonly SupportedAlgorithm[],
): Result<{ readonly alg: SupportedAlgorithm; readonly jwk: Jwk | undefined }, InvalidDpopProofError> {
  const member = (name: string): unknown => (Object.hasOwn(header, name) ? header[name] : undefined)
  const checked = validateJoseHeader(header, { algorithms, requireAccessTokenType: false })
  if (!checked.ok) {
    const e = checked.error
    return invalid(`The DPoP proof's header is not accepted: ${e.message}`, { claim: e.claim, expected: e.expected, actual: e.actual })
  }
  const alg = checked.value.alg
  const jwk = member('jwk')
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return invalid('The DPoP proof has no jwk header', { claim: 'header.jwk' })
  const secret = privateMembers.filter((name) => Object.hasOwn(jwk, name))
  if (secret.length > 0) {
    return invalid(`The DPoP proof's jwk is a private key (it has ${secret.join(', ')})`, { claim: 'header.jwk', actual: secret })
  }
  const usable = validateKeyForAlgorithm(jwk as Jwk, alg)
  if (!usable.ok) return invalid(`The DPoP proof's jwk cannot be used: ${usable.error.message}`, { claim: 'header.jwk' })
  return ok({ alg, jwk: jwk as Jwk })
}

function shorten(value: unknown): unknown {
  return typeof value === 'string' && value.length > 64 ? `${value.slice(0, 61)}...` : value
}
