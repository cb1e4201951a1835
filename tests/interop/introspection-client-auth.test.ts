// Interop: tokenward introspects opaque tokens at a real authorization server (panva's
// oidc-provider over HTTPS with a test CA) as a client authenticated by each of the other four
// methods — client_secret_post, private_key_jwt, tls_client_auth and self_signed_tls_client_auth
// (the last two on the RFC 8705 `mtls_endpoint_aliases` listener, the certificate read by the AS
// from the TLS connection itself). Each proves an active token verifies and a revoked one is
// refused once tokenward's cache window ends (tokenward's clock moved, not waited for).
// client_secret_basic is covered by introspection-oidc-provider.test.ts.
import { X509Certificate } from 'node:crypto'
import { createVerifier, discoverServerConfig, platformHttpGet, type VerifierEvent } from '@tokenward/core'
import { exportJWK, generateKeyPair } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestCertificateAuthority, type TestCertificate } from '../../packages/core/src/platform/tls-fixture.test-support.ts'
import { basicAuthorization, httpsPost, startMtlsProvider, type MtlsProvider } from './oidc-provider-mtls.test-support.ts'

const resource = 'https://opaque-api.tokenward.test'
const scope = 'zscloud::12345::ReadOnly'
const caller = { id: 'opaque-caller', secret: 'opaque-caller-secret-0123456789abcdef' }
const post = { id: 'rs-post', secret: 'rs-post-secret-0123456789abcdef' }
const ca = createTestCertificateAuthority('tokenward interop CA')
// Issued by the AS's trusted CA, with the subject DN the `tls_client_auth` client registered.
const tlsClientCertificate: TestCertificate = ca.issueClient('tokenward-rs-tls')
// A self-signed certificate (its own CA): only its thumbprint, registered in the client's JWKS, vouches for it.
const selfSignedAuthority = createTestCertificateAuthority('tokenward-rs-self-signed')
const selfSigned: TestCertificate = { certificatePem: selfSignedAuthority.certificatePem, privateKeyPem: selfSignedAuthority.privateKeyPem }

let provider: MtlsProvider
let privateKeyJwt: Record<string, string>

beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  privateKeyJwt = { ...((await exportJWK(privateKey)) as Record<string, string>), kid: 'rs-key-1' }
  const selfSignedCert = new X509Certificate(selfSigned.certificatePem)
  provider = await startMtlsProvider({
    ca,
    clients: [
      { client_id: caller.id, client_secret: caller.secret, token_endpoint_auth_method: 'client_secret_basic' },
      { client_id: post.id, client_secret: post.secret, token_endpoint_auth_method: 'client_secret_post' },
      { client_id: 'rs-jwt', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'rs-key-1' }] } },
      { client_id: 'rs-tls', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=tokenward-rs-tls' },
      {
        client_id: 'rs-self-signed',
        token_endpoint_auth_method: 'self_signed_tls_client_auth',
        jwks: { keys: [{ ...selfSignedCert.publicKey.export({ format: 'jwk' }), x5c: [selfSignedCert.raw.toString('base64')] }] },
      },
    ],
    resources: { [resource]: { scope, accessTokenFormat: 'opaque' } },
    introspectors: [post.id, 'rs-jwt', 'rs-tls', 'rs-self-signed'],
  })
})
afterAll(() => provider?.close())

async function issueOpaqueToken(): Promise<string> {
  const r = await httpsPost(`${provider.issuer}/token`, {
    ca: ca.certificatePem,
    headers: { authorization: basicAuthorization(caller.id, caller.secret) },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope }).toString(),
  })
  if (r.status !== 200) throw new Error(`token request failed: HTTP ${r.status} ${r.body}`)
  const token = (JSON.parse(r.body) as { access_token: string }).access_token
  expect(token.split('.')).toHaveLength(1) // opaque, not a JWT
  return token
}

async function revoke(token: string): Promise<void> {
  const r = await httpsPost(`${provider.issuer}/token/revocation`, {
    ca: ca.certificatePem,
    headers: { authorization: basicAuthorization(caller.id, caller.secret) },
    body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
  })
  expect(r.status).toBe(200)
}

