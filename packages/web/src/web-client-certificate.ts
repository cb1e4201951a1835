/**
 * The client certificate of a Web `Request`: Cloudflare's `request.cf.tlsClientAuth` (a SHA-256
 * fingerprint, turned into the RFC 8705 `x5t#S256` form), or a TLS-terminating proxy's header
 * believed only with a shared secret. Deno's and Bun's `Request` carry no peer certificate at all.
 *
 * @module
 */
import { ConfigError, defineClientCertificateSource, sha256HexToThumbprint, type ClientCertificateSource, type ClientCertificateSourceOptions, type PlatformCertificate } from '@tokenward/core'

/**
 * Where `@tokenward/web` takes the client certificate from, for certificate-bound tokens
 * (RFC 8705); checked when the handler is built (`ConfigError`).
 *
 * - `'platform'` (default): Cloudflare Workers' `request.cf.tlsClientAuth` when the client
 *   presented a certificate (`certPresented: '1'`); its `certFingerprintSHA256` (hex SHA-256 of
 *   the DER) is exactly the certificate's `x5t#S256`, re-encoded as base64url. Whether Cloudflare
 *   could verify the chain (`certVerified`) does not matter for the binding: the handshake proved
 *   the client holds the certificate's key. Deno, Bun and Node's `Request` have no certificate.
 * - `{ header, sharedSecret }`: a proxy's header (RFC 9440 `client-cert`, Envoy
 *   `x-forwarded-client-cert`, nginx's URL-encoded PEM, ALB's `x-amzn-mtls-clientcert`), believed
 *   only when the proxy's secret header matches. A `Request` carries no peer address, so
 *   `trustedProxies` cannot be used here.
 * - `'none'`: never read one.
 *
 * @example
 * ```ts
 * const options: WebCertificateOptions = { clientCertificate: { header: 'client-cert', sharedSecret: { header: 'x-proxy-secret', value: secret } } }
 * ```
 */
export interface WebCertificateOptions {
  readonly clientCertificate?: ClientCertificateSourceOptions | undefined
}

/** The fields of Cloudflare's `request.cf.tlsClientAuth` read here. */
interface TlsClientAuth {
  readonly certPresented?: unknown
  readonly certFingerprintSHA256?: unknown
}

/** Builds the certificate source of a Web handler (throws `ConfigError` for a bad option, or `trustedProxies`). */
export function defineWebCertificate(options: WebCertificateOptions | undefined): ClientCertificateSource {
  const option = options?.clientCertificate
  if (typeof option === 'object' && option !== null && option.trustedProxies !== undefined) {
    throw new ConfigError([{ path: 'clientCertificate.trustedProxies', message: 'a Web Request carries no peer address: use sharedSecret' }])
  }
  return defineClientCertificateSource(option)
}

/** What Cloudflare established about the client certificate of this request, if anything. */
export function cloudflareCertificate(request: Request): PlatformCertificate | undefined {
  const auth = (request as { readonly cf?: { readonly tlsClientAuth?: TlsClientAuth | null } | null }).cf?.tlsClientAuth
  if (auth === undefined || auth === null || auth.certPresented !== '1' || typeof auth.certFingerprintSHA256 !== 'string') return undefined
  const thumbprint = sha256HexToThumbprint(auth.certFingerprintSHA256)
  return thumbprint === undefined ? undefined : { thumbprint }
}
