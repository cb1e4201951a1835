// Interop with a real authorization server: panva's oidc-provider (OpenID Certified) as the
// customer's authorization server. Tokens come from its token endpoint through a real
// client-credentials request; tokenward is configured only from what the provider publishes
// (discovery `issuer` and `jwks_uri`) plus the API's resource indicator as audience.
import { decodeProtectedHeader } from 'jose'
import {
  createVerifier,
  isVerificationError,
  validateAuthorizationServer,
  type AuthorizationServerInput,
  type OrganizationAccess,
  type VerificationError,
  type Verifier,
  type VerifierEvent,
} from '@tokenward/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestCertificateAuthority, type TestCertificateAuthority } from '../../packages/core/src/platform/tls-fixture.test-support.ts'
import {
  apiResource,
  client,
  makeSigningKey,
  otherResource,
  startOidcProvider,
  type LocalOidcProvider,
  type SigningKey,
} from './local-oidc-provider.test-support.ts'

const organization: OrganizationAccess = { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly'] }
const readOnly = 'zscloud::12345::ReadOnly'

/** The config an API owner would store for this customer, from the provider's discovery document. */
const serverConfig = (provider: LocalOidcProvider, extra: Partial<AuthorizationServerInput> = {}): AuthorizationServerInput => ({
  name: 'CustomerOidcProvider',
  jwksUrl: provider.discovery.jwks_uri,
  issuer: provider.discovery.issuer,
  audience: apiResource,
  clientId: client.id,
  requireAccessTokenType: true,
  ...extra,
})

async function refusal(promise: Promise<unknown>): Promise<VerificationError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  )
  if (!isVerificationError(outcome)) throw new Error(`expected a tokenward error, got ${String(outcome)}`)
  return outcome
}

describe.each(['RS256', 'ES256'] as const)('oidc-provider issuing %s JWT access tokens over plain HTTP', (alg) => {
  let provider: LocalOidcProvider
  let verifier: Verifier
  let key: SigningKey

  beforeAll(async () => {
    key = await makeSigningKey(alg, `customer-${alg.toLowerCase()}-1`)
    provider = await startOidcProvider({ keys: [key] })
    verifier = createVerifier({ server: serverConfig(provider, { algorithms: [alg] }), organization })
  })
  afterAll(async () => {
    await verifier?.close()
    await provider?.close()
  })

  it('publishes what tokenward is configured from', () => {
    expect(provider.discovery.issuer).toBe(provider.issuer)
    expect(provider.discovery.jwks_uri).toBe(`${provider.issuer}/jwks`)
    expect(provider.discovery.grant_types_supported).toContain('client_credentials')
  })

  it('accepts the access tokens it issues: client, API role and audit admin ID', async () => {
    const token = await provider.requestToken({ resource: apiResource, scope: readOnly })
    // oidc-provider types its JWT access tokens as RFC 9068 asks.
    expect(decodeProtectedHeader(token)).toEqual({ alg, kid: key.kid, typ: 'at+jwt' })

    const verified = await verifier.verify(token)
    expect(verified).toMatchObject({
      authorizationServer: 'CustomerOidcProvider',
      clientId: client.id,
      clientIdClaim: 'client_id',
      subject: client.id, // RFC 9068 §2.2: sub is the client for client credentials
      issuer: provider.issuer,
      audience: [apiResource],
      scopes: [readOnly],
      roles: [],
      apiRoles: [{ cloud: 'zscloud', orgId: '12345', role: 'ReadOnly' }],
      header: { alg, kid: key.kid, typ: 'at+jwt' },
      uncheckedClaims: [],
      authorization: { apiRole: { cloud: 'zscloud', orgId: '12345', role: 'ReadOnly' }, adminId: 'oauth-ReadOnly$@12345.zscloud.net' },
      fromCache: false,
    })
    expect(typeof verified.claims.jti).toBe('string')
    expect(verified.expiresAt - (verified.issuedAt ?? 0)).toBe(600)
  })

  it('accepts them through verifyRequest (Authorization header) too', async () => {
    const token = await provider.requestToken({ resource: apiResource, scope: `${readOnly} zscloud::12345::Admin` })
    const verdict = await verifier.verifyRequest({ method: 'GET', url: 'https://api.tokenward.test/orders', headers: { authorization: `Bearer ${token}` } })
    expect(verdict.ok).toBe(true)
    if (verdict.ok) expect(verdict.token.authorization?.adminId).toBe('oauth-ReadOnly$@12345.zscloud.net')
  })

  it('refuses a token it issued for another resource (invalid_audience, 401)', async () => {
    const token = await provider.requestToken({ resource: otherResource, scope: readOnly })
    const error = await refusal(verifier.verify(token))
    expect(error).toMatchObject({ code: 'invalid_audience', status: 401, oauthError: 'invalid_token', claim: 'aud', expected: [apiResource], actual: [otherResource] })
  })

  it('refuses a token carrying only another organization’s role (insufficient_scope, 403)', async () => {
    const token = await provider.requestToken({ resource: apiResource, scope: 'zscloud::99999::ReadOnly' })
    const verdict = await verifier.verifyRequest({ method: 'GET', url: 'https://api.tokenward.test/orders', headers: { authorization: `Bearer ${token}` } })
    expect(verdict.ok).toBe(false)
    if (!verdict.ok) {
      expect(verdict.error.code).toBe('insufficient_scope')
      expect(verdict.response.status).toBe(403)
      expect(verdict.response.headers['www-authenticate']).toContain(`scope="${readOnly}"`)
    }
  })

  it('fetched the provider’s JWK Set once for all of the above', () => {
    expect(provider.jwksFetches).toBe(1)
  })
})

