// RBAC over API resources through the registry guard: the organization's own apiRoles map decides,
// per organization, and a change to it (set_api_roles) applies to the next request.
import { defineApiResources, defineAuthorizationServer, type TokenRequest } from '@tokenward/core'
import { applyCommand, systemActor, type Organization } from '@tokenward/core/organization'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { makeKey, mint, startJwksServer, type JwksServer, type TestKey } from '../../core/src/testing/mint.test-support.ts'
import { registryGuard } from './registry-guard.ts'
import { createRegistryVerifier, type RegistryVerifier } from './registry-verifier.ts'
import { createInMemoryOrganizationStore } from './store/in-memory-organization-store.ts'

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
const organization = (orgId: string, apiRoles: Organization['apiRoles']): Organization => ({
  orgId,
  cloud: 'zscloud',
  cloudDomain: 'zscloud.net',
  apiRoles,
  subscriptionValidUntil: nowSeconds() + 86_400,
  suspension: undefined,
  authorizationServers: [defineAuthorizationServer({ name: 'Okta1', jwksUrl: jwks.url, issuer: 'https://idp.test' })],
  revision: 1,
})
const resources = defineApiResources([
  { category: 'reports', routes: [{ method: 'GET', path: '/orgs/{orgId}/reports' }] },
  { category: 'policies', routes: [{ method: 'DELETE', path: '/orgs/{orgId}/policies/{id}' }] },
])
const request = async (method: string, orgId: string, rest: string, scope: string): Promise<TokenRequest> => ({
  method,
  url: `https://api.example.com/orgs/${orgId}/${rest}`,
  headers: { authorization: `Bearer ${await mint(key, { claims: { scope } })}` },
})

describe('registry guard and API resources', () => {
  it("each organization's own role → categories map decides, and a set_api_roles change applies to the next request", async () => {
    const store = createInMemoryOrganizationStore([organization('acme', { Operator: ['reports'] }), organization('globex', { Operator: ['reports', 'policies'] })])
    const registry = createRegistryVerifier({ store, organizationRecheckMs: 0, jwks: { addressPolicy: { developmentLoopback: true } } })
    verifiers.push(registry)
    const guard = registryGuard(registry, { path: '/orgs/:orgId/*' })

    // The same role name grants different categories in two organizations.
    const acme = await guard.verifyRequest(await request('DELETE', 'acme', 'policies/1', 'zscloud::acme::Operator'), { resources })
    expect(acme.ok).toBe(false)
    if (!acme.ok) expect(acme.error).toMatchObject({ code: 'insufficient_scope', stage: 'authorize', requiredScope: [] })
    expect((await guard.verifyRequest(await request('DELETE', 'globex', 'policies/1', 'zscloud::globex::Operator'), { resources })).ok).toBe(true)
    // A role of the other organization never counts.
    expect((await guard.verifyRequest(await request('DELETE', 'acme', 'policies/1', 'zscloud::globex::Operator'), { resources })).ok).toBe(false)
    expect((await guard.verifyRequest(await request('GET', 'acme', 'reports', 'zscloud::acme::Operator'), { resource: 'reports' })).ok).toBe(true)

    // The provider grants Operator the policies category in acme.
    const current = (await store.get('acme'))!
    const changed = applyCommand(current, { type: 'set_api_roles', apiRoles: { Operator: ['reports', 'policies'] } }, systemActor, nowSeconds())
    if (!changed.ok) throw new Error(changed.error.message)
    await store.put(changed.value.organization, current.revision)
    expect((await guard.verifyRequest(await request('DELETE', 'acme', 'policies/1', 'zscloud::acme::Operator'), { resources })).ok).toBe(true)
  })
})
