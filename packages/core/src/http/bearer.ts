/**
 * The request shape adapters translate into, and bearer-token extraction from it (RFC 6750 §2.1).
 *
 * @module
 */
import { InvalidRequestError, MissingTokenError } from '../errors.ts'
import { err, ok, type Result } from '../result.ts'

/** Header values as frameworks hand them over: Web `Headers`, or a plain record (Node style). */
export type HeadersInput = Headers | Readonly<Record<string, string | readonly string[] | undefined>>

/**
 * A client certificate presented on a mutual-TLS connection (for certificate-bound tokens,
 * RFC 8705). `raw` is the DER encoding.
 */
export interface ClientCertificate {
  readonly raw: Uint8Array
}

/**
 * The small request shape every adapter builds from its native request.
 *
 * `url` is the absolute URL the client called (see `defineRequestUrl`): its origin from
 * configuration, a trusted proxy or the platform, never a raw `Host`; its path exactly as the
 * router received it, not normalised. (A relative `url` is still read, as a path.)
 */
export interface TokenRequest {
  readonly method: string
  readonly url: string
  readonly headers: HeadersInput
  readonly clientCertificate?: ClientCertificate | undefined
  /**
   * The client certificate's RFC 8705 `x5t#S256` (base64url SHA-256 of its DER), when whatever
   * terminated TLS vouches only for a hash of it (Envoy's `X-Forwarded-Client-Cert` with `Hash`
   * only, Cloudflare's `tlsClientAuth.certFingerprintSHA256`). Read only when `clientCertificate`
   * is absent. Adapters set it from a configured certificate source (`defineClientCertificateSource`).
   */
  readonly clientCertificateThumbprint?: string | undefined
  /**
   * The route parameters the framework's router extracted (Express `req.params`, Lambda
   * `pathParameters`), for the `{ param }` organization resolver. Absent when the adapter knows none.
   * Values are as the router gives them (Express 5 gives a wildcard's segments as an array).
   */
  readonly routeParams?: Readonly<Record<string, unknown>> | undefined
}

// RFC 6750 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const b64token = /^[A-Za-z0-9\-._~+/]+=*$/

/**
 * Reads every value of one header, case-insensitively (header names are ASCII tokens, RFC 9110
 * §5.1, so a name of another length never matches). Values a `Headers` object joined with ", "
 * stay joined: a second Authorization header then shows up as a comma, which the bearer syntax
 * does not allow.
 *
 * @example
 * ```ts
 * headerValues({ authorization: 'Bearer abc' }, 'Authorization') // ['Bearer abc']
 * ```
 */
export function headerValues(headers: HeadersInput, name: string): readonly string[] {
  if (typeof (headers as Headers).get === 'function' && typeof (headers as Headers).has === 'function') {
    const v = (headers as Headers).get(name)
    return v === null ? [] : [v]
  }
  const lower = name.toLowerCase()
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>
  const out: string[] = []
  // Every own name is compared, so differently cased copies of the field are all found; only a
  // name of the same length can match, which spares lowercasing the others.
  for (const key of Object.keys(record)) {
    if (key.length !== lower.length || (key !== lower && key.toLowerCase() !== lower)) continue
    const value = record[key]
    if (value === undefined) continue
    if (typeof value === 'string') out.push(value)
    else out.push(...value)
  }
  return out
}

/**
 * Extracts the bearer token from the `Authorization` header. No header, or another scheme
 * (e.g. Basic), is `missing_token` (401 with a bare challenge); two headers, an empty token or
 * characters outside the RFC 6750 token syntax are `invalid_request` (400). Tokens in query
 * strings or form bodies are not accepted (RFC 9700 §2.5).
 *
 * @example
 * ```ts
 * const r = extractBearerToken({ method: 'GET', url: '/', headers: { authorization: 'Bearer eyJ...' } })
 * if (r.ok) console.log(r.value.length)
 * ```
 */
export function extractBearerToken(request: Pick<TokenRequest, 'headers'>): Result<string, MissingTokenError | InvalidRequestError> {
  const read = readBearerCredential(request)
  if (!read.ok) return read
  const syntax = bearerSyntaxError(read.value)
  return syntax === undefined ? read : err(syntax)
}

/**
 * {@link extractBearerToken} without the token-syntax check, for the verifier: a token that parses
 * as a compact JWS (or is a verified-token cache hit) is within the syntax, so the verifier checks
 * it with {@link bearerSyntaxError} only when verification fails, and answers exactly what
 * `extractBearerToken` would have.
 */
export function readBearerCredential(request: Pick<TokenRequest, 'headers'>): Result<string, MissingTokenError | InvalidRequestError> {
  const values = headerValues(request.headers, 'authorization')
  if (values.length === 0) return err(new MissingTokenError('The request carries no access token'))
  if (values.length > 1) return err(new InvalidRequestError('The request has more than one Authorization header'))
  const value = values[0]!
  const space = value.indexOf(' ')
  const scheme = space === -1 ? value : value.slice(0, space)
  if (scheme.toLowerCase() !== 'bearer') {
    return err(new MissingTokenError('The Authorization header does not use the Bearer scheme', { expected: 'Bearer', actual: scheme.slice(0, 32) }))
  }
  let start = space + 1
  while (value.charCodeAt(start) === 0x20) start++
  if (space === -1 || start >= value.length) return err(new InvalidRequestError('The Authorization header has an empty bearer token'))
  return ok(value.slice(start))
}

/** The `invalid_request` error for a bearer token outside the RFC 6750 syntax, if it is. */
export function bearerSyntaxError(token: string): InvalidRequestError | undefined {
  return b64token.test(token)
    ? undefined
    : new InvalidRequestError('The bearer token contains characters the Bearer scheme does not allow (or several values were sent)')
}
