/**
 * The runtime seam: the few operations whose best implementation differs between runtimes.
 * `web.ts` (WebCrypto + fetch) is the default everywhere; `node.ts` (node:crypto key objects +
 * node:https, which can honour custom CAs and switch certificate validation off) is chosen by the
 * package's `node` export condition. Both must pass the same contract tests.
 *
 * @module
 */

import type { AddressPolicy } from '../network/address-policy.ts'

import type { Jwk, SupportedAlgorithm } from '../jose/jwk.ts'

// Kept for code written against the seam's old home of these domain types.
export { supportedAlgorithms, type Jwk, type SupportedAlgorithm } from '../jose/jwk.ts'

/** An imported, ready-to-use verification key. Opaque: its shape depends on the runtime. */
export interface VerificationKey {
  readonly alg: SupportedAlgorithm
  readonly handle: unknown
}

/** Verifies signatures; one implementation per runtime. */
export interface SignatureProvider {
  /** Which implementation this is, for diagnostics and benchmarks. */
  readonly name: string
  /** Imports a public JWK for one algorithm. Rejects when the runtime cannot use the key. */
  importKey(jwk: Jwk, alg: SupportedAlgorithm): Promise<VerificationKey>
  /** True when `signature` is valid for `data`. Never throws for a wrong signature. */
  verify(key: VerificationKey, data: Uint8Array, signature: Uint8Array): boolean | Promise<boolean>
}

/** One HTTP GET as the JWKS client needs it. */
export interface HttpGetRequest {
  readonly url: URL
  /** Abort the request after this many milliseconds. */
  readonly timeoutMs: number
  /** Abort when the body grows beyond this many bytes. */
  readonly maxBytes: number
  /** When false, the server's TLS certificate is not checked (explicit opt-out). */
  readonly certificateValidation: boolean
  /** Extra trusted CA certificates (PEM), added to the runtime's defaults. */
  readonly trustedCertificates?: readonly string[] | undefined
  /**
   * When set, the request may only reach addresses this policy allows (for URLs that came from a
   * tenant). The Node.js client checks the URL's literal address and every address DNS returns
   * for its host name, at connect time, so a DNS answer that changes between a check and the
   * connection cannot slip through. The Web client (and any injected `fetch`) can only check
   * literal addresses and names such as `localhost`: there, other host names go to DNS
   * unchecked and the runtime's own egress controls must fence private networks. Refusals reject
   * with kind `address_not_allowed`. Absent: any address (the operator's own configuration).
   */
  readonly addressPolicy?: AddressPolicy | undefined
  /**
   * Extra request header fields, lower-case names (the key set sends `if-none-match` and
   * `if-modified-since` to revalidate). They never replace `accept` or `accept-encoding`. A `304`
   * answer comes back as a response like any other status.
   */
  readonly headers?: Readonly<Record<string, string>> | undefined
}

/**
 * Response headers as the key set reads them: by name, case-insensitively, repeated fields joined
 * with ", " (`null` when absent). A `Headers` is one; the Node client builds a lighter one, since
 * the first `Headers` a Node process makes loads its whole fetch implementation.
 */
export interface ResponseHeaders {
  get(name: string): string | null
}

/** The answer to an {@link HttpGetRequest}. Redirects are not followed: a 3xx comes back as is. */
export interface HttpGetResponse {
  readonly status: number
  readonly headers: ResponseHeaders
  readonly body: Uint8Array
}

/** Why an HTTP GET produced no response. */
export type HttpFailureKind = 'timeout' | 'network' | 'tls' | 'too_large' | 'unsupported' | 'address_not_allowed'

/** Thrown (rejected) by an {@link HttpGet} when no response could be obtained. */
export class HttpGetFailure extends Error {
  readonly _tag = 'HttpGetFailure' as const
  constructor(
    readonly kind: HttpFailureKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** Performs a GET. Rejects only with {@link HttpGetFailure}. */
export type HttpGet = (request: HttpGetRequest) => Promise<HttpGetResponse>

/** What a runtime provides. */
export interface Platform {
  readonly name: 'node' | 'web'
  readonly signature: SignatureProvider
  /** The HTTP client; built on the given `fetch` when one is injected. */
  readonly httpGet: (fetchImpl?: typeof fetch) => HttpGet
  /** Canonical base64url decoding (same acceptance as the pure decoder), as fast as the runtime allows. */
  readonly decodeBase64Url: (segment: string) => Uint8Array | undefined
  /** The bytes of an ASCII string (a JWS signing input), as fast as the runtime allows. */
  readonly encodeAscii: (text: string) => Uint8Array
}

/**
 * One HTTP POST (introspection, token requests): an {@link HttpGetRequest} plus the header fields
 * and the body to send, and the client certificate for mutual TLS.
 *
 * @example
 * ```ts
 * const request: HttpPostRequest = {
 *   url: new URL('https://as.example/introspect'), timeoutMs: 5000, maxBytes: 65536, certificateValidation: true,
 *   headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=abc&token_type_hint=access_token',
 * }
 * ```
 */
export type HttpPostRequest = HttpGetRequest & {
  /** Request header fields, lower-case names. */
  readonly headers: Readonly<Record<string, string>>
  readonly body: Uint8Array | string
  /** PEM certificate and private key presented for mutual TLS (RFC 8705). */
  readonly clientCertificate?: { readonly certificate: string; readonly privateKey: string } | undefined
}

/**
 * Performs a POST. Rejects only with {@link HttpGetFailure}.
 *
 * @example
 * ```ts
 * const post: HttpPost = async (request) => ({ status: 200, headers: new Headers(), body: new Uint8Array() })
 * ```
 */
export type HttpPost = (request: HttpPostRequest) => Promise<HttpGetResponse>
