// The shared (second-level) introspection cache through createVerifier, with a fake AS on
// 127.0.0.1: a token introspected by one verifier (instance) is answered from the shared cache by
// another; a failing shared cache is bypassed, never a failed request; inactive answers, other
// servers and raw tokens never reach it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startFakeAs, type FakeAs } from '../introspection/fake-as.test-support.ts'
import { createMemoryIntrospectionCache, type IntrospectionCache } from '../state/introspection-cache.ts'
import { createVerifier, type Verifier } from './create-verifier.ts'

const url = 'https://api.test/orders'
let as: FakeAs
const open: Verifier[] = []
beforeEach(async () => {
  as = await startFakeAs()
  as.answers.set('opaque-1', { active: true, iss: 'https://as.test', aud: 'https://api.test', client_id: 'orders', scope: 'zscloud::12345::ReadOnly', exp: Math.floor(Date.now() / 1000) + 600 })
})
afterEach(async () => {
  await Promise.all(open.splice(0).map((v) => v.close()))
  await as.close()
})

const instance = (introspectionCache: IntrospectionCache | undefined, name = 'OpaqueAS', endpoint = as.url) => {
  const verifier = createVerifier({
    server: { name, issuer: 'https://as.test', audience: 'https://api.test', introspection: { endpoint, clientId: 'api', clientAuthentication: { method: 'client_secret_basic', clientSecret: 'top-secret-value-0123456789' } } },
    organization: { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly'] },
    introspectionCache,
  })
  open.push(verifier)
  return verifier
}
const ask = (v: Verifier, token: string) => v.verifyRequest({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } })
/** Lets the best-effort shared write land. */
const settle = () => new Promise((r) => setTimeout(r, 10))

describe('a shared introspection cache', () => {
  it('a token introspected on instance A is answered from the shared cache on instance B (one AS request for both)', async () => {
    const shared = createMemoryIntrospectionCache()
    const [a, b] = [instance(shared), instance(shared)]
    expect((await ask(a, 'opaque-1')).ok).toBe(true)
    await settle()
    expect(await ask(b, 'opaque-1')).toMatchObject({ ok: true, token: { source: 'introspection', clientId: 'orders' } })
    expect(as.requests).toHaveLength(1)
    // Without a shared cache each instance asks on its own.
    const [c, d] = [instance(undefined), instance(undefined)]
    await ask(c, 'opaque-1')
    await ask(d, 'opaque-1')
    expect(as.requests).toHaveLength(3)
  })

  it('keys are SHA-256 digests: the token is neither a key nor in a stored value', async () => {
    const keys: string[] = []
    const inner = createMemoryIntrospectionCache()
    const spy: IntrospectionCache = { get: (k) => (keys.push(k), inner.get(k)), set: (k, e) => (keys.push(k), inner.set(k, e)) }
    await ask(instance(spy), 'opaque-1')
    await settle()
    expect(keys.length).toBeGreaterThan(0)
    for (const k of keys) expect(k).toMatch(/^[0-9a-f]{64}$/)
    expect(JSON.stringify(await inner.get(keys[0]!))).not.toContain('opaque-1')
  })

  it('is bypassed when it fails: the AS is asked and the request is accepted (never a 503 because of the cache)', async () => {
    const broken: IntrospectionCache = { get: () => Promise.reject(new Error('Redis down')), set: () => Promise.reject(new Error('Redis down')) }
    const v = instance(broken)
    expect((await ask(v, 'opaque-1')).ok).toBe(true)
    const throwing: IntrospectionCache = {
      get: () => {
        throw new Error('sync')
      },
      set: () => {
        throw new Error('sync')
      },
    }
    expect((await ask(instance(throwing), 'opaque-1')).ok).toBe(true)
    await settle()
    expect(as.requests).toHaveLength(2)
  })

  it('never shares an inactive answer, nor one from another authorization server', async () => {
    const shared = createMemoryIntrospectionCache()
    const set: string[] = []
    const watched: IntrospectionCache = { get: (k) => shared.get(k), set: (k, e) => (set.push(k), shared.set(k, e)) }
    expect((await ask(instance(watched), 'unknown')).ok).toBe(false)
    await settle()
    expect(set).toEqual([])
    await ask(instance(watched), 'opaque-1')
    await settle()
    expect(set).toHaveLength(1)
    const other = await startFakeAs()
    try {
      // Another server (other endpoint) with the same token: asked itself, and it says inactive.
      expect((await ask(instance(watched, 'OtherAS', other.url), 'opaque-1')).ok).toBe(false)
      expect(other.requests).toHaveLength(1)
    } finally {
      await other.close()
    }
  })

  it('a shared entry is not used past its end, nor kept locally longer than it lives there', async () => {
    const now = Date.now()
    const answer = { active: true, iss: 'https://as.test', aud: 'https://api.test', client_id: 'cached', scope: 'zscloud::12345::ReadOnly', exp: Math.floor(now / 1000) + 600 }
    const ended: IntrospectionCache = { get: async () => ({ answer, expiresAtMs: now - 1 }), set: async () => undefined }
    expect(await ask(instance(ended), 'opaque-1')).toMatchObject({ ok: true, token: { clientId: 'orders' } })
    expect(as.requests).toHaveLength(1)
    let calls = 0
    const brief: IntrospectionCache = { get: async () => (calls++, { answer, expiresAtMs: Date.now() + 30 }), set: async () => undefined }
    const v = instance(brief)
    expect(await ask(v, 'opaque-1')).toMatchObject({ ok: true, token: { clientId: 'cached' } })
    await new Promise((r) => setTimeout(r, 60))
    await ask(v, 'opaque-1')
    expect(calls).toBe(2) // the local copy ended with the shared entry, so the shared cache was asked again
    expect(as.requests).toHaveLength(1)
  })
})
