// Regression: a built-in-issuer token is held to the route's API resource category exactly like a
// token of the organization's own server. Before the fix, the issued-token path ignored the
// target's `resource` and `resources`, so any role of the organization (e.g. ReadOnly, granting
// only `reports`) could call a `policies` route the organization's roles map keeps for Admin.
import { defineApiResources } from '@tokenward/core'
import { apiKeyManagementPermission, applyCommand, type Organization, type OrganizationCommand } from '@tokenward/core/organization'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeKey, mint, type TestKey } from '../../core/src/testing/mint.test-support.ts'
import { createRegistryVerifier, type RegistryTarget, type RegistryVerifier } from './registry-verifier.ts'
import { createInMemoryOrganizationStore } from './store/in-memory-organization-store.ts'

const issuerId = 'https://auth.tokenward.test'
const t0 = Math.floor(Date.now() / 1000)
const alice = { id: 'alice', permissions: [apiKeyManagementPermission] }
const jwk = { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' }
const addClient = (clientId: string, roles: readonly string[]): OrganizationCommand => ({
  type: 'add_api_client',
  client: { clientId, name: `Client ${clientId}`, roles, enabled: true, authentication: { method: 'private_key_jwt', publicKey: jwk } },
  receipt: undefined,
})
const resources = defineApiResources([
  { category: 'reports', routes: [{ method: 'GET', path: '/orgs/{orgId}/reports' }] },
  { category: 'policies', routes: [{ method: 'DELETE', path: '/orgs/{orgId}/policies/{id}' }] },
])

let key: TestKey
let verifier: RegistryVerifier
beforeAll(async () => {
  key = await makeKey('ES256', 'issuer-1')
  const blank: Organization = {
    orgId: 'acme',
    cloud: 'zscloud',
    cloudDomain: 'zscloud.net',
    apiRoles: { ReadOnly: ['reports'], Admin: ['reports', 'policies'] },
    subscriptionValidUntil: t0 + 86_400,
    suspension: undefined,
    authorizationServers: [],
    revision: 1,
  }
  const acme = [addClient('reader', ['ReadOnly']), addClient('admin', ['Admin'])].reduce((o, command) => {
    const r = applyCommand(o, command, alice, t0)
    if (!r.ok) throw new Error(r.error.message)
    return r.value.organization
  }, blank)
  verifier = createRegistryVerifier({
    store: createInMemoryOrganizationStore([acme]),
    issuer: { issuer: issuerId, jwks: { keys: [key.publicJwk as never] } },
    keyRefresh: false,
    cache: false,
  })
})
afterAll(() => verifier.close())

const call = async (clientId: string, role: string, method: string, path: string, target: Omit<RegistryTarget, 'orgId'>) => {
  const token = await mint(key, {
    claims: { iss: issuerId, sub: clientId, client_id: clientId, aud: issuerId, scope: `zscloud::acme::${role}`, iat: t0, exp: t0 + 600, jti: crypto.randomUUID() },
  })
  return verifier.verifyRequest({ method, url: `https://api.test/orgs/acme/${path}`, headers: { authorization: `Bearer ${token}` } }, { orgId: 'acme', ...target })
}

describe('registry verifier: built-in-issuer tokens and API resources', () => {
  it('refuses a role that does not grant the route category named by resource', async () => {
    const v = await call('reader', 'ReadOnly', 'DELETE', 'policies/1', { resource: 'policies' })
    expect(v.ok).toBe(false)
    if (!v.ok) expect(v.error).toMatchObject({ code: 'insufficient_scope', status: 403 })
    expect((await call('admin', 'Admin', 'DELETE', 'policies/1', { resource: 'policies' })).ok).toBe(true)
    expect((await call('reader', 'ReadOnly', 'GET', 'reports', { resource: 'reports' })).ok).toBe(true)
  })

  it('refuses a role that does not grant the category the resource table matched', async () => {
    const v = await call('reader', 'ReadOnly', 'DELETE', 'policies/1', { resources })
    expect(v.ok).toBe(false)
    if (!v.ok) expect(v.error).toMatchObject({ code: 'insufficient_scope', status: 403 })
    expect((await call('admin', 'Admin', 'DELETE', 'policies/1', { resources })).ok).toBe(true)
    expect((await call('reader', 'ReadOnly', 'GET', 'reports', { resources })).ok).toBe(true)
  })

  it('refuses a path the resource table does not map, or maps ambiguously', async () => {
    for (const path of ['settings', 'policies/..%2F1', 'POLICIES/1']) {
      const v = await call('admin', 'Admin', 'DELETE', path, { resources })
      expect(v.ok, path).toBe(false)
      if (!v.ok) expect(v.error).toMatchObject({ code: 'insufficient_scope', status: 403 })
    }
  })
})
