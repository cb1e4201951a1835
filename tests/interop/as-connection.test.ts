// Interop: the connection to a real authorization server (panva's oidc-provider over HTTPS with a
// test CA). tokenward discovers the provider's metadata (RFC 8414 location first; oidc-provider
// serves both it and the OpenID Connect one) and obtains a token through the POST client with Basic client
// authentication, as the introspection stage will.
import {
  clientAuthenticationFor,
  createDiscoveryClient,
  defineClientAuthentication,
  platformHttpGet,
  platformHttpPost,
  withTargets,
  type DiscoveryEvent,
} from '@tokenward/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestCertificateAuthority } from '../../packages/core/src/platform/tls-fixture.test-support.ts'
import { apiResource, client, makeSigningKey, startOidcProvider, type LocalOidcProvider } from './local-oidc-provider.test-support.ts'

const ca = createTestCertificateAuthority()
let provider: LocalOidcProvider

beforeAll(async () => {
  provider = await startOidcProvider({ keys: [await makeSigningKey('RS256', 'k1')], certificate: ca.issue({ ipAddresses: ['127.0.0.1'] }), caPem: ca.certificatePem })
})
afterAll(() => provider.close())

describe('tokenward ↔ oidc-provider: discovery and an authenticated POST', () => {
  it('discovers the provider metadata at the RFC 8414 location (and the OIDC one by URL), with the exact issuer', async () => {
    const events: DiscoveryEvent[] = []
    const discovery = createDiscoveryClient({
      issuer: provider.issuer,
      discovery: true,
      httpGet: platformHttpGet(),
      trustedCertificates: [ca.certificatePem],
      trustMode: 'only',
      onEvent: (e) => events.push(e),
    })
    const metadata = await discovery.metadata()
    expect(metadata).toMatchObject({
      issuer: provider.discovery.issuer,
      jwksUri: provider.discovery.jwks_uri,
      tokenEndpoint: provider.discovery.token_endpoint,
      source: `${provider.issuer}/.well-known/oauth-authorization-server`,
    })
    expect(events).toMatchObject([{ type: 'discovery_fetched' }])
    const oidc = createDiscoveryClient({
      issuer: provider.issuer,
      discovery: `${provider.issuer}/.well-known/openid-configuration`,
      httpGet: platformHttpGet(),
      trustedCertificates: [ca.certificatePem],
    })
    expect(await oidc.metadata()).toMatchObject({ jwksUri: provider.discovery.jwks_uri, tokenEndpoint: provider.discovery.token_endpoint })
    // A configured issuer that differs by a trailing slash does not use the document.
    const strict = createDiscoveryClient({ issuer: `${provider.issuer}/`, discovery: true, httpGet: platformHttpGet(), trustedCertificates: [ca.certificatePem] })
    await expect(strict.metadata()).rejects.toMatchObject({ _tag: 'DiscoveryError', kind: 'issuer_mismatch' })
  })

  it('authenticates with client_secret_basic through the POST client, failing over from a dead origin', async () => {
    const metadata = await createDiscoveryClient({ issuer: provider.issuer, discovery: true, httpGet: platformHttpGet(), trustedCertificates: [ca.certificatePem] }).metadata()
    const auth = defineClientAuthentication({ method: 'client_secret_basic', clientSecret: client.secret }, 'clientAuthentication')
    if (!auth.ok) throw new Error('bad config')
    const endpoint = new URL(metadata.tokenEndpoint!)
    const parts = await clientAuthenticationFor(auth.value, { clientId: client.id, issuer: provider.issuer, endpoint, now: Date.now() })
    const body = new URLSearchParams({ grant_type: 'client_credentials', resource: apiResource, scope: 'zscloud::12345::ReadOnly', ...parts.form })
    const dead = new URL(endpoint)
    dead.port = '1'
    const post = withTargets([endpoint.origin], platformHttpPost())
    const response = await post({
      url: dead,
      timeoutMs: 5000,
      maxBytes: 65536,
      certificateValidation: true,
      trustedCertificates: [ca.certificatePem],
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...parts.headers },
      body: body.toString(),
    })
    const answer = JSON.parse(new TextDecoder().decode(response.body)) as Record<string, unknown>
    expect(response.status).toBe(200)
    expect(answer).toMatchObject({ token_type: 'Bearer' })
    expect(typeof answer.access_token).toBe('string')
    // A wrong secret is the server's 401, returned as is (never retried on another origin).
    const wrong = defineClientAuthentication({ method: 'client_secret_basic', clientSecret: 'wrong' }, 'clientAuthentication')
    if (!wrong.ok) throw new Error('bad config')
    const wrongParts = await clientAuthenticationFor(wrong.value, { clientId: client.id, issuer: provider.issuer, endpoint, now: Date.now() })
    const refused = await post({
      url: endpoint,
      timeoutMs: 5000,
      maxBytes: 65536,
      certificateValidation: true,
      trustedCertificates: [ca.certificatePem],
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...wrongParts.headers },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: apiResource }).toString(),
    })
    expect(refused.status).toBe(401)
  })
})
