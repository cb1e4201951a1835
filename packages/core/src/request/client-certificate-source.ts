/**
 * Where an adapter takes the client certificate of a request from (RFC 8705 certificate-bound
 * tokens): the platform itself (the Node TLS socket, API Gateway's `requestContext`, Cloudflare's
 * `request.cf.tlsClientAuth`), or a header set by a TLS-terminating proxy — believed only from a
 * configured trusted peer and/or with a shared secret header, because any client can send those
 * headers itself. Pure: adapters hand in what they know, this decides what counts.
 *
 * @module
 */
import { ConfigError, type ConfigIssue } from '../errors.ts'
import { headerValues, type ClientCertificate, type HeadersInput } from '../http/bearer.ts'
import { constantTimeEqual } from '../jose/jwk-thumbprint.ts'
import { certificateDer, type PresentedCertificate } from '../mtls/client-certificate.ts'
import { parseClientCertHeader, parseUrlEncodedPemHeader, parseXfccHeader, xfccHashToThumbprint } from '../mtls/proxy-certificate-headers.ts'
import { definePeerTrust } from './ip-range.ts'

/**
 * How a forwarded certificate header is encoded: RFC 9440 `Client-Cert` (`:base64 DER:`), Envoy's
 * `X-Forwarded-Client-Cert` (the nearest proxy's `Cert`, else its `Hash`), or a URL-encoded PEM
 * (nginx `$ssl_client_escaped_cert`, AWS ALB `X-Amzn-Mtls-Clientcert`).
 *
 * @example
 * ```ts
 * const format: ForwardedCertificateFormat = 'url-encoded-pem'
 * ```
 */
export type ForwardedCertificateFormat = 'rfc9440' | 'xfcc' | 'url-encoded-pem'

/**
 * A client certificate forwarded by a TLS-terminating proxy in a request header. At least one of
 * `trustedProxies` and `sharedSecret` is required; with both, both must hold. The proxy must
 * remove (or overwrite) the header on requests it receives, or a client could choose its own.
 *
 * @example
 * ```ts
 * // nginx: proxy_set_header X-SSL-Client-Cert $ssl_client_escaped_cert;
 * const nginx: ForwardedClientCertificate = { header: 'x-ssl-client-cert', trustedProxies: ['10.0.0.0/8'] }
 * // AWS ALB (verify or passthrough mode) in front of a Lambda: no peer address, so a secret the ALB adds
 * const alb: ForwardedClientCertificate = { header: 'x-amzn-mtls-clientcert', sharedSecret: { header: 'x-origin-secret', value: secret } }
 * ```
 */
export interface ForwardedClientCertificate {
  /**
   * The header the proxy puts the certificate in (case-insensitive): `client-cert` (RFC 9440),
   * `x-forwarded-client-cert` (Envoy), `x-amzn-mtls-clientcert` (AWS ALB), or any other name.
   */
  readonly header: string
  /** How the header is encoded. Default by name: `client-cert` → `rfc9440`, `x-forwarded-client-cert` → `xfcc`, any other → `url-encoded-pem`. */
  readonly format?: ForwardedCertificateFormat | undefined
  /** Peers (addresses or CIDR ranges, or a function of the peer's address) whose header is believed. */
  readonly trustedProxies?: readonly string[] | ((peerAddress: string) => boolean) | undefined
  /** A header the proxy adds with a secret value; the certificate header is believed only when it matches. */
  readonly sharedSecret?: { readonly header: string; readonly value: string } | undefined
}

/**
 * The `clientCertificate` option of every adapter: `'platform'` (default) reads what the runtime
 * itself established (the TLS socket, API Gateway's `requestContext`, Workers' `cf.tlsClientAuth`);
 * `'none'` never reads one (a certificate-bound token is then refused); a
 * {@link ForwardedClientCertificate} reads a trusted proxy's header and never the platform's.
 *
 * @example
 * ```ts
 * const behindEnvoy: ClientCertificateSourceOptions = { header: 'x-forwarded-client-cert', trustedProxies: ['127.0.0.1'] }
 * app.use(tokenward({ guard, clientCertificate: behindEnvoy }))
 * ```
 */
