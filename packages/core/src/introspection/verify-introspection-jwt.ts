/**
 * RFC 9701 JWT introspection answers: the authorization server signs its answer, and tokenward
 * verifies it like an access token before reading the `token_introspection` claim — allowed
 * algorithm, `typ: token-introspection+jwt`, a key of the server's key set, the signature, `iss`
 * = the server's issuer, `aud` = tokenward's introspection client ID, and a recent `iat`.
 *
 * @module
 */
import type { Jwk, SupportedAlgorithm } from '../jose/jwk.ts'
import { validateJoseHeader } from '../jws/header.ts'
import { parseCompactJws } from '../jws/parse-compact.ts'
import { selectVerificationKey } from '../keys/select-key.ts'
import type { SignatureProvider } from '../platform/types.ts'
import { err, ok, type Result } from '../result.ts'

/**
 * What a JWT introspection answer is checked against.
 *
 * @example
 * ```ts
 * const context: IntrospectionJwtContext = { issuer: 'https://as.example', clientId: 'tokenward-rs', algorithms: ['RS256'], clockToleranceSeconds: 30 }
 * ```
 */
export interface IntrospectionJwtContext {
  /** The server's issuer: the answer's `iss` must equal it. */
  readonly issuer: string
  /** tokenward's introspection client ID: the answer's `aud` must be or contain it. */
  readonly clientId: string
  /** The server's allowed algorithms. */
  readonly algorithms: readonly SupportedAlgorithm[]
  /** Leeway for `iat`, in seconds. */
  readonly clockToleranceSeconds: number
  /** How old an answer's `iat` may be, in seconds. Default {@link maxIntrospectionJwtAgeSeconds}. */
  readonly maxAgeSeconds?: number | undefined
}

/**
 * How old (by `iat`) a JWT introspection answer may be, beyond the clock tolerance: an answer is
 * made for one request, so an old one is a replayed one.
 *
 * @example
 * ```ts
 * verifyIntrospectionJwt(jwt, keys, signature, { ...context, maxAgeSeconds: maxIntrospectionJwtAgeSeconds * 2 }, now)
 * ```
 */
export const maxIntrospectionJwtAgeSeconds = 300

const introspectionTypes = new Set(['token-introspection+jwt', 'application/token-introspection+jwt'])

/**
 * Verifies an RFC 9701 answer and returns its `token_introspection` member (the RFC 7662 answer),
 * or why it was refused (a short text naming the check, never the answer). The caller treats a
 * refusal as an authorization server it cannot trust right now: 503, not 401.
 *
 * @example
 * ```ts
 * const r = await verifyIntrospectionJwt(body, snapshot.keys, platform.signature, { issuer, clientId, algorithms, clockToleranceSeconds: 30 }, Date.now() / 1000)
 * if (r.ok && r.value.active === true) accept(r.value)
 * ```
 */
export async function verifyIntrospectionJwt(
  jwt: string,
  keys: readonly Jwk[],
  signature: SignatureProvider,
  context: IntrospectionJwtContext,
  nowSeconds: number,
): Promise<Result<Readonly<Record<string, unknown>>, string>> {
  const parsed = parseCompactJws(jwt.trim(), { maxLength: 65_536 })
  if (!parsed.ok) return err(`not a compact JWS (${parsed.error.message})`)
  const { header, payload, signingInput } = parsed.value
  const checked = validateJoseHeader(header, { algorithms: context.algorithms, requireAccessTokenType: false })
  if (!checked.ok) return err(`header: ${checked.error.message}`)
  const { alg, kid, typ } = checked.value
  if (typ === undefined || !introspectionTypes.has(typ.toLowerCase())) return err('typ is not token-introspection+jwt')
  const key = selectVerificationKey(keys, { alg, kid })
  if (!key.ok) return err(`key: ${key.error.message}`)
  let valid = false
  try {
    valid = await signature.verify(await signature.importKey(key.value, alg), signingInput, parsed.value.signature)
  } catch {
    return err('the signing key could not be used')
  }
  if (!valid) return err('the signature does not verify')
  if (payload.iss !== context.issuer) return err('iss is not the server\'s issuer')
  const aud = payload.aud
  if (!(aud === context.clientId || (Array.isArray(aud) && aud.includes(context.clientId)))) return err('aud is not tokenward\'s introspection client ID')
  const iat = payload.iat
  if (typeof iat !== 'number' || !Number.isFinite(iat)) return err('iat is missing')
  if (iat > nowSeconds + context.clockToleranceSeconds) return err('iat is in the future')
  if (iat < nowSeconds - context.clockToleranceSeconds - (context.maxAgeSeconds ?? maxIntrospectionJwtAgeSeconds)) return err('iat is too old')
  const answer = payload.token_introspection
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) return err('token_introspection is not an object')
  return ok(answer as Readonly<Record<string, unknown>>)
}
