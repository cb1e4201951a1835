// Core's shared introspection cache on a real redis-server: the contract the in-memory cache
// passes, two verifiers (instances) sharing one answer with one AS request, and bypassing a
// Redis that is down (the AS is asked; the request is accepted).
import { createVerifier, type Verifier } from '@tokenward/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeAs, type FakeAs } from '../../core/src/introspection/fake-as.test-support.ts'
import { runIntrospectionCacheContract } from '../../core/src/testing/introspection-cache-contract.test-support.ts'
import { createRedisConnection, type RedisConnection } from './connection.ts'
import { createRedisIntrospectionCache } from './introspection-cache.ts'
import { redisServerInstalled, startRedisServer, type TestRedisServer } from './redis-server.test-support.ts'

describe.skipIf(!redisServerInstalled)('Redis introspection cache (real redis-server)', () => {
  let server: TestRedisServer
  let connection: RedisConnection
  let as: FakeAs
  let n = 0
  beforeAll(async () => {
    server = await startRedisServer()
    connection = await createRedisConnection({ url: server.url })
    as = await startFakeAs()
    as.answers.set('opaque-1', { active: true, iss: 'https://as.test', aud: 'https://api.test', client_id: 'orders', scope: 'zscloud::12345::ReadOnly', exp: Math.floor(Date.now() / 1000) + 600 })
  })
  afterAll(async () => {
    await as?.close()
    await connection?.close()
    await server?.stop()
  })

  // Keys must be digests here: the contract's short keys are mapped onto digests.
  runIntrospectionCacheContract('redis', {
    make: () => {
      const cache = createRedisIntrospectionCache({ connection, keyPrefix: `icache${++n}` })
      const asDigest = (k: string) => (/^[0-9a-f]{64}$/.test(k) ? k : Buffer.from(k.padEnd(32, '_')).toString('hex').slice(0, 64))
      return { get: (k) => cache.get(asDigest(k)), set: (k, e) => cache.set(asDigest(k), e) }
    },
  })

  const instance = (conn: RedisConnection, keyPrefix: string): Verifier =>
    createVerifier({
      server: { name: 'OpaqueAS', issuer: 'https://as.test', audience: 'https://api.test', introspection: { endpoint: as.url, clientId: 'api', clientAuthentication: { method: 'client_secret_basic', clientSecret: 'top-secret-value-0123456789' } } },
      organization: { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly'] },
      introspectionCache: createRedisIntrospectionCache({ connection: conn, keyPrefix }),
    })
  const ask = (v: Verifier) => v.verifyRequest({ method: 'GET', url: 'https://api.test/orders', headers: { authorization: 'Bearer opaque-1' } })

  it('instance B answers from Redis what instance A introspected: one AS request, the entry expiring with the token, no token in Redis', async () => {
    const other = await createRedisConnection({ url: server.url })
    const keyPrefix = `ishared${++n}`
    const [a, b] = [instance(connection, keyPrefix), instance(other, keyPrefix)]
    try {
      const before = as.requests.length
      expect((await ask(a)).ok).toBe(true)
      await new Promise((r) => setTimeout(r, 50))
      expect((await ask(b)).ok).toBe(true)
      expect(as.requests.length - before).toBe(1)
      const [key] = (await connection.command(['KEYS', `${keyPrefix}:*`])) as string[]
      expect(key).toMatch(new RegExp(`^${keyPrefix}:introspection:\\{[0-9a-f]{64}\\}$`))
      const ttl = Number(await connection.command(['PTTL', key!]))
      expect(ttl).toBeGreaterThan(0)
      expect(ttl).toBeLessThanOrEqual(600_000)
      expect(String(await connection.command(['GET', key!]))).not.toContain('opaque-1')
    } finally {
      await Promise.all([a.close(), b.close()])
      await other.close()
    }
  })

  it('Redis down: the cache is bypassed, the AS answers and the request is accepted (no 503)', async () => {
    const own = await startRedisServer()
    const events: string[] = []
    const c = await createRedisConnection({ url: own.url, commandTimeoutMs: 200, onEvent: (e) => events.push(e.type) })
    const v = instance(c, `idown${++n}`)
    try {
      await own.kill()
      const before = as.requests.length
      expect((await ask(v)).ok).toBe(true)
      expect(as.requests.length - before).toBe(1)
      expect(events).toContain('redis_error')
    } finally {
      await v.close()
      await c.close()
      await own.stop()
    }
  })

  it('refuses a key that is not a digest, and checks its options', async () => {
    await expect(createRedisIntrospectionCache({ connection }).get('raw-token')).rejects.toThrow(RangeError)
    expect(() => createRedisIntrospectionCache({ connection, keyPrefix: '' })).toThrow(/keyPrefix/)
  })
})
