import { describe, expect, it } from 'vitest'
import { RegistryConfigError } from '../errors.ts'
import { createInMemoryOrganizationStore } from './in-memory-organization-store.ts'
import { describeOrganizationStoreContract, sampleOrganization } from './organization-store-contract.test-support.ts'

describeOrganizationStoreContract('in-memory store', async () => ({ store: createInMemoryOrganizationStore(), cleanup: async () => {} }))

describe('createInMemoryOrganizationStore', () => {
  it('starts with the initial organizations, as copies', async () => {
    const acme = sampleOrganization('acme', 7)
    const store = createInMemoryOrganizationStore([acme, sampleOrganization('beta', 1)])
    ;(acme.apiRoles.ReadOnly as string[]).push('mutated')
    expect(await store.list()).toEqual(['acme', 'beta'])
    expect(await store.get('acme')).toEqual(sampleOrganization('acme', 7))
    expect(await store.put(sampleOrganization('acme', 8), 7)).toEqual({ ok: true })
  })

  it('names every bad initial organization by its path', () => {
    let error: unknown
    try {
      createInMemoryOrganizationStore([sampleOrganization('acme'), sampleOrganization('acme'), sampleOrganization('../x', 0)])
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(RegistryConfigError)
    expect((error as RegistryConfigError).issues.map((i) => i.path)).toEqual(['initial[1].orgId', 'initial[2].orgId', 'initial[2].revision'])
  })
})
