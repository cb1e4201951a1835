// Replay stores on a real redis-server: core's replay-store contract (the same one the in-memory
// store passes), the issuer's client-assertion twin, fleet-wide atomicity and failing closed.
import { StoreUnavailableError } from '@tokenward/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runReplayStoreContract } from '../../core/src/testing/replay-store-contract.test-support.ts'
import { createRedisConnection, type RedisConnection } from './connection.ts'
import { createRedisClientAssertionReplayStore, createRedisReplayStore } from './replay-store.ts'
import { redisServerInstalled, startRedisServer, type TestRedisServer } from './redis-server.test-support.ts'

describe.skipIf(!redisServerInstalled)('Redis replay stores (real redis-server)', () => {
  let server: TestRedisServer
  let connection: RedisConnection
  let n = 0
  beforeAll(async () => {
    server = await startRedisServer()
    connection = await createRedisConnection({ url: server.url })
  })
  afterAll(async () => {
    await connection?.close()
    await server?.stop()
  })

  // Real waits: Redis expires keys by its own clock. A fresh key prefix per store.
  runReplayStoreContract('redis', { make: () => createRedisReplayStore({ connection, keyPrefix: `replay${++n}` }) })

  it('two connections (two instances) racing with one proof: exactly one fresh', async () => {
    const other = await createRedisConnection({ url: server.url })
    try {
      const keyPrefix = `race${++n}`
      const a = createRedisReplayStore({ connection, keyPrefix })
      const b = createRedisReplayStore({ connection: other, keyPrefix })
      const verdicts = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).remember('dpop:jti-1', 30)))
      expect(verdicts.filter((v) => v === 'fresh')).toHaveLength(1)
    } finally {
      await other.close()
    }
  })

  it('stores a digest under a hash-tagged, prefixed key, with the proof\'s TTL, never the raw value', async () => {
    const keyPrefix = `shape${++n}`
    await createRedisReplayStore({ connection, keyPrefix }).remember('dpop:secret-looking-jti', 130)
    const found = (await connection.command(['KEYS', `${keyPrefix}:*`])) as string[]
    expect(found).toHaveLength(1)
    expect(found[0]).toMatch(new RegExp(`^${keyPrefix}:replay:\\{[A-Za-z0-9_-]{43}\\}$`))
    expect(found[0]).not.toContain('secret-looking-jti')
    const ttl = Number(await connection.command(['PTTL', found[0]!]))
    expect(ttl).toBeGreaterThan(125_000)
    expect(ttl).toBeLessThanOrEqual(130_000)
  })

  it('a key with braces cannot move the hash tag (the digest has none)', async () => {
    const keyPrefix = `brace${++n}`
    const store = createRedisReplayStore({ connection, keyPrefix })
    expect(await store.remember('dpop:}{x}', 30)).toBe('fresh')
    expect(await store.remember('dpop:}{x}', 30)).toBe('replayed')
    const [key] = (await connection.command(['KEYS', `${keyPrefix}:*`])) as string[]
    expect(key!.split('{')).toHaveLength(2)
  })

  it('fails closed: Redis down → StoreUnavailableError (never fresh), and back without a new store', async () => {
    const own = await startRedisServer()
    const events: string[] = []
    const c = await createRedisConnection({ url: own.url, commandTimeoutMs: 200, onEvent: (e) => events.push(e.type) })
    try {
      const store = createRedisReplayStore({ connection: c })
      const assertions = createRedisClientAssertionReplayStore({ connection: c })
      expect(await store.remember('dpop:a', 30)).toBe('fresh')
      await own.kill()
      await expect(store.remember('dpop:b', 30)).rejects.toBeInstanceOf(StoreUnavailableError)
      await expect(assertions.claim('org\u0000iss\u0000jti', Date.now() + 60_000, Date.now())).rejects.toBeInstanceOf(StoreUnavailableError)
      expect(events).toContain('redis_error')
      await own.start()
      const until = Date.now() + 5000
      let verdict: string | undefined
      while (verdict === undefined && Date.now() < until) {
        verdict = await Promise.resolve(store.remember('dpop:b', 30)).catch(() => undefined)
        if (verdict === undefined) await new Promise((r) => setTimeout(r, 50))
      }
      expect(verdict).toBe('fresh')
    } finally {
      await c.close()
      await own.stop()
    }
  })

  it('client assertions: first claim true, replay false, expired after its expiry, kept apart from DPoP keys', async () => {
    const keyPrefix = `assert${++n}`
    const assertions = createRedisClientAssertionReplayStore({ connection, keyPrefix })
    const proofs = createRedisReplayStore({ connection, keyPrefix })
    const now = Date.now()
    expect(await assertions.claim('12345\u0000client-a\u0000jti-1', now + 1000, now)).toBe(true)
    expect(await assertions.claim('12345\u0000client-a\u0000jti-1', now + 60_000, now)).toBe(false)
    expect(await assertions.claim('12345\u0000client-b\u0000jti-1', now + 60_000, now)).toBe(true)
    expect(await proofs.remember('12345\u0000client-a\u0000jti-1', 30)).toBe('fresh')
    await new Promise((r) => setTimeout(r, 1100))
    expect(await assertions.claim('12345\u0000client-a\u0000jti-1', Date.now() + 60_000, Date.now())).toBe(true)
  })

  it('checks its options', async () => {
    expect(() => createRedisReplayStore({ connection, keyPrefix: '{bad}' })).toThrow(/keyPrefix/)
    expect(() => createRedisClientAssertionReplayStore({ connection: undefined as never })).toThrow(/connection/)
    await expect(Promise.resolve().then(() => createRedisReplayStore({ connection }).remember('k', 0))).rejects.toThrow(RangeError)
  })
})