describe('oidc-provider rotating its signing key', () => {
  let provider: LocalOidcProvider
  let verifier: Verifier
  let oldKey: SigningKey
  let newKey: SigningKey
  const events: VerifierEvent[] = []

  beforeAll(async () => {
    oldKey = await makeSigningKey('RS256', 'rotation-old')
    newKey = await makeSigningKey('RS256', 'rotation-new')
    provider = await startOidcProvider({ keys: [oldKey] })
    verifier = createVerifier({ server: serverConfig(provider), organization, onEvent: (event) => void events.push(event) })
  })
  afterAll(async () => {
    await verifier?.close()
    await provider?.close()
  })

  it('picks up the new key with exactly one extra JWKS fetch', async () => {
    const before = await provider.requestToken({ resource: apiResource, scope: readOnly })
    expect((await verifier.verify(before)).header.kid).toBe('rotation-old')
    expect(provider.jwksFetches).toBe(1)

    // The customer restarts its authorization server with a new signing key first in its JWK
    // Set, keeping the old one published for tokens already out there.
    provider.restartWithKeys([newKey, oldKey])
    const after = await provider.requestToken({ resource: apiResource, scope: readOnly })
    expect(decodeProtectedHeader(after).kid).toBe('rotation-new')

    const verified = await verifier.verify(after)
    expect(verified.header.kid).toBe('rotation-new')
    expect(verified.authorization?.adminId).toBe('oauth-ReadOnly$@12345.zscloud.net')
    expect(provider.jwksFetches).toBe(2)

    // More tokens on either key, even with the verified-token cache emptied: no further fetch.
    await verifier.clearCache()
    await Promise.all([
      verifier.verify(after),
      verifier.verify(before),
      provider.requestToken({ resource: apiResource, scope: readOnly }).then((t) => verifier.verify(t)),
      provider.requestToken({ resource: apiResource, scope: readOnly }).then((t) => verifier.verify(t)),
    ])
    expect(provider.jwksFetches).toBe(2)

    const fetched = events.filter((e) => e.type === 'jwks_fetched')
    expect(fetched.map((e) => [e.reason, e.keyCount, e.changed])).toEqual([
      ['initial', 1, true],
      ['unknown_kid', 2, true],
    ])
    expect(events.filter((e) => e.type !== 'jwks_fetched')).toEqual([])
    expect((await verifier.status()).fetchCount).toBe(2)
  })
})

describe('oidc-provider served over HTTPS with a certificate authority the test creates', () => {
  let ca: TestCertificateAuthority
  let provider: LocalOidcProvider
  const verifiers: Verifier[] = []
  const make = (extra: Partial<AuthorizationServerInput>): Verifier => {
    const v = createVerifier({ server: serverConfig(provider, extra), organization })
    verifiers.push(v)
    return v
  }

  beforeAll(async () => {
    ca = createTestCertificateAuthority('customer IdP test CA')
    provider = await startOidcProvider({
      keys: [await makeSigningKey('ES256', 'tls-es256')],
      certificate: ca.issue({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] }),
      caPem: ca.certificatePem,
    })
  })
  afterAll(async () => {
    await Promise.all(verifiers.map((v) => v.close()))
    await provider?.close()
  })

  it('is an https issuer with an https jwks_uri', () => {
    expect(provider.issuer).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    expect(provider.discovery.jwks_uri).toBe(`${provider.issuer}/jwks`)
  })

  it('accepts tokens with certificate validation on and the CA in trustedCertificates', async () => {
    const verifier = make({ trustedCertificates: [ca.certificatePem] })
    const verified = await verifier.verify(await provider.requestToken({ resource: apiResource, scope: readOnly }))
    expect(verified.authorization?.adminId).toBe('oauth-ReadOnly$@12345.zscloud.net')
  })

  it.each([
    ['no extra CA (system roots only)', () => [] as string[]],
    ['another CA in trustedCertificates', () => [createTestCertificateAuthority('someone else').certificatePem]],
  ])('reports an untrusted certificate as a JWKS outage (503), not a bad token: %s', async (_name, trusted) => {
    const verifier = make({ trustedCertificates: trusted() })
    const token = await provider.requestToken({ resource: apiResource, scope: readOnly })
    const error = await refusal(verifier.verify(token))
    expect(error.code).toBe('jwks_unavailable')
    expect(error.status).toBe(503)
    expect(error.message).toMatch(/TLS/)
    expect(error.message).toMatch(/certificate/i)

    const verdict = await verifier.verifyRequest({ method: 'GET', url: 'https://api.tokenward.test/orders', headers: { authorization: `Bearer ${token}` } })
    expect(verdict.ok).toBe(false)
    if (!verdict.ok) {
      expect(verdict.response.status).toBe(503)
      expect(verdict.response.body.error).toBe('temporarily_unavailable')
      expect(verdict.response.headers['www-authenticate']).toBeUndefined()
      expect(verdict.response.headers['retry-after']).toMatch(/^\d+$/)
    }
  })

  it('accepts tokens with certificate validation explicitly off, and the config says so', async () => {
    const input = serverConfig(provider, { jwksCertificateValidation: false })
    const validation = validateAuthorizationServer(input)
    expect(validation.warnings.map((w) => w.code)).toContain('certificate_validation_disabled')

    const verifier = make({ jwksCertificateValidation: false })
    const verified = await verifier.verify(await provider.requestToken({ resource: apiResource, scope: readOnly }))
    expect(verified.clientId).toBe(client.id)
    expect(verified.header).toMatchObject({ alg: 'ES256', typ: 'at+jwt' })
  })
})
