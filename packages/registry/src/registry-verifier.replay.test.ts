// The registry verifier's DPoP replay store: one store for every organization and for the
// registry's whole life. Per-organization verifiers are rebuilt on each revision that changes
// what they enforce; the proofs they accepted must stay spent across that rebuild (before this,
// each rebuilt verifier got a fresh in-memory store, so an admin change re-opened every proof
// accepted in the last proof lifetime).
import { defineAuthorizationServer, type ReplayStore, type TokenRequest } from '@tokenward/core'
import type { Organization } from '@tokenward/core/organization'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { jwkThumbprint } from '../../core/src/jose/jwk-thumbprint.ts'
import { makeDpopKey, signProof, type DpopKey } from '../../core/src/testing/dpop-proof.test-support.ts'
import { makeKey, mint, type TestKey } from '../../core/src/testing/mint.test-support.ts'
import { RegistryConfigError } from './errors.ts'
import { createRegistryVerifier, type RegistryVerifier, type RegistryVerifierOptions } from './registry-verifier.ts'
import { createInMemoryOrganizationStore } from './store/in-memory-organization-store.ts'
import type { OrganizationStore } from './store/organization-store.ts'

const url = 'https://api.example.test/reports'
let key: TestKey
let client: DpopKey
let jkt: string

beforeAll(async () => {
  key = await makeKey('ES256', 'k1')
  client = await makeDpopKey('ES256')
  jkt = (await jwkThumbprint(client.publicJwk as Record<string, unknown>))!
})

const open: RegistryVerifier[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.close()))
})

const nowSeconds = () => Math.floor(Date.now() / 1000)
const organization = (orgId: string, overrides: Partial<Organization> = {}): Organization => ({
  orgId,
  cloud: 'zscloud',
  cloudDomain: 'zscloud.net',
  apiRoles: { ReadOnly: ['reports'] },
  subscriptionValidUntil: nowSeconds() + 86_400,
  suspension: undefined,
  authorizationServers: [
    defineAuthorizationServer({ name: 'Okta1', jwks: { keys: [key.publicJwk] }, issuer: 'https://idp.test', audience: 'api://orders', dpop: { mode: 'enabled' } }),
  ],
  revision: 1,
  ...overrides,
})

function registry(store: OrganizationStore, options: Partial<RegistryVerifierOptions> = {}): RegistryVerifier {
  const r = createRegistryVerifier({ store, keyRefresh: false, organizationRecheckMs: 0, ...options })
  open.push(r)
  return r
}

const tokenFor = (orgId: string) => mint(key, { claims: { cnf: { jkt }, scope: `zscloud::${orgId}::ReadOnly` } })
const proofFor = (token: string) => signProof(client, { method: 'GET', url, accessToken: token, iat: nowSeconds() })
const request = (token: string, dpop: string): TokenRequest => ({ method: 'GET', url, headers: { authorization: `DPoP ${token}`, dpop } })
const outcome = (r: RegistryVerifier, token: string, dpop: string, orgId = '12345') =>
  r.verifyRequest(request(token, dpop), { orgId }).then((v) => (v.ok ? 'accepted' : `${v.response.status} ${v.error.code}`))

describe('registry verifier: one DPoP replay store across organizations and revisions', () => {
  it('refuses a proof replayed after an admin change rebuilt the organization verifier (default store)', async () => {
    const store = createInMemoryOrganizationStore([organization('12345')])
    const r = registry(store)
    const token = await tokenFor('12345')
    const proof = await proofFor(token)
    expect(await outcome(r, token, proof)).toBe('accepted')
    expect(await outcome(r, token, proof)).toBe('401 invalid_dpop_proof')
    // An admin adds an API role: a new revision whose enforced access differs, so the
    // organization's verifier is rebuilt (its token cache is gone).
    const edited = organization('12345', { apiRoles: { ReadOnly: ['reports'], Admin: ['reports'] }, revision: 2 })
    expect(await store.put(edited, 1)).toEqual({ ok: true })
    expect(await outcome(r, token, proof)).toBe('401 invalid_dpop_proof')
    // A fresh proof still works after the change: the store refuses replays, not the client.
    expect(await outcome(r, token, await proofFor(token))).toBe('accepted')
  })

  it('uses the given store for every organization, with keys namespaced by organization and server', async () => {
    const keys: string[] = []
    const seen = new Set<string>()
    const shared: ReplayStore = {
      remember(k) {
        keys.push(k)
        if (seen.has(k)) return 'replayed'
        seen.add(k)
        return 'fresh'
      },
    }
    const store = createInMemoryOrganizationStore([organization('12345'), organization('67890')])
    const r = registry(store, { replayStore: shared })
    const tokenA = await tokenFor('12345')
    const tokenB = await tokenFor('67890')
    expect(await outcome(r, tokenA, await proofFor(tokenA), '12345')).toBe('accepted')
    expect(await outcome(r, tokenB, await proofFor(tokenB), '67890')).toBe('accepted')
    expect(keys).toHaveLength(2)
    expect(keys[0]).toMatch(/^org:12345:server:Okta1:dpop[:#]/)
    expect(keys[1]).toMatch(/^org:67890:server:Okta1:dpop[:#]/)
    // Rebuilt on a revision, the organization still writes to the same store.
    expect(await store.put(organization('12345', { apiRoles: { ReadOnly: ['reports'], Admin: ['reports'] }, revision: 2 }), 1)).toEqual({ ok: true })
    expect(await outcome(r, tokenA, await proofFor(tokenA), '12345')).toBe('accepted')
    expect(keys).toHaveLength(3)
    expect(keys[2]).toMatch(/^org:12345:server:Okta1:/)
  })

  it('answers 503 (fail closed) when the shared store cannot answer', async () => {
    const store = createInMemoryOrganizationStore([organization('12345')])
    const r = registry(store, {
      replayStore: {
        remember: () => Promise.reject(new Error('replay store down')),
      },
    })
    const token = await tokenFor('12345')
    const verdict = await r.verifyRequest(request(token, await proofFor(token)), { orgId: '12345' })
    expect(verdict.ok).toBe(false)
    if (!verdict.ok) expect(verdict.response.status).toBe(503)
  })

  it('refuses a replayStore that is not a ReplayStore when built, naming the option', () => {
    const store = createInMemoryOrganizationStore([])
    expect(() => createRegistryVerifier({ store, replayStore: {} as never })).toThrow(RegistryConfigError)
    const thrown = (() => {
      try {
        createRegistryVerifier({ store, replayStore: { remember: 'no' } as never })
        return undefined
      } catch (e) {
        return e
      }
    })()
    expect((thrown as RegistryConfigError).issues).toEqual([expect.objectContaining({ path: 'replayStore' })])
  })
})
