// Test support: panva's oidc-provider over HTTPS (a test CA) with a second listener for its
// RFC 8705 `mtls_endpoint_aliases`: that listener asks every client for a certificate (and lets
// an unverified one through, so `self_signed_tls_client_auth` can work), and oidc-provider's
// `features.mTLS` reads the certificate from the TLS socket of the request itself — never from a
// header, which any client could send. One provider serves both listeners.
import { X509Certificate } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { request as httpsRequest, createServer as createHttpsServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { exportJWK, generateKeyPair } from 'jose'
import Provider, { errors } from 'oidc-provider'
import type { TestCertificate, TestCertificateAuthority } from '../../packages/core/src/platform/tls-fixture.test-support.ts'

/** A client registration, passed to oidc-provider as is. */
export type ClientMetadata = Record<string, unknown>

/** What a resource server registers at the AS: token format and whether tokens are sender-constrained. */
export interface ResourceServerInfo {
  readonly scope: string
  readonly accessTokenFormat: 'jwt' | 'opaque'
}

export interface MtlsProviderOptions {
  /** The CA that issued the listeners' server certificate and verifies `tls_client_auth` certificates. */
  readonly ca: TestCertificateAuthority
  readonly clients: readonly ClientMetadata[]
  /** Resource indicator → what tokens for it look like. */
  readonly resources: Readonly<Record<string, ResourceServerInfo>>
  /** Clients allowed to introspect (default: none). */
  readonly introspectors?: readonly string[] | undefined
  /** Require an AS-issued `DPoP-Nonce` on token requests with DPoP. Default false. */
  readonly requireDpopNonce?: boolean | undefined
}

export interface MtlsProvider {
  /** `https://127.0.0.1:<port>`: the ordinary endpoints. */
  readonly issuer: string
  /** `https://127.0.0.1:<port>` of the listener behind `mtls_endpoint_aliases`. */
  readonly mtlsOrigin: string
  /** The provider's metadata, as served. */
  readonly discovery: Record<string, unknown>
  close(): Promise<void>
}

/** The PEM of the certificate the client presented on this request's own TLS connection. */
const peerCertificate = (ctx: { socket: unknown }): string | undefined => {
  const socket = ctx.socket as Partial<TLSSocket>
  if (typeof socket.getPeerX509Certificate !== 'function') return undefined
  return socket.getPeerX509Certificate()?.toString()
}

export async function startMtlsProvider(options: MtlsProviderOptions): Promise<MtlsProvider> {
  const serverCertificate: TestCertificate = options.ca.issue({ ipAddresses: ['127.0.0.1'] })
  const tls = { cert: serverCertificate.certificatePem, key: serverCertificate.privateKeyPem }
  let handler: ReturnType<Provider['callback']> | undefined
  const route = (req: IncomingMessage, res: ServerResponse): void => void (handler === undefined ? res.writeHead(503).end() : handler(req, res))
  const main: Server = createHttpsServer(tls, route)
  // The mTLS alias: the certificate is asked for, checked against the CA (socket.authorized), and
  // an unverified one still reaches the provider, which decides per client authentication method.
  const mtls: Server = createHttpsServer({ ...tls, ca: options.ca.certificatePem, requestCert: true, rejectUnauthorized: false }, route)
  const listen = (server: Server) =>
    new Promise<string>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve(`https://127.0.0.1:${(server.address() as AddressInfo).port}`))
    })
  const issuer = await listen(main)
  const mtlsOrigin = await listen(mtls)

  const { privateKey } = await generateKeyPair('ES256', { extractable: true })
  const introspectors = new Set(options.introspectors ?? [])
  const provider = new Provider(issuer, {
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'as-1', alg: 'ES256', use: 'sig' }] },
    ttl: { ClientCredentials: 600 },
    // The tests move tokenward's clock ahead to end its cache window; client assertions then
    // carry an `iat` a few seconds in the AS's future.
    clockTolerance: 30,
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'tls_client_auth', 'self_signed_tls_client_auth'],
    clients: options.clients.map((c) => ({ grant_types: ['client_credentials'], response_types: [], redirect_uris: [], id_token_signed_response_alg: 'ES256', ...c })),
    discovery: {
      mtls_endpoint_aliases: {
        token_endpoint: `${mtlsOrigin}/token`,
        introspection_endpoint: `${mtlsOrigin}/token/introspection`,
        revocation_endpoint: `${mtlsOrigin}/token/revocation`,
      },
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true, allowedPolicy: async (_ctx: unknown, client: { clientId: string }) => introspectors.has(client.clientId) },
      revocation: { enabled: true, allowedPolicy: async (_ctx: unknown, client: { clientId: string }, token: { clientId: string }) => client.clientId === token.clientId },
      dPoP: { enabled: true, ...(options.requireDpopNonce ? { nonceSecret: Buffer.alloc(32, 7), requireNonce: () => true } : {}) },
      mTLS: {
        enabled: true,
        certificateBoundAccessTokens: true,
        tlsClientAuth: true,
        selfSignedTlsClientAuth: true,
        getCertificate: peerCertificate,
        certificateAuthorized: (ctx: { socket: unknown }) => (ctx.socket as Partial<TLSSocket>).authorized === true,
        certificateSubjectMatches: (ctx: { socket: unknown }, property: string, expected: string) => {
          const pem = peerCertificate(ctx)
          if (pem === undefined) return false
          const certificate = new X509Certificate(pem)
          if (property === 'tls_client_auth_subject_dn') return certificate.subject.split('\n').join(',') === expected
          if (property === 'tls_client_auth_san_dns') return (certificate.subjectAltName ?? '').split(', ').includes(`DNS:${expected}`)
          return false
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => undefined,
        getResourceServerInfo: async (_ctx: unknown, indicator: string) => {
          const info = options.resources[indicator]
          if (info === undefined) throw new errors.InvalidTarget()
          return { scope: info.scope, audience: indicator, accessTokenFormat: info.accessTokenFormat, accessTokenTTL: 600, ...(info.accessTokenFormat === 'jwt' ? { jwt: { sign: { alg: 'ES256' } } } : {}) }
        },
      },
    },
  })
  handler = provider.callback()
  const discovery = JSON.parse((await httpsPost(`${issuer}/.well-known/openid-configuration`, { method: 'GET', ca: options.ca.certificatePem })).body) as Record<string, unknown>
  return {
    issuer,
    mtlsOrigin,
    discovery,
    close: async () => {
      for (const server of [main, mtls]) {
        server.closeAllConnections()
        await new Promise<void>((resolve) => server.close(() => resolve()))
      }
    },
  }
}

export interface HttpsAnswer {
  readonly status: number
  readonly headers: Record<string, string | string[] | undefined>
  readonly body: string
}

/** One HTTPS request trusting `ca`, optionally with a client certificate (bounded by a timeout). */
export function httpsPost(
  url: string,
  options: { readonly method?: string; readonly ca: string; readonly headers?: Record<string, string>; readonly body?: string; readonly certificate?: TestCertificate | undefined },
): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method: options.method ?? 'POST',
        ca: options.ca,
        headers: { ...(options.body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }), accept: 'application/json', ...options.headers },
        timeout: 5000,
        ...(options.certificate === undefined ? {} : { cert: options.certificate.certificatePem, key: options.certificate.privateKeyPem }),
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
        res.on('error', reject)
      },
    )
    req.on('timeout', () => req.destroy(new Error(`timed out: ${url}`)))
    req.on('error', reject)
    req.end(options.body)
  })
}

/** HTTP Basic credentials per RFC 6749 §2.3.1 (form-encoded ID and secret). */
export const basicAuthorization = (id: string, secret: string): string =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`
