// Interop: @tokenward/client against panva's oidc-provider (a certified authorization server) over
// HTTPS on 127.0.0.1 with a test CA: client_secret_basic, client_secret_post, private_key_jwt,
// tls_client_auth on the mTLS alias the metadata names (RFC 8705 §5), and DPoP with the
// provider's nonces (RFC 9449 §8). The token endpoint is found by discovery every time.
import { randomBytes, X509Certificate } from 'node:crypto'
import { createServer as createHttpsServer, type Server } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { createTokenClient, type TokenClientOptions } from '@tokenward/client'
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose'
import Provider, { errors } from 'oidc-provider'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestCertificateAuthority, type TestCertificate } from '../../packages/core/src/platform/tls-fixture.test-support.ts'

const resource = 'https://api.tokenward.test'
const scope = 'zscloud::12345::ReadOnly'
const clientSecret = 'orders-secret-0123456789abcdef:+/'

let ca: ReturnType<typeof createTestCertificateAuthority>
let clientCertificate: TestCertificate
let servers: Server[] = []
let issuer: string
let mtlsTokenEndpoint: string
let privateJwk: Record<string, string>
const tokenRequests: { port: number; dpop: boolean; nonce: string | undefined }[] = []

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  servers.push(server)
  return (server.address() as AddressInfo).port
}

const peerCertificate = (ctx: { socket: TLSSocket }): X509Certificate | undefined => {
  const raw = ctx.socket.getPeerCertificate?.()?.raw
  return raw === undefined ? undefined : new X509Certificate(raw)
}

beforeAll(async () => {
  ca = createTestCertificateAuthority()
  const serverCertificate = ca.issue({ ipAddresses: ['127.0.0.1'] })
  clientCertificate = ca.issueClient('orders-mtls')
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  privateJwk = { ...((await exportJWK(privateKey)) as Record<string, string>), kid: 'pk-1' }
  const publicJwk = { ...(await exportJWK(publicKey)), kid: 'pk-1', alg: 'ES256', use: 'sig' }
  const { privateKey: asKey } = await generateKeyPair('ES256', { extractable: true })

  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method === 'POST' && new URL(req.url ?? '/', 'https://x').pathname === '/token') {
      const proof = req.headers.dpop
      const nonce = typeof proof === 'string' ? (JSON.parse(Buffer.from(proof.split('.')[1]!, 'base64url').toString()) as { nonce?: string }).nonce : undefined
      tokenRequests.push({ port: req.socket.localPort ?? 0, dpop: typeof proof === 'string', nonce })
    }
    handler === undefined ? res.writeHead(503).end() : handler(req, res)
  }
  const tls = { cert: serverCertificate.certificatePem, key: serverCertificate.privateKeyPem }
  const port = await listen(createHttpsServer(tls, handle))
  // The mTLS alias: the same provider behind a listener that asks for a client certificate.
  const mtlsPort = await listen(createHttpsServer({ ...tls, ca: ca.certificatePem, requestCert: true, rejectUnauthorized: true }, handle))
  issuer = `https://127.0.0.1:${port}`
  mtlsTokenEndpoint = `https://127.0.0.1:${mtlsPort}/token`

  const common = { grant_types: ['client_credentials'], response_types: [], redirect_uris: [], id_token_signed_response_alg: 'ES256' }
  const provider = new Provider(issuer, {
    jwks: { keys: [{ ...(await exportJWK(asKey)), kid: 'as-1', alg: 'ES256', use: 'sig' }] },
    ttl: { ClientCredentials: 600 },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'tls_client_auth'],
    clients: [
      { client_id: 'basic-client', client_secret: clientSecret, token_endpoint_auth_method: 'client_secret_basic', ...common },
      { client_id: 'post-client', client_secret: clientSecret, token_endpoint_auth_method: 'client_secret_post', ...common },
      { client_id: 'jwt-client', token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'ES256', jwks: { keys: [publicJwk] }, ...common },
      { client_id: 'mtls-client', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=orders-mtls', ...common },
    ],
    discovery: { mtls_endpoint_aliases: { token_endpoint: mtlsTokenEndpoint } },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true },
      mTLS: {
        enabled: true,
        tlsClientAuth: true,
        getCertificate: (ctx: { socket: TLSSocket }) => peerCertificate(ctx)?.toString(),
        certificateAuthorized: (ctx: { socket: TLSSocket }) => ctx.socket.authorized === true,
        certificateSubjectMatches: (ctx: { socket: TLSSocket }, property: string, expected: string) =>
          property === 'tls_client_auth_subject_dn' && peerCertificate(ctx)?.subject.replaceAll('\n', ',') === expected,
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => resource,
        getResourceServerInfo: async (_ctx: unknown, indicator: string) => {
          if (indicator !== resource) throw new errors.InvalidTarget()
          return { scope, audience: resource, accessTokenFormat: 'jwt', accessTokenTTL: 600, jwt: { sign: { alg: 'ES256' } } }
        },
      },
    },
  } as never)
  handler = provider.callback()
}, 60_000)

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => (s.closeAllConnections(), s.close(() => resolve())))))
  servers = []
})

