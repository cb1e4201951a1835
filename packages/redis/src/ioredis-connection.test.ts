// The ioredis adapter on a real redis-server: the organization-store contract (the same one the
// node-redis connection passes), the replay store, the change feed and failing fast when Redis is
// down.
import { StoreUnavailableError } from '@tokenward/core'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runReplayStoreContract } from '../../core/src/testing/replay-store-contract.test-support.ts'
import { describeOrganizationStoreContract, sampleOrganization } from '../../registry/src/store/organization-store-contract.test-support.ts'
import type { RedisConnection, RedisEvent } from './connection.ts'
import { createIoredisConnection } from './ioredis-connection.ts'
import { createRedisOrganizationStore } from './organization-store.ts'
import { createRedisReplayStore } from './replay-store.ts'
import { redisServerInstalled, startRedisServer, type TestRedisServer } from './redis-server.test-support.ts'

describe.skipIf(!redisServerInstalled)('ioredis adapter (real redis-server)', () => {
  let server: TestRedisServer
  let shared: RedisConnection
  let n = 0
  const connect = (url: string, onEvent?: (e: RedisEvent) => void) =>
    createIoredisConnection({ client: new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0 }), commandTimeoutMs: 300, onEvent })
  beforeAll(async () => {
    server = await startRedisServer()
    shared = await connect(server.url)
  })
  afterAll(async () => {
    await shared?.close()
    await server?.stop()
  })

  describeOrganizationStoreContract('redis store through ioredis', async () => {
    const connection = await connect(server.url)
    return { store: createRedisOrganizationStore({ connection, keyPrefix: `io${++n}` }), cleanup: () => connection.close() }
  })

  runReplayStoreContract('redis through ioredis', { make: () => createRedisReplayStore({ connection: shared, keyPrefix: `ioreplay${++n}` }) })

  it('a write through node-redis-free ioredis connections reaches another store object through the feed', async () => {
    const other = await connect(server.url)
    try {
      const keyPrefix = `iofeed${++n}`
      const writer = createRedisOrganizationStore({ connection: shared, keyPrefix })
      const reader = createRedisOrganizationStore({ connection: other, keyPrefix })
      const heard: string[] = []
      reader.watch!((id) => heard.push(id))
      await new Promise((r) => setTimeout(r, 150))
      await writer.put(sampleOrganization('acme', 1), undefined)
      const started = Date.now()
      while (heard.length === 0 && Date.now() - started < 1000) await new Promise((r) => setTimeout(r, 5))
      expect(heard).toEqual(['acme'])
      await writer.close()
      await reader.close()
    } finally {
      await other.close()
    }
  })

  it('Redis down: a replay check fails closed with StoreUnavailableError, fast, and works again once Redis is back', async () => {
    const own = await startRedisServer()
    const events: string[] = []
    const connection = await connect(own.url, (e) => events.push(e.type))
    try {
      const store = createRedisReplayStore({ connection })
      expect(await store.remember('dpop:a', 30)).toBe('fresh')
      await own.kill()
      const started = Date.now()
      await expect(store.remember('dpop:b', 30)).rejects.toBeInstanceOf(StoreUnavailableError)
      expect(Date.now() - started).toBeLessThan(1000)
      expect(events).toContain('redis_error')
      await own.start()
      let verdict: string | undefined
      for (let i = 0; i < 100 && verdict === undefined; i++) {
        verdict = await Promise.resolve(store.remember('dpop:b', 30)).catch(() => undefined)
        if (verdict === undefined) await new Promise((r) => setTimeout(r, 50))
      }
      expect(verdict).toBe('fresh')
    } finally {
      await connection.close()
      await own.stop()
    }
  })

  it('checks its options', async () => {
    await expect(createIoredisConnection({ client: {} as never, commandTimeoutMs: -1 })).rejects.toMatchObject({ issues: [{ path: 'client' }, { path: 'commandTimeoutMs' }] })
  })
})
