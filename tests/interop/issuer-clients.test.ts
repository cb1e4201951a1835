// Real clients nobody here wrote obtain tokens from @tokenward/issuer served over HTTP on
// 127.0.0.1: oauth4webapi with client_secret_basic, client_secret_post and private_key_jwt (keys by
// JWKS URL, by certificate, by public key PEM and JWK). jose verifies every token against the
// published JWKS, and tokenward's own verifier accepts it with the organization's API roles.
import { createVerifier } from '@tokenward/core'
import { createInMemoryClientStore, createIssuer, createPbkdf2SecretHasher, defineApiClient, generateClientSecret, type Issuer } from '@tokenward/issuer'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  makeClientCertificate,
  makeClientKeys,
  serveHandler,
  serveJwks,
  type ClientKeys,
  type RunningServer,
} from '../../packages/issuer/src/testing/issuer-fixture.test-support.ts'

const organization = { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly', 'Admin'] }
const hasher = createPbkdf2SecretHasher({ iterations: 10_000 })

let server: RunningServer
let jwksServer: RunningServer
let issuer: Issuer
let secret: string
let jwksKeys: ClientKeys
let pemKeys: ClientKeys
let jwkKeys: ClientKeys
let certificateKey: CryptoKey
let as: oauth.AuthorizationServer

beforeAll(async () => {
  jwksKeys = await makeClientKeys('jwks-1', 'RS256')
  pemKeys = await makeClientKeys('pem-1')
  jwkKeys = await makeClientKeys('jwk-1')
  const certificate = await makeClientCertificate(new Date(Date.now() - 3_600_000), new Date(Date.now() + 86_400_000))
  certificateKey = certificate.privateKey as CryptoKey
  jwksServer = await serveJwks([jwksKeys.publicJwk])
  const generated = await generateClientSecret(hasher)
  secret = generated.secret
  const clients = createInMemoryClientStore(
    [
      defineApiClient({ clientId: 'secret-client', roles: ['ReadOnly', 'Admin'], authentication: { method: 'client_secret', secretHashes: [generated.hash] } }),
      defineApiClient({ clientId: 'jwks-client', roles: ['ReadOnly'], authentication: { method: 'private_key_jwt', jwksUrl: `${jwksServer.origin}/jwks.json` } }),
      defineApiClient({ clientId: 'cert-client', roles: ['ReadOnly'], authentication: { method: 'private_key_jwt', certificate: certificate.certificatePem } }),
      defineApiClient({ clientId: 'pem-client', roles: ['Admin'], authentication: { method: 'private_key_jwt', publicKey: pemKeys.publicPem } }),
      defineApiClient({ clientId: 'jwk-client', roles: ['ReadOnly'], authentication: { method: 'private_key_jwt', publicKey: jwkKeys.publicJwk as never } }),
    ].map((c) => ['12345', c] as const),
  )
  server = await serveHandler((request, origin) => {
    issuer ??= createIssuer({ issuer: origin, organization, clients, secretHasher: hasher, clientJwks: { addressPolicy: null } })
    return issuer.handle(request)
  })
  // Build the issuer before the first request so discovery and tokens share it.
  await fetch(`${server.origin}/jwks`)
  const issuerUrl = new URL(server.origin)
  as = await oauth.processDiscoveryResponse(issuerUrl, await oauth.discoveryRequest(issuerUrl, { algorithm: 'oauth2', [oauth.allowInsecureRequests]: true }))
})
afterAll(async () => {
  await issuer.close()
  await server.close()
  await jwksServer.close()
})

async function obtain(clientId: string, auth: oauth.ClientAuth, scope?: string): Promise<oauth.TokenEndpointResponse> {
  const client: oauth.Client = { client_id: clientId }
  const parameters = new URLSearchParams(scope === undefined ? {} : { scope })
  const response = await oauth.clientCredentialsGrantRequest(as, client, auth, parameters, { [oauth.allowInsecureRequests]: true })
  return oauth.processClientCredentialsResponse(as, client, response)
}

async function expectValid(accessToken: string, clientId: string, roles: string[]): Promise<void> {
  const { payload, protectedHeader } = await jwtVerify(accessToken, createRemoteJWKSet(new URL(as.jwks_uri!)), {
    issuer: as.issuer,
    audience: as.issuer,
    typ: 'at+jwt',
  })
  expect(protectedHeader.alg).toBe('ES256')
  expect(payload).toMatchObject({ sub: clientId, client_id: clientId, scope: roles.map((r) => `zscloud::12345::${r}`).join(' ') })
  expect(typeof payload.jti).toBe('string')
  const verifier = createVerifier({ server: { name: 'OneApi', jwksUrl: as.jwks_uri!, issuer: as.issuer, audience: as.issuer, requireAccessTokenType: true }, organization, cache: false })
  const verified = await verifier.verify(accessToken, { requiredRoles: roles })
  expect(verified.clientId).toBe(clientId)
  expect(verified.authorization?.adminId).toBe(`oauth-${verified.authorization?.apiRole.role}$@12345.zscloud.net`)
  await verifier.close()
}

describe('oauth4webapi obtains tokens from @tokenward/issuer', () => {
  it('discovers the RFC 8414 metadata', () => {
    expect(as).toMatchObject({ issuer: server.origin, token_endpoint: `${server.origin}/token`, jwks_uri: `${server.origin}/jwks` })
  })

  it('client_secret_basic', async () => {
    const tokens = await obtain('secret-client', oauth.ClientSecretBasic(secret))
    expect(tokens.token_type).toBe('bearer')
    await expectValid(tokens.access_token, 'secret-client', ['ReadOnly', 'Admin'])
  })

  it('client_secret_post, narrowed to one role', async () => {
    const tokens = await obtain('secret-client', oauth.ClientSecretPost(secret), 'zscloud::12345::Admin')
    await expectValid(tokens.access_token, 'secret-client', ['Admin'])
  })

  it('private_key_jwt, keys by JWKS URL (RS256)', async () => {
    const tokens = await obtain('jwks-client', oauth.PrivateKeyJwt({ key: jwksKeys.privateKey as CryptoKey, kid: 'jwks-1' }))
    await expectValid(tokens.access_token, 'jwks-client', ['ReadOnly'])
  })

  it('private_key_jwt, key by certificate', async () => {
    const tokens = await obtain('cert-client', oauth.PrivateKeyJwt(certificateKey))
    await expectValid(tokens.access_token, 'cert-client', ['ReadOnly'])
  })

  it('private_key_jwt, key by PEM public key', async () => {
    const tokens = await obtain('pem-client', oauth.PrivateKeyJwt({ key: pemKeys.privateKey as CryptoKey, kid: 'pem-1' }))
    await expectValid(tokens.access_token, 'pem-client', ['Admin'])
  })

  it('private_key_jwt, key by JWK', async () => {
    const tokens = await obtain('jwk-client', oauth.PrivateKeyJwt(jwkKeys.privateKey as CryptoKey))
    await expectValid(tokens.access_token, 'jwk-client', ['ReadOnly'])
  })

  it('oauth4webapi sees the RFC 6749 §5.2 error for a role the client lacks', async () => {
    await expect(obtain('jwk-client', oauth.PrivateKeyJwt(jwkKeys.privateKey as CryptoKey), 'zscloud::12345::Admin')).rejects.toMatchObject({ error: 'invalid_scope', status: 400 })
  })
})