type Introspector = { readonly clientId: string; readonly clientAuthentication: Record<string, unknown>; readonly endpoint: () => string }
const introspectors: readonly [string, Introspector][] = [
  ['client_secret_post', { clientId: post.id, clientAuthentication: { method: 'client_secret_post', clientSecret: post.secret }, endpoint: () => `${provider.issuer}/token/introspection` }],
  ['private_key_jwt', { clientId: 'rs-jwt', clientAuthentication: { method: 'private_key_jwt', privateKey: {} }, endpoint: () => `${provider.issuer}/token/introspection` }],
  [
    'tls_client_auth',
    {
      clientId: 'rs-tls',
      clientAuthentication: { method: 'tls_client_auth', certificate: tlsClientCertificate.certificatePem, privateKey: tlsClientCertificate.privateKeyPem },
      endpoint: () => `${provider.mtlsOrigin}/token/introspection`,
    },
  ],
  [
    'self_signed_tls_client_auth',
    {
      clientId: 'rs-self-signed',
      clientAuthentication: { method: 'self_signed_tls_client_auth', certificate: selfSigned.certificatePem, privateKey: selfSigned.privateKeyPem },
      endpoint: () => `${provider.mtlsOrigin}/token/introspection`,
    },
  ],
]

const organization = { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly'] }

describe('opaque tokens from oidc-provider, introspected with each client authentication method', () => {
  it.each(introspectors)('%s: an active token verifies; a revoked one is refused after the cache window', async (method, introspector) => {
    let now = Date.now()
    const events: VerifierEvent[] = []
    const clientAuthentication = method === 'private_key_jwt' ? { method, privateKey: privateKeyJwt } : introspector.clientAuthentication
    const verifier = createVerifier({
      server: {
        name: 'OidcProviderHttps',
        issuer: provider.issuer,
        audience: resource,
        trustedCertificates: [ca.certificatePem],
        introspection: { endpoint: introspector.endpoint(), clientId: introspector.clientId, clientAuthentication, tokenTimeToLiveSeconds: 10 },
      },
      organization,
      clock: () => now,
      onEvent: (e) => events.push(e),
    })
    try {
      const token = await issueOpaqueToken()
      const accepted = await verifier.verify(token)
      expect(accepted).toMatchObject({ source: 'introspection', clientId: caller.id, audience: [resource], fromCache: false })
      expect(accepted.authorization?.adminId).toBe('oauth-ReadOnly$@12345.zscloud.net')
      expect(events).toEqual([expect.objectContaining({ type: 'introspection', status: 200, outcome: 'active' })])

      await revoke(token)
      now += 9_000
      expect((await verifier.verify(token)).fromCache).toBe(true)
      now += 1_000
      await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'token_inactive', status: 401, stage: 'introspect' })
      expect(events.at(-1)).toMatchObject({ type: 'introspection', status: 200, outcome: 'inactive' })
    } finally {
      await verifier.close()
    }
  })

  it('tls_client_auth: the mTLS alias comes from discovery (RFC 8705 §5), and a certificate the AS cannot verify is 503, never 401', async () => {
    const server = await discoverServerConfig(
      {
        name: 'OidcProviderDiscovered',
        issuer: provider.issuer,
        discovery: true,
        audience: resource,
        trustedCertificates: [ca.certificatePem],
        introspection: {
          clientId: 'rs-tls',
          clientAuthentication: { method: 'tls_client_auth', certificate: tlsClientCertificate.certificatePem, privateKey: tlsClientCertificate.privateKeyPem },
        },
      },
      { httpGet: platformHttpGet() },
    )
    expect(server.introspection?.endpoint).toBe(`${provider.mtlsOrigin}/token/introspection`)
    const verifier = createVerifier({ server, organization })
    const token = await issueOpaqueToken()
    expect(await verifier.verify(token)).toMatchObject({ source: 'introspection', clientId: caller.id })
    await verifier.close()

    // The self-signed certificate on the tls_client_auth client: the AS refuses tokenward's own
    // authentication (401 invalid_client), which is tokenward's misconfiguration, not the caller's.
    const events: VerifierEvent[] = []
    const misconfigured = createVerifier({
      server: {
        ...server,
        introspection: {
          ...server.introspection!,
          clientAuthentication: { method: 'tls_client_auth', certificate: selfSigned.certificatePem, privateKey: selfSigned.privateKeyPem },
        },
      },
      organization,
      onEvent: (e) => events.push(e),
    })
    const verdict = await misconfigured.verifyRequest({ method: 'GET', url: `${resource}/orders`, headers: { authorization: `Bearer ${token}` } })
    expect(!verdict.ok && [verdict.response.status, verdict.error.code]).toEqual([503, 'introspection_unavailable'])
    expect(events).toEqual([expect.objectContaining({ outcome: 'misconfigured', status: 401 })])
    await misconfigured.close()
  })
})
