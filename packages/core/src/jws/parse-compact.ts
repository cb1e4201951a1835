/**
 * Splits and decodes a compact JWS (RFC 7515 §7.1) without trusting anything in it yet.
 *
 * Only the three-segment compact form of a signed token is accepted. The JSON serialization,
 * JWE (encrypted) tokens and nested JWTs are refused, as RFC 8725 §2.8 and §3.11 advise for
 * a verifier that expects one kind of token. Errors describe the problem by segment name and
 * length only; they never quote the token.
 *
 * @module
 */
import { MalformedTokenError } from '../errors.ts'
import { err, ok } from '../result.ts'
import type { Result } from '../result.ts'
import { decodeBase64Url } from './base64url.ts'
import { parseStrictJsonObject } from './strict-json.ts'

/**
 * A compact JWS split into its parts. Nothing in it has been verified: the header still has
 * to pass `validateJoseHeader` and the signature a key.
 *
 * @example
 * ```ts
 * const r = parseCompactJws(token, { maxLength: 8192 })
 * if (r.ok) await provider.verify(key, r.value.signingInput, r.value.signature)
 * ```
 */
export interface ParsedJws {
  /** The decoded JOSE header. */
  readonly header: Readonly<Record<string, unknown>>
  /** The decoded claims set. */
  readonly payload: Readonly<Record<string, unknown>>
  /** The ASCII bytes of `<header>.<payload>` as they appear in the token: what was signed. */
  readonly signingInput: Uint8Array
  /** The decoded signature, never empty. */
  readonly signature: Uint8Array
}

/**
 * Options of {@link parseCompactJws}.
 *
 * @example
 * ```ts
 * const options: ParseCompactJwsOptions = { maxLength: 8192 }
 * ```
 */
export interface ParseCompactJwsOptions {
  /** Longest token accepted, in characters; checked before anything is decoded. */
  readonly maxLength: number
  /**
   * The canonical base64url decoder to use. Default {@link decodeBase64Url}; the verifier passes
   * its platform's (on Node a native decoder behind the same canonical-form check).
   */
  readonly decodeSegment?: ((segment: string) => Uint8Array | undefined) | undefined
  /**
   * Encodes the signing input (ASCII once every segment decoded). Default `TextEncoder`; the
   * verifier passes its platform's.
   */
  readonly encodeAscii?: ((text: string) => Uint8Array) | undefined
  /**
   * Headers already decoded, by header segment. Every token an issuer signs with one key has the
   * same header segment, so the verifier passes a small memo ({@link createHeaderMemo}) and decodes
   * each header once. Only headers that passed every check here are remembered, frozen.
   */
  readonly headerMemo?: HeaderMemo | undefined
}

/** A bounded memo of decoded JOSE headers, keyed by their base64url segment. */
export interface HeaderMemo {
  get(segment: string): Readonly<Record<string, unknown>> | undefined
  set(segment: string, header: Readonly<Record<string, unknown>>): void
}

/**
 * A {@link HeaderMemo} of at most `maxEntries` headers (none when `maxEntries` is 0 or less). When
 * full it starts over, so a stream of distinct headers (forged tokens) costs one map write each and
 * never more memory.
 *
 * @example
 * ```ts
 * const options = { maxLength: 8192, headerMemo: createHeaderMemo(32) }
 * parseCompactJws(token, options) // decodes the header
 * parseCompactJws(sameIssuerToken, options) // reuses it
 * ```
 */
export function createHeaderMemo(maxEntries: number): HeaderMemo {
  const headers = new Map<string, Readonly<Record<string, unknown>>>()
  return {
    get: (segment) => headers.get(segment),
    set(segment, header) {
      if (!(maxEntries > 0)) return
      if (headers.size >= maxEntries) headers.clear()
      headers.set(segment, header)
    },
  }
}

const ascii = new TextEncoder()
const emptyBytes = new Uint8Array(0)

const malformed = (message: string) => err(new MalformedTokenError('malformed_token', message))

