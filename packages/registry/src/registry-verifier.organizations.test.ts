// The registry verifier's hot path against the real file store in a temp directory and a real
// JWKS server on 127.0.0.1: organizations are held in memory and confirmed by version (a stat),
// changes through the same store apply at once, changes by another process within the recheck
// interval, and a store that cannot answer is an outage (503), never a 401 or a thrown error.
import { defineAuthorizationServer } from '@tokenward/core'
import { type AuditEvent, type Organization } from '@tokenward/core/organization'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { makeKey, mint, startJwksServer, type JwksServer, type TestKey } from '../../core/src/testing/mint.test-support.ts'
import { createInMemoryAuditSink } from './audit/in-memory-audit-sink.ts'
import { makeTempDir } from './node/child-process.test-support.ts'
import { createFileOrganizationStore } from './node/file-organization-store.ts'
import { createRegistryVerifier, type RegistryVerifier, type RegistryVerifierOptions } from './registry-verifier.ts'
import type { OrganizationStore } from './store/organization-store.ts'

let key: TestKey
let jwks: JwksServer
const cleanups: (() => Promise<void>)[] = []
beforeAll(async () => {
  key = await makeKey('ES256', 'k1')
  jwks = await startJwksServer([key.publicJwk])
})
afterAll(() => jwks.close())
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const nowSeconds = () => Math.floor(Date.now() / 1000)
const organization = (overrides: Partial<Organization> = {}): Organization => ({
  orgId: '12345',
  cloud: 'zscloud',
  cloudDomain: 'zscloud.net',
  apiRoles: { ReadOnly: ['reports'] },
  subscriptionValidUntil: nowSeconds() + 86_400,
  suspension: undefined,
  authorizationServers: [defineAuthorizationServer({ name: 'Okta1', jwksUrl: jwks.url, issuer: 'https://idp.test', audience: 'api://orders' })],
  revision: 1,
  ...overrides,
})

/** Counts the store calls the verifier makes. */
function counting(store: OrganizationStore) {
  const calls = { get: 0, version: 0 }
  const counted: OrganizationStore = {
    ...store,
    get: (id) => (calls.get++, store.get(id)),
    version: (id) => (calls.version++, store.version!(id)),
    list: () => store.list(),
    put: (o, r) => store.put(o, r),
    close: () => store.close(),
    watch: (l) => store.watch!(l),
  }
  return { calls, store: counted }
}

async function fileStores() {
  const { dir, remove } = await makeTempDir('registry-hot')
  const a = await createFileOrganizationStore({ directory: dir })
  const b = await createFileOrganizationStore({ directory: dir }) // "another process"
  cleanups.push(remove, () => a.close(), () => b.close())
  expect((await a.put(organization(), undefined)).ok).toBe(true)
  return { a, b }
}

function registry(options: RegistryVerifierOptions): RegistryVerifier {
  const r = createRegistryVerifier({ keyRefresh: false, jwks: { addressPolicy: { developmentLoopback: true } }, ...options })
  cleanups.push(() => r.close())
  return r
}

const call = (r: RegistryVerifier, token: string) =>
  r.verifyRequest({ method: 'GET', url: '/reports', headers: { authorization: `Bearer ${token}` } }, { orgId: '12345' }).then((v) => (v.ok ? 'accepted' : `${v.response.status} ${v.error.code}`))

describe('registry verifier: organizations in memory', () => {
  it('reads and parses an organization once, then confirms it with a version read at most once per interval', async () => {
    const { a } = await fileStores()
    const { calls, store } = counting(a)
    let clock = Date.now()
    const r = registry({ store, clock: () => clock, organizationRecheckMs: 1000 })
    const token = await mint(key)
    for (let i = 0; i < 200; i++) expect(await call(r, token)).toBe('accepted')
    expect(calls).toEqual({ get: 1, version: 1 })
    clock += 1000
    for (let i = 0; i < 50; i++) expect(await call(r, token)).toBe('accepted')
    expect(calls).toEqual({ get: 1, version: 2 }) // unchanged: confirmed by stat, not re-read
  })

  it('applies a change written through the same store object on the next request, without waiting for the interval', async () => {
    const { a } = await fileStores()
    const r = registry({ store: a, organizationRecheckMs: 3_600_000 })
    const token = await mint(key)
    expect(await call(r, token)).toBe('accepted')
    const org = (await a.get('12345'))!
    await a.put({ ...org, authorizationServers: org.authorizationServers.map((s) => ({ ...s, enabled: false })), revision: 2 }, 1)
    expect(await call(r, token)).toBe('401 server_disabled')
  })

  it("sees another process's change within the recheck interval, and not before", async () => {
    const { a, b } = await fileStores()
    let clock = Date.now()
    const r = registry({ store: a, clock: () => clock, organizationRecheckMs: 1000 })
    const token = await mint(key)
    expect(await call(r, token)).toBe('accepted')
    const org = (await b.get('12345'))!
    await b.put({ ...org, suspension: { reason: 'terms_violation', since: nowSeconds() }, revision: 2 }, 1)
    expect(await call(r, token)).toBe('accepted') // within the interval: the held copy
    clock += 1000
    expect(await call(r, token)).toBe('401 server_disabled')
  })

  it('answers a store outage with 503 store_unavailable (never 401, never a throw), serving the last good document up to the ceiling', async () => {
    const { a } = await fileStores()
    let failing = false
    const errors: unknown[] = []
    const flaky: OrganizationStore = {
      ...a,
      get: (id) => (failing ? Promise.reject(new Error('EIO')) : a.get(id)),
      version: (id) => (failing ? Promise.reject(new Error('EIO')) : a.version!(id)),
      list: () => a.list(),
      put: (o, rev) => a.put(o, rev),
      close: () => a.close(),
    }
    let clock = Date.now()
    const r = registry({ store: flaky, clock: () => clock, organizationRecheckMs: 0, storeOutageCeilingMs: 60_000, onError: (e) => errors.push(e) })
    const token = await mint(key)
    failing = true
    // Nothing held yet: an outage, with Retry-After.
    const first = await r.verifyRequest({ method: 'GET', url: '/reports', headers: { authorization: `Bearer ${token}` } }, { orgId: '12345' })
    expect(!first.ok && [first.response.status, first.error.code, first.response.headers['retry-after']]).toEqual([503, 'store_unavailable', '5'])
    failing = false
    expect(await call(r, token)).toBe('accepted')
    failing = true
    clock += 59_000
    expect(await call(r, token)).toBe('accepted') // within the ceiling: the last good document
    expect(errors.length).toBeGreaterThan(0)
    clock += 2_000
    expect(await call(r, token)).toBe('503 store_unavailable')
    failing = false
    expect(await call(r, token)).toBe('accepted')
  })

  it('refuses unknown and unusable organization IDs like unknown organizations (401, not a throw)', async () => {
    const { a } = await fileStores()
    const { calls, store } = counting(a)
    const r = registry({ store, auditSink: createInMemoryAuditSink<AuditEvent>() })
    const token = await mint(key)
    for (let i = 0; i < 1200; i++) {
      const v = await r.verifyRequest({ method: 'GET', url: '/x', headers: { authorization: `Bearer ${token}` } }, { orgId: `nope-${i}` })
      expect(!v.ok && v.error.code).toBe('server_disabled')
    }
    const bad = await r.verifyRequest({ method: 'GET', url: '/x', headers: { authorization: `Bearer ${token}` } }, { orgId: '../etc' })
    expect(!bad.ok && [bad.response.status, bad.error.code]).toEqual([401, 'server_disabled'])
    expect(calls.get).toBe(1200)
  })
})