export type ClientCertificateSourceOptions = 'platform' | 'none' | ForwardedClientCertificate

/**
 * What the platform itself knows of the client certificate: the certificate (PEM, DER or
 * `{ raw }`), or only its `x5t#S256` thumbprint.
 *
 * @example
 * ```ts
 * const fromSocket: PlatformCertificate = { certificate: { raw: socket.getPeerCertificate().raw } }
 * const fromCloudflare: PlatformCertificate = { thumbprint: sha256HexToThumbprint(cf.tlsClientAuth.certFingerprintSHA256) }
 * ```
 */
export interface PlatformCertificate {
  readonly certificate?: PresentedCertificate | undefined
  readonly thumbprint?: string | undefined
}

/**
 * What an adapter knows about a request's connection, for {@link ClientCertificateSource}.
 *
 * @example
 * ```ts
 * const connection: CertificateConnection = { headers: req.headers, peerAddress: req.socket.remoteAddress, platform: () => ({ certificate: pem }) }
 * ```
 */
export interface CertificateConnection {
  readonly headers: HeadersInput
  /** The address of the peer that connected (a proxy, or the client); absent where the platform has none (Lambda). */
  readonly peerAddress?: string | undefined
  /** Reads the platform's certificate; called only when the source is `'platform'`. */
  readonly platform?: (() => PlatformCertificate | undefined) | undefined
}

/**
 * The certificate fields of `TokenRequest`, as a source found them (both absent when none).
 *
 * @example
 * ```ts
 * const request: TokenRequest = { method, url, headers, ...certificateSource(connection) }
 * ```
 */
export interface RequestCertificate {
  readonly clientCertificate?: ClientCertificate | undefined
  readonly clientCertificateThumbprint?: string | undefined
}

/**
 * Reads a request's client certificate; built by {@link defineClientCertificateSource}.
 *
 * @example
 * ```ts
 * const source: ClientCertificateSource = defineClientCertificateSource('platform')
 * ```
 */
export type ClientCertificateSource = (connection: CertificateConnection) => RequestCertificate

const none: RequestCertificate = Object.freeze({})
const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const formats: readonly ForwardedCertificateFormat[] = ['rfc9440', 'xfcc', 'url-encoded-pem']

/**
 * Checks a `clientCertificate` option now (a `ConfigError` names each bad field under `path`:
 * `clientCertificate.header`, `clientCertificate.trustedProxies[0]`…) and returns the function
 * an adapter calls per request. A forwarded header is read only when the peer is trusted and the
 * shared secret matches (compared in constant time); a header sent more than once, or one that
 * cannot be read, counts as no certificate — never a guess.
 *
 * @example
 * ```ts
 * const source = defineClientCertificateSource({ header: 'client-cert', trustedProxies: ['10.0.0.0/8'] })
 * source({ headers: { 'client-cert': ':MIIB…:' }, peerAddress: '10.1.2.3' }) // { clientCertificate: { raw: Uint8Array } }
 * source({ headers: { 'client-cert': ':MIIB…:' }, peerAddress: '203.0.113.9' }) // {}
 * ```
 */
