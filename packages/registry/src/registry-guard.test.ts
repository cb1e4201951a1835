// The registry guard in front of a store that counts its reads: what is answered before the
// store is consulted (no token, a confusing path, an ID no store can hold), and what is not.
import { defineAuthorizationServer, type Organization, type TokenRequest } from '@tokenward/core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { makeKey, mint, startJwksServer, type JwksServer, type TestKey } from '../../core/src/testing/mint.test-support.ts'
import { registryGuard } from './registry-guard.ts'
import { createRegistryVerifier, type RegistryVerifier } from './registry-verifier.ts'
import { createInMemoryOrganizationStore } from './store/in-memory-organization-store.ts'
import type { OrganizationStore } from './store/organization-store.ts'

let key: TestKey
let jwks: JwksServer
const verifiers: RegistryVerifier[] = []
beforeAll(async () => {
  key = await makeKey('ES256', 'k1')
  jwks = await startJwksServer([key.publicJwk])
})
afterAll(() => jwks.close())
afterEach(async () => {
  await Promise.all(verifiers.splice(0).map((v) => v.close()))
})

const nowSeconds = () => Math.floor(Date.now() / 1000)
const organization = (orgId: string, overrides: Partial<Organization> = {}): Organization => ({
  orgId,
  cloud: 'zscloud',
  cloudDomain: 'zscloud.net',
  apiRoles: { ReadOnly: ['reports'] },
  subscriptionValidUntil: nowSeconds() + 86_400,
  suspension: undefined,
  authorizationServers: [defineAuthorizationServer({ name: 'Okta1', jwksUrl: jwks.url, issuer: 'https://idp.test', audience: 'api://orders' })],
  revision: 1,
  ...overrides,
})

/** A real in-memory store whose reads are counted. */
function countingStore(orgs: Organization[]): OrganizationStore & { reads: number } {
  const inner = createInMemoryOrganizationStore(orgs)
  const store = {
    reads: 0,
    get: (orgId: string) => {
      store.reads++
      return inner.get(orgId)
    },
    put: inner.put.bind(inner),
    list: () => {
      store.reads++
      return inner.list()
    },
    close: inner.close.bind(inner),
  }
  return store
}

function setup() {
  const store = countingStore([
    organization('active'),
    organization('suspended', { suspension: { reason: 'terms_violation', since: nowSeconds() } }),
    organization('expired', { subscriptionValidUntil: nowSeconds() - 1 }),
  ])
  // The test JWKS is plain http on loopback, which the registry's strict address policy refuses.
  const registry = createRegistryVerifier({ store, realm: 'api', jwks: { addressPolicy: null } })
  verifiers.push(registry)
  return { store, guard: registryGuard(registry, { path: '/orgs/:orgId/*' }, { realm: 'api' }) }
}

const request = (path: string, headers: Record<string, string | string[]> = {}): TokenRequest => ({ method: 'GET', url: `https://api.example.com${path}`, headers })

describe('registryGuard without a token', () => {
  it.each(['active', 'suspended', 'expired', 'nosuchorg'])('answers the same bare 401 for the %s organization without reading the store', async (orgId) => {
    const { store, guard } = setup()
    for (const headers of [{}, { authorization: 'Basic dTpw' }]) {
      const verdict = await guard.verifyRequest(request(`/orgs/${orgId}/reports`, headers))
      expect(verdict.ok).toBe(false)
      if (verdict.ok) return
      expect(verdict.error.code).toBe('missing_token')
      expect(verdict.response.status).toBe(401)
      expect(verdict.response.headers['www-authenticate']).toBe('Bearer realm="api"')
      // Nothing about the organization: the same body whatever its state.
      expect(JSON.stringify(verdict.response.body)).not.toMatch(new RegExp(`${orgId}|suspend|expire|disabled`))
    }
    expect(store.reads).toBe(0)
  })

  it('answers two Authorization headers 400 without reading the store', async () => {
    const { store, guard } = setup()
    const verdict = await guard.verifyRequest(request('/orgs/active/reports', { authorization: ['Bearer a', 'Bearer b'] }))
    expect(!verdict.ok && [verdict.response.status, verdict.error.code]).toEqual([400, 'invalid_request'])
    expect(store.reads).toBe(0)
  })
})

describe('registryGuard with a token', () => {
  it('reads the store once and accepts a valid token for an active organization', async () => {
    const { store, guard } = setup()
    const verdict = await guard.verifyRequest(request('/orgs/active/reports', { authorization: `Bearer ${await mint(key, { claims: { scope: 'zscloud::active::ReadOnly' } })}` }))
    expect(verdict.ok && verdict.token.authorization?.apiRole.orgId).toBe('active')
    expect(store.reads).toBeGreaterThan(0)
  })

  it.each([
    '/orgs/active/%2e%2e/expired/reports',
    '/orgs/active/..%2F../expired/reports',
    '/orgs/active/.%2E/expired/reports',
    '/orgs/active/../expired/reports',
    '/orgs/active%5c..%5cexpired/reports',
    '/orgs/%61ctive/reports',
    '/orgs/Active/reports',
    '/orgs/con/reports',
    '/orgs/nul.json/reports',
    '/orgs/./reports',
  ])('refuses %s with 400 invalid_request, never 404, 500 or another organization', async (path) => {
    const { store, guard } = setup()
    const verdict = await guard.verifyRequest(request(path, { authorization: `Bearer ${await mint(key)}` }))
    expect(!verdict.ok && [verdict.response.status, verdict.error.code]).toEqual([400, 'invalid_request'])
    expect(store.reads).toBe(0)
  })
})
