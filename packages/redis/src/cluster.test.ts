// A real three-node Redis Cluster (redis-server --cluster-enabled, joined with redis-cli): the
// organization-store and replay-store contracts through createRedisClusterConnection, keys that
// land on several nodes, the change feed across connections, and the options check.
import { spawnSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runReplayStoreContract } from '../../core/src/testing/replay-store-contract.test-support.ts'
import { describeOrganizationStoreContract, sampleOrganization } from '../../registry/src/store/organization-store-contract.test-support.ts'
import { createRedisClusterConnection } from './cluster-connection.ts'
import type { RedisConnection } from './connection.ts'
import { createRedisOrganizationStore } from './organization-store.ts'
import { createRedisReplayStore } from './replay-store.ts'
import { redisCliInstalled, redisServerInstalled, startRedisCluster, type TestRedisCluster } from './redis-server.test-support.ts'

describe.skipIf(!redisServerInstalled || !redisCliInstalled)('Redis Cluster (three real nodes)', () => {
  let cluster: TestRedisCluster
  let connection: RedisConnection
  let n = 0
  beforeAll(async () => {
    cluster = await startRedisCluster()
    connection = await createRedisClusterConnection({ rootNodes: cluster.rootNodes.slice(0, 1) })
  }, 30_000)
  afterAll(async () => {
    await connection?.close()
    await cluster?.stop()
  })

  // One shared cluster connection: nothing to clean up per store.
  describeOrganizationStoreContract('redis cluster store', async () => ({ store: createRedisOrganizationStore({ connection, keyPrefix: `ccontract${++n}` }), cleanup: async () => undefined }))

  runReplayStoreContract('redis cluster', { make: () => createRedisReplayStore({ connection, keyPrefix: `creplay${++n}` }) })

  it('spreads organizations over the nodes (keys routed by their hash tag) and reads them all back', async () => {
    const keyPrefix = `spread${++n}`
    const store = createRedisOrganizationStore({ connection, keyPrefix })
    const ids = Array.from({ length: 12 }, (_, i) => `org-${i}`)
    for (const id of ids) expect(await store.put(sampleOrganization(id, 1), undefined)).toEqual({ ok: true })
    for (const id of ids) expect((await store.get(id))?.orgId).toBe(id)
    // Each node holds only its slots' keys: more than one node holds organizations.
    const holders = cluster.rootNodes.map(
      (url) => spawnSync('redis-cli', ['-p', new URL(url).port, 'keys', `{${keyPrefix}:org:*`], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean).length,
    )
    expect(holders.filter((count) => count > 0).length).toBeGreaterThan(1)
    await store.close()
  })

  it('announces a write through the change feed to another connection', async () => {
    const other = await createRedisClusterConnection({ rootNodes: cluster.rootNodes.slice(1, 2) })
    try {
      const keyPrefix = `cfeed${++n}`
      const writer = createRedisOrganizationStore({ connection, keyPrefix })
      const reader = createRedisOrganizationStore({ connection: other, keyPrefix })
      const heard: string[] = []
      reader.watch!((id) => heard.push(id))
      await new Promise((r) => setTimeout(r, 200))
      await writer.put(sampleOrganization('acme', 1), undefined)
      const started = Date.now()
      while (heard.length === 0 && Date.now() - started < 2000) await new Promise((r) => setTimeout(r, 10))
      expect(heard).toEqual(['acme'])
      await writer.close()
      await reader.close()
    } finally {
      await other.close()
    }
  })

  it('checks its options, naming each bad field', async () => {
    await expect(createRedisClusterConnection({ rootNodes: [] })).rejects.toMatchObject({ issues: [{ path: 'rootNodes' }] })
    await expect(createRedisClusterConnection({ rootNodes: ['http://x:1'], commandTimeoutMs: 0 })).rejects.toMatchObject({ issues: [{ path: 'rootNodes[0]' }, { path: 'commandTimeoutMs' }] })
  })
})