/**
 * Parses a compact JWS strictly: a string of at most `maxLength` characters, exactly three
 * canonical base64url segments, a non-empty signature, and a header and payload that are
 * strict UTF-8 JSON objects without duplicate member names. Refuses JSON serialization, JWE
 * and nested JWTs (`cty: JWT`). Never throws.
 *
 * Fails with `token_too_large` (carrying `expected` and `actual` lengths) or `malformed_token`.
 *
 * @example
 * ```ts
 * const r = parseCompactJws(token, { maxLength: 8192 })
 * if (!r.ok) return r // MalformedTokenError, e.g. "The payload has a duplicate member name"
 * const { header, payload, signingInput, signature } = r.value
 * ```
 */
export function parseCompactJws(
  token: unknown,
  options: ParseCompactJwsOptions,
): Result<ParsedJws, MalformedTokenError> {
  if (typeof token !== 'string') return malformed('The token is not a string')
  if (token.length > options.maxLength) {
    return err(
      new MalformedTokenError(
        'token_too_large',
        `The token is ${token.length} characters long; at most ${options.maxLength} are accepted`,
        { expected: options.maxLength, actual: token.length },
      ),
    )
  }
  if (token.charCodeAt(0) === 0x7b) return malformed('JSON serialization is not accepted')

  const firstDot = token.indexOf('.')
  const secondDot = firstDot < 0 ? -1 : token.indexOf('.', firstDot + 1)
  if (secondDot < 0 || token.indexOf('.', secondDot + 1) >= 0) {
    const segments = countSegments(token)
    if (segments === 5) return malformed('JWE (encrypted token) is not accepted')
    return malformed(`Expected three dot-separated segments, found ${segments}`)
  }

  const decode = options.decodeSegment ?? decodeBase64Url
  const headerSegment = token.slice(0, firstDot)
  const memo = options.headerMemo
  let header = memo?.get(headerSegment)
  // A remembered header passed every check below; its segment is the same text, so it would again.
  const headerBytes = header === undefined ? decode(headerSegment) : emptyBytes
  if (headerBytes === undefined) return malformed('The header segment is not canonical base64url')
  const payloadBytes = decode(token.slice(firstDot + 1, secondDot))
  if (payloadBytes === undefined) return malformed('The payload segment is not canonical base64url')
  const signature = decode(token.slice(secondDot + 1))
  if (signature === undefined) return malformed('The signature segment is not canonical base64url')
  if (signature.length === 0) return malformed('The signature segment is empty')

  if (header === undefined) {
    const parsedHeader = parseStrictJsonObject(headerBytes)
    if (!parsedHeader.ok) return malformed(`The JOSE header ${parsedHeader.error}`)
    header = parsedHeader.value
    if (Object.hasOwn(header, 'enc')) return malformed('JWE (encrypted token) is not accepted')
    // Checked before the payload is parsed: a nested JWT's payload is a token, not JSON, and
    // "nested JWT" is the more useful answer. `application/jwt` is the same media type (RFC 7515 §4.1.10).
    if (isJwtContentType(Object.hasOwn(header, 'cty') ? header.cty : undefined)) {
      return malformed('Nested JWTs (cty: JWT) are not accepted')
    }
    if (memo !== undefined) memo.set(headerSegment, Object.freeze(header))
  }
  const payload = parseStrictJsonObject(payloadBytes)
  if (!payload.ok) return malformed(`The payload ${payload.error}`)

  return ok({
    header,
    payload: payload.value,
    signingInput: options.encodeAscii === undefined ? ascii.encode(token.slice(0, secondDot)) : options.encodeAscii(token.slice(0, secondDot)),
    signature,
  })
}

function countSegments(token: string): number {
  let segments = 1
  for (let dot = token.indexOf('.'); dot >= 0; dot = token.indexOf('.', dot + 1)) segments++
  return segments
}

function isJwtContentType(cty: unknown): boolean {
  if (typeof cty !== 'string' || (cty.length !== 3 && cty.length !== 15)) return false
  const lower = cty.toLowerCase()
  return lower === 'jwt' || lower === 'application/jwt'
}
