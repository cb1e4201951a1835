// RFC 9728 §5.1 in registry deployments: each organization's challenges name its own
// protected-resource metadata — the guard's token-less 401, a per-organization verifier's
// refusal, and the registry's own refusals (unknown or disabled organization).
import { defineAuthorizationServer, protectedResourceMetadataUrl, type Jwk } from '@tokenward/core'
import type { Organization } from '@tokenward/core/organization'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeKey, mint, now, type TestKey } from '../../core/src/testing/mint.test-support.ts'
import { RegistryConfigError } from './errors.ts'
import { createInMemoryOrganizationStore, createRegistryVerifier, registryGuard, type RegistryVerifier } from './index.ts'

const metadataOf = (orgId: string) => protectedResourceMetadataUrl(`https://api.example.com/orgs/${orgId}`)
let key: TestKey
const registries: RegistryVerifier[] = []
beforeAll(async () => {
  key = await makeKey('ES256', 'k1')
})
afterAll(() => Promise.all(registries.map((r) => r.close())))

const org = (orgId: string, enabled = true): Organization => ({
  orgId,
  cloud: 'zscloud',
  cloudDomain: 'zscloud.net',
  apiRoles: { ReadOnly: ['reports'] },
  subscriptionValidUntil: now() + 86_400,
  suspension: undefined,
  authorizationServers: [defineAuthorizationServer({ name: 'Okta1', jwks: { keys: [key.publicJwk as Jwk] }, issuer: 'https://idp.test', enabled })],
  revision: 1,
})
const guardWith = (resourceMetadataUrl: Parameters<typeof createRegistryVerifier>[0]['resourceMetadataUrl']) => {
  const registry = createRegistryVerifier({ store: createInMemoryOrganizationStore([org('12345'), org('777', false)]), resourceMetadataUrl })
  registries.push(registry)
  return registryGuard(registry, { path: '/orgs/:orgId/*' })
}
const challenge = async (guard: ReturnType<typeof guardWith>, orgId: string, authorization?: string) => {
  const verdict = await guard.verifyRequest({ method: 'GET', url: `https://api.example.com/orgs/${orgId}/reports`, headers: authorization === undefined ? {} : { authorization } })
  if (verdict.ok) throw new Error('expected a refusal')
  return verdict.response.headers['www-authenticate']
}

describe('resource_metadata per organization', () => {
  it("names the organization's metadata on every kind of 401", async () => {
    const guard = guardWith(metadataOf)
    expect(await challenge(guard, '12345')).toBe(`Bearer resource_metadata="${metadataOf('12345')}"`)
    expect(await challenge(guard, '12345', `Bearer ${await mint(key, { claims: { exp: now() - 3600 } })}`)).toContain(`resource_metadata="${metadataOf('12345')}"`)
    expect(await challenge(guard, '777', `Bearer ${await mint(key)}`)).toContain(`resource_metadata="${metadataOf('777')}"`)
    expect(await challenge(guard, '999', `Bearer ${await mint(key)}`)).toContain(`resource_metadata="${metadataOf('999')}"`)
  })

  it('one URL for every organization; none configured, none sent; an unusable answer is left out', async () => {
    const root = protectedResourceMetadataUrl('https://api.example.com')
    expect(await challenge(guardWith(root), '12345')).toBe(`Bearer resource_metadata="${root}"`)
    expect(await challenge(guardWith(undefined), '12345')).toBe('Bearer')
    expect(await challenge(guardWith(() => 'http://api.example.com/insecure'), '12345')).toBe('Bearer')
  })

  it('a bad URL is refused when the registry verifier is built', () => {
    expect(() => createRegistryVerifier({ store: createInMemoryOrganizationStore([]), resourceMetadataUrl: 'not a url' })).toThrow(RegistryConfigError)
  })
})
