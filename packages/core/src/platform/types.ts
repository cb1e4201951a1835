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

/**
 * One HTTP GET as the JWKS client needs it.
 *
 * @example
 * ```ts
 * const request: HttpGetRequest = { url: new URL('https://as.example/jwks'), timeoutMs: 5000, maxBytes: 65536, certificateValidation: true }
 * ```
 */
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
  /**
   * How `trustedCertificates` combine with the runtime's default trust store: `'add'` (the
   * default) trusts both; `'only'` trusts nothing but `trustedCertificates` (a private trust
   * group, as PingAccess's "trusted certificate group" replaces the anchors). `'only'` with an
   * empty list is refused with kind `unsupported`. Runtimes that cannot replace their trust
   * anchors refuse `'only'` with kind `unsupported` instead of silently trusting more.
   */
  readonly trustMode?: TrustMode | undefined
  /**
   * An `http:` forward proxy. `https:` requests go through a `CONNECT` tunnel (TLS runs end to end
   * through it, so the proxy never sees the exchange); `http:` requests are sent to the proxy in
   * absolute form. With a proxy, the proxy resolves host names: an `addressPolicy` still checks
   * the scheme and literal addresses, and host names are left to the proxy's own egress rules.
   */
  readonly proxy?: URL | undefined
}

/**
 * See {@link HttpGetRequest.trustMode}: add to the default CAs, or replace them.
 *
 * @example
 * ```ts
 * const mode: TrustMode = 'only' // trust nothing but the configured CA certificates
 * ```
 */
export type TrustMode = 'add' | 'only'

/**
 * A client certificate chain and its private key, both PEM, presented during the TLS handshake (mTLS).
 *
 * @example
 * ```ts
 * const certificate: ClientCertificatePem = { certificate: clientCertPem, privateKey: clientKeyPem }
 * ```
 */
export interface ClientCertificatePem {
  readonly certificate: string
  readonly privateKey: string
}

/**
 * Response headers as the key set reads them: by name, case-insensitively, repeated fields joined
 * with ", " (`null` when absent). A `Headers` is one; the Node client builds a lighter one, since
 * the first `Headers` a Node process makes loads its whole fetch implementation.
 *
 * @example
 * ```ts
 * response.headers.get('cache-control') // 'max-age=300' or null
 * ```
 */
export interface ResponseHeaders {
  get(name: string): string | null
}

/**
 * The answer to an {@link HttpGetRequest}. Redirects are not followed: a 3xx comes back as is.
 *
 * @example
 * ```ts
 * const text = new TextDecoder().decode(response.body); if (response.status === 200) JSON.parse(text)
 * ```
 */
export interface HttpGetResponse {
  readonly status: number
  readonly headers: ResponseHeaders
  readonly body: Uint8Array
}

/** Why an HTTP GET produced no response. */
export type HttpFailureKind = 'timeout' | 'network' | 'tls' | 'too_large' | 'unsupported' | 'address_not_allowed'

/**
 * Thrown (rejected) by an {@link HttpGet} when no response could be obtained.
 *
 * @example
 * ```ts
 * try { await httpGet(request) } catch (e) { if (e instanceof HttpGetFailure && e.kind === 'timeout') retryLater() }
 * ```
 */
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

/**
 * Performs a GET. Rejects only with {@link HttpGetFailure}.
 *
 * @example
 * ```ts
 * const httpGet: HttpGet = platformHttpGet()
 * const response = await httpGet({ url: new URL('https://as.example/jwks'), timeoutMs: 5000, maxBytes: 65536, certificateValidation: true })
 * ```
 */
export type HttpGet = (request: HttpGetRequest) => Promise<HttpGetResponse>

/** What a runtime provides. */
export interface Platform {
  readonly name: 'node' | 'web'
  readonly signature: SignatureProvider
  /** The HTTP client; built on the given `fetch` when one is injected. */
  readonly httpGet: (fetchImpl?: typeof fetch) => HttpGet
  /** The HTTP POST client (client certificates, proxy, trust mode); built on the given `fetch` when one is injected. */
  readonly httpPost: (fetchImpl?: typeof fetch) => HttpPost
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