export function defineClientCertificateSource(options: ClientCertificateSourceOptions | undefined = 'platform', path = 'clientCertificate'): ClientCertificateSource {
  if (options === 'platform') return fromPlatform
  if (options === 'none') return () => none
  const issues: ConfigIssue[] = []
  if (typeof options !== 'object' || options === null) throw new ConfigError([{ path, message: "must be 'platform', 'none' or { header, trustedProxies and/or sharedSecret }" }])
  const header = typeof options.header === 'string' && headerName.test(options.header) ? options.header.toLowerCase() : undefined
  if (header === undefined) issues.push({ path: `${path}.header`, message: 'must be a header name such as client-cert' })
  const format = options.format ?? (header === 'client-cert' ? 'rfc9440' : header === 'x-forwarded-client-cert' ? 'xfcc' : 'url-encoded-pem')
  if (!formats.includes(format)) issues.push({ path: `${path}.format`, message: `must be one of ${formats.join(', ')}` })
  const isTrusted = definePeerTrust(options.trustedProxies, `${path}.trustedProxies`, issues)
  const secret = options.sharedSecret
  if (secret !== undefined) {
    if (typeof secret !== 'object' || secret === null) issues.push({ path: `${path}.sharedSecret`, message: 'must be { header, value }' })
    else {
      if (typeof secret.header !== 'string' || !headerName.test(secret.header)) issues.push({ path: `${path}.sharedSecret.header`, message: 'must be a header name' })
      if (typeof secret.value !== 'string' || secret.value.length < 16) issues.push({ path: `${path}.sharedSecret.value`, message: 'must be a string of at least 16 characters' })
    }
  }
  if (options.trustedProxies === undefined && secret === undefined) {
    issues.push({ path, message: 'a forwarded certificate header needs trustedProxies or sharedSecret: any client can send it' })
  }
  if (issues.length > 0) throw new ConfigError(issues)
  const name = header!
  const read = readerOf(format)
  return (connection) => {
    if (isTrusted !== undefined && (connection.peerAddress === undefined || !isTrusted(connection.peerAddress))) return none
    if (secret !== undefined) {
      const sent = headerValues(connection.headers, secret.header)
      if (sent.length !== 1 || !constantTimeEqual(sent[0]!, secret.value)) return none
    }
    return read(headerValues(connection.headers, name))
  }
}

/**
 * Turns a hex SHA-256 fingerprint (Cloudflare's `certFingerprintSHA256`, Envoy's `Hash`; either
 * case, optionally with `:` separators) into the RFC 8705 `x5t#S256` form, base64url; `undefined`
 * when it is not 32 bytes of hex.
 *
 * @example
 * ```ts
 * sha256HexToThumbprint('3E:1F…') // the same value a certificate's x5t#S256 has
 * ```
 */
export function sha256HexToThumbprint(hex: string): string | undefined {
  return typeof hex === 'string' ? xfccHashToThumbprint(hex.replace(/:/g, '')) : undefined
}

function fromPlatform(connection: CertificateConnection): RequestCertificate {
  const known = connection.platform?.()
  if (known === undefined) return none
  if (known.certificate !== undefined) {
    const der = certificateDer(known.certificate)
    return der === undefined ? none : { clientCertificate: { raw: der } }
  }
  return typeof known.thumbprint === 'string' && /^[A-Za-z0-9_-]{43}$/.test(known.thumbprint) ? { clientCertificateThumbprint: known.thumbprint } : none
}

function readerOf(format: ForwardedCertificateFormat): (values: readonly string[]) => RequestCertificate {
  const der = (raw: Uint8Array | undefined): RequestCertificate => (raw === undefined ? none : { clientCertificate: { raw } })
  if (format === 'rfc9440') return (values) => (values.length === 1 ? der(parseClientCertHeader(values[0]!)) : none)
  if (format === 'url-encoded-pem') return (values) => (values.length === 1 ? der(parseUrlEncodedPemHeader(values[0]!)) : none)
  // Envoy appends one element per proxy: the last is what the nearest proxy saw of its client.
  return (values) => {
    if (values.length === 0) return none
    const nearest = parseXfccHeader(values.join(','))?.at(-1)
    if (nearest === undefined) return none
    if (nearest.cert !== undefined) return der(nearest.cert)
    const thumbprint = nearest.hash === undefined ? undefined : xfccHashToThumbprint(nearest.hash)
    return thumbprint === undefined ? none : { clientCertificateThumbprint: thumbprint }
  }
}
