// Redis Sentinel (a real master and a real sentinel process): the organization-store and
// replay-store contracts through createRedisSentinelConnection, the change feed between two
// connections, and the options check. Failover: sentinel-failover.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runReplayStoreContract } from '../../core/src/testing/replay-store-contract.test-support.ts'
import { describeOrganizationStoreContract, sampleOrganization } from '../../registry/src/store/organization-store-contract.test-support.ts'
import type { RedisConnection } from './connection.ts'
import { createRedisOrganizationStore } from './organization-store.ts'
import { createRedisReplayStore } from './replay-store.ts'
import { redisCliInstalled, redisServerInstalled, startRedisSentinel, startRedisServer, type TestRedisSentinel, type TestRedisServer } from './redis-server.test-support.ts'
import { createRedisSentinelConnection } from './sentinel-connection.ts'

describe.skipIf(!redisServerInstalled || !redisCliInstalled)('Redis Sentinel (real master and sentinel)', () => {
  let master: TestRedisServer
  let sentinel: TestRedisSentinel
  let connection: RedisConnection
  let n = 0
  beforeAll(async () => {
    master = await startRedisServer()
    sentinel = await startRedisSentinel(master.port)
    connection = await createRedisSentinelConnection({ name: sentinel.name, sentinels: [sentinel.url] })
  }, 30_000)
  afterAll(async () => {
    await connection?.close()
    await sentinel?.stop()
    await master?.stop()
  })

  describeOrganizationStoreContract('redis store through sentinel', async () => ({ store: createRedisOrganizationStore({ connection, keyPrefix: `scontract${++n}` }), cleanup: async () => undefined }))

  runReplayStoreContract('redis through sentinel', { make: () => createRedisReplayStore({ connection, keyPrefix: `sreplay${++n}` }) })

  it('writes land on the master the sentinel names, and the feed reaches another connection', async () => {
    const other = await createRedisSentinelConnection({ name: sentinel.name, sentinels: [sentinel.url] })
    try {
      const keyPrefix = `sfeed${++n}`
      const writer = createRedisOrganizationStore({ connection, keyPrefix })
      const reader = createRedisOrganizationStore({ connection: other, keyPrefix })
      const heard: string[] = []
      reader.watch!((id) => heard.push(id))
      await new Promise((r) => setTimeout(r, 200))
      await writer.put(sampleOrganization('acme', 1), undefined)
      const started = Date.now()
      while (!heard.includes('acme') && Date.now() - started < 2000) await new Promise((r) => setTimeout(r, 10))
      expect(heard).toContain('acme')
      const direct = (await import('node:child_process')).spawnSync('redis-cli', ['-p', String(master.port), 'hget', `{${keyPrefix}:org:acme}`, 'rev'], { encoding: 'utf8' })
      expect(direct.stdout.trim()).toBe('1')
      await writer.close()
      await reader.close()
    } finally {
      await other.close()
    }
  })

  it('checks its options, naming each bad field', async () => {
    await expect(createRedisSentinelConnection({ name: '', sentinels: ['http://x'] })).rejects.toMatchObject({ issues: [{ path: 'name' }, { path: 'sentinels[0]' }] })
  })
})
