import { StoreUnavailableError } from '@tokenward/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeOrganizationStoreContract, sampleOrganization } from '../../registry/src/store/organization-store-contract.test-support.ts'
import { createRedisConnection, type RedisConnection, type RedisEvent } from './connection.ts'
import { createRedisOrganizationStore } from './organization-store.ts'
import { redisServerInstalled, startRedisServer, type TestRedisServer } from './redis-server.test-support.ts'

describe.skipIf(!redisServerInstalled)('Redis organization store (real redis-server)', () => {
  let server: TestRedisServer
  let n = 0
  beforeAll(async () => {
    server = await startRedisServer()
  })
  afterAll(async () => {
    await server?.stop()
  })

  // The same contract the in-memory and file stores pass; a fresh key prefix per test.
  describeOrganizationStoreContract('redis store', async () => {
    const connection = await createRedisConnection({ url: server.url })
    return { store: createRedisOrganizationStore({ connection, keyPrefix: `contract${++n}` }), cleanup: () => connection.close() }
  })

  it('announces another store object\'s writes through the feed, and never twice', async () => {
    const a = await createRedisConnection({ url: server.url })
    const b = await createRedisConnection({ url: server.url })
    const prefix = `feed${++n}`
    const writer = createRedisOrganizationStore({ connection: a, keyPrefix: prefix })
    const reader = createRedisOrganizationStore({ connection: b, keyPrefix: prefix })
    const heard: string[] = []
    reader.watch!((id) => heard.push(id))
    await new Promise((r) => setTimeout(r, 100)) // subscription established
    const started = Date.now()
    await writer.put(sampleOrganization('acme', 1), undefined)
    while (heard.length === 0 && Date.now() - started < 1000) await new Promise((r) => setTimeout(r, 5))
    expect(heard).toEqual(['acme'])
    expect(Date.now() - started).toBeLessThan(1000)
    // The reader's own write is reported once (at once), not again when its message arrives.
    await reader.put(sampleOrganization('acme', 2), 1)
    await new Promise((r) => setTimeout(r, 100))
    expect(heard).toEqual(['acme', 'acme'])
    await writer.close()
    await reader.close()
    await a.close()
    await b.close()
  })

  it('rejects with StoreUnavailableError (503) within the command timeout when Redis is gone, and recovers without a restart', async () => {
    const own = await startRedisServer()
    const events: RedisEvent[] = []
    const connection: RedisConnection = await createRedisConnection({ url: own.url, commandTimeoutMs: 200, onEvent: (e) => events.push(e) })
    const store = createRedisOrganizationStore({ connection })
    const heard: string[] = []
    store.watch!((id) => heard.push(id))
    await store.put(sampleOrganization('acme', 1), undefined)
    await new Promise((r) => setTimeout(r, 100))
    await own.kill()
    const started = Date.now()
    const failure = await store.get('acme').catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(StoreUnavailableError)
    expect((failure as StoreUnavailableError).status).toBe(503)
    expect(Date.now() - started).toBeLessThan(1000)
    // An admin write during the outage fails with 503 too, and writes nothing.
    expect(await store.put(sampleOrganization('acme', 2), 1).catch((e: unknown) => e)).toBeInstanceOf(StoreUnavailableError)
    await own.start()
    // Back without a restart: the data was lost with the server (no persistence in this test), the
    // client reconnects and the feed resynchronises.
    let back = false
    for (let i = 0; i < 100 && !back; i++) {
      back = await store.list().then(
        () => true,
        () => false,
      )
      if (!back) await new Promise((r) => setTimeout(r, 50))
    }
    expect(back).toBe(true)
    expect(await store.put(sampleOrganization('acme', 1), undefined)).toEqual({ ok: true })
    for (let i = 0; i < 40 && !events.some((e) => e.type === 'redis_feed_resynchronised'); i++) await new Promise((r) => setTimeout(r, 50))
    expect(events.some((e) => e.type === 'redis_feed_resynchronised')).toBe(true)
    expect(events.some((e) => e.type === 'redis_error')).toBe(true)
    await store.close()
    await connection.close()
    await own.stop()
  })

  it('warns at start when maxmemory-policy can evict state keys', async () => {
    const evicting = await startRedisServer(['--maxmemory-policy', 'allkeys-lru'])
    const events: RedisEvent[] = []
    const connection = await createRedisConnection({ url: evicting.url, onEvent: (e) => events.push(e) })
    expect(events).toContainEqual({ type: 'redis_eviction_policy_warning', policy: 'allkeys-lru' })
    await connection.close()
    await evicting.stop()
    const quiet: RedisEvent[] = []
    const c2 = await createRedisConnection({ url: server.url, onEvent: (e) => quiet.push(e) })
    expect(quiet.filter((e) => e.type === 'redis_eviction_policy_warning')).toEqual([])
    await c2.close()
  })

  it('rejects at start with StoreUnavailableError when Redis cannot be reached, instead of hanging', async () => {
    const started = Date.now()
    const error = await createRedisConnection({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 300 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StoreUnavailableError)
    expect(Date.now() - started).toBeLessThan(3000)
  })

  it('names every bad option by its path', async () => {
    const error = await createRedisConnection({ url: 'http://x', commandTimeoutMs: -1, connectTimeoutMs: 0, tls: {} }).catch((e: unknown) => e)
    expect((error as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual(['url', 'tls', 'commandTimeoutMs', 'connectTimeoutMs'])
  })
})