const make = (options: Partial<TokenClientOptions> & Pick<TokenClientOptions, 'clientId' | 'clientAuthentication'>) =>
  createTokenClient({ issuer, trustedCertificates: [ca.certificatePem], scope, resource, ...options })

describe('@tokenward/client against oidc-provider (HTTPS, test CA)', () => {
  it.each([
    ['client_secret_basic', 'basic-client'],
    ['client_secret_post', 'post-client'],
  ] as const)('%s', async (method, clientId) => {
    const client = make({ clientId, clientAuthentication: { method, clientSecret } })
    const token = await client.getToken()
    expect(token).toMatchObject({ tokenType: 'Bearer', scope })
    expect(token.accessToken.split('.')).toHaveLength(3)
    expect(await client.getToken()).toBe(token)
  })

  it('private_key_jwt (assertion aud = the issuer)', async () => {
    const client = make({ clientId: 'jwt-client', clientAuthentication: { method: 'private_key_jwt', privateKey: privateJwk } })
    await expect(client.getToken()).resolves.toMatchObject({ tokenType: 'Bearer', scope })
  })

  it('tls_client_auth over the mTLS alias from the metadata, with the client certificate in the handshake', async () => {
    tokenRequests.length = 0
    const client = make({ clientId: 'mtls-client', clientAuthentication: { method: 'tls_client_auth', certificate: clientCertificate.certificatePem, privateKey: clientCertificate.privateKeyPem } })
    await expect(client.getToken()).resolves.toMatchObject({ tokenType: 'Bearer', scope })
    expect(tokenRequests.map((r) => r.port)).toEqual([Number(new URL(mtlsTokenEndpoint).port)])
  })

  it('tls_client_auth with a certificate from another CA is refused in the handshake: unavailable, not a token', async () => {
    const stranger = createTestCertificateAuthority('stranger CA').issueClient('orders-mtls')
    const client = make({ clientId: 'mtls-client', clientAuthentication: { method: 'tls_client_auth', certificate: stranger.certificatePem, privateKey: stranger.privateKeyPem }, retry: { maxAttempts: 1 } })
    await expect(client.getToken()).rejects.toMatchObject({ _tag: 'TokenEndpointUnavailableError' })
  })

  it('DPoP: answers the provider\'s use_dpop_nonce once and gets a DPoP-bound token (cnf.jkt of its key)', async () => {
    tokenRequests.length = 0
    const client = make({ clientId: 'basic-client', clientAuthentication: { method: 'client_secret_basic', clientSecret }, dpop: true })
    const token = await client.getToken()
    expect(token.tokenType).toBe('DPoP')
    expect(tokenRequests.map((r) => ({ dpop: r.dpop, nonce: r.nonce === undefined ? 'none' : 'sent' }))).toEqual([
      { dpop: true, nonce: 'none' },
      { dpop: true, nonce: 'sent' },
    ])
    const [, payload] = token.accessToken.split('.')
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as { cnf?: { jkt?: string } }
    expect(claims.cnf?.jkt).toBe(await calculateJwkThumbprint((await client.dpopPublicKey()) as never, 'sha256'))
    // A second token (another scope key) reuses the remembered nonce: no new challenge.
    tokenRequests.length = 0
    await client.getToken({ forceRefresh: true })
    expect(tokenRequests).toHaveLength(1)
  })
})
