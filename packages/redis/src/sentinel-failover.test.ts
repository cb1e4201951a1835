// Redis Sentinel failover, for real: a master, a replica and a sentinel (quorum 1, master down
// after 1 s). The master is killed; the sentinel promotes the replica; the connection made through
// createRedisSentinelConnection follows the new master without being rebuilt, and the
// organization store keeps working on it, with every write acknowledged before the failure still
// there.
//
// What this does not prove: Redis replication is asynchronous, so a write the old master
// acknowledged but had not yet sent to the replica is lost by any failover. The test waits for the
// replica to acknowledge (WAIT 1) before killing the master; the organization store does not
// issue WAIT itself (see the README's failure table).
import { spawnSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sampleOrganization } from '../../registry/src/store/organization-store-contract.test-support.ts'
import type { RedisConnection } from './connection.ts'
import { createRedisOrganizationStore } from './organization-store.ts'
import { redisCliInstalled, redisServerInstalled, startRedisSentinel, startRedisServer, type TestRedisSentinel, type TestRedisServer } from './redis-server.test-support.ts'
import { createRedisSentinelConnection } from './sentinel-connection.ts'

const roleOf = (port: number): string => spawnSync('redis-cli', ['-p', String(port), 'role'], { encoding: 'utf8' }).stdout.split('\n')[0]!.trim()
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe.skipIf(!redisServerInstalled || !redisCliInstalled)('Redis Sentinel failover (real master, replica and sentinel)', () => {
  let master: TestRedisServer
  let replica: TestRedisServer
  let sentinel: TestRedisSentinel
  let connection: RedisConnection
  const events: string[] = []

  beforeAll(async () => {
    master = await startRedisServer()
    replica = await startRedisServer(['--replicaof', '127.0.0.1', String(master.port)])
    for (let i = 0; i < 100 && !spawnSync('redis-cli', ['-p', String(replica.port), 'info', 'replication'], { encoding: 'utf8' }).stdout.includes('master_link_status:up'); i++) await sleep(50)
    // Started after the replica, so its first look at the master already lists it.
    sentinel = await startRedisSentinel(master.port, { downAfterMs: 1000, readyWhen: '+slave ' })
    connection = await createRedisSentinelConnection({ name: sentinel.name, sentinels: [sentinel.url], commandTimeoutMs: 300, onEvent: (e) => events.push(e.type) })
  }, 30_000)
  afterAll(async () => {
    await connection?.close()
    await sentinel?.stop()
    await replica?.stop()
    await master?.stop()
  })

  it('follows the promoted replica after the master is killed; the organization store keeps every acknowledged write and accepts new ones', async () => {
    const store = createRedisOrganizationStore({ connection, keyPrefix: 'failover' })
    const acknowledged: string[] = []
    for (let i = 0; i < 20; i++) {
      expect(await store.put(sampleOrganization(`org${i}`, 1), undefined)).toEqual({ ok: true })
      acknowledged.push(`org${i}`)
    }
    // Replicated before the failure (asynchronous replication: see the header).
    expect(Number(await connection.command(['WAIT', '1', '2000']))).toBe(1)
    expect(roleOf(replica.port)).toBe('slave')

    await master.kill()
    const killedAt = Date.now()
    // Writes keep being attempted through the failover: each is acknowledged or refused, never lost.
    let written = 0
    let refused = 0
    let promotedAfterMs: number | undefined
    while (Date.now() - killedAt < 20_000) {
      const id = `during${written}`
      const ok = await store.put(sampleOrganization(id, 1), undefined).then(
        (r) => r.ok,
        () => false,
      )
      if (ok) {
        acknowledged.push(id)
        written++
        if (promotedAfterMs === undefined) promotedAfterMs = Date.now() - killedAt
        if (written >= 5) break
      } else {
        refused++
        await sleep(100)
      }
    }
    expect(promotedAfterMs, 'no write was accepted within 20 s of the master being killed').toBeDefined()
    expect(refused).toBeGreaterThan(0) // the outage was seen, as refusals (never a silent acceptance)
    expect(roleOf(replica.port)).toBe('master') // the connection is on the promoted replica
    for (const id of acknowledged) expect((await store.get(id))?.orgId, id).toBe(id)
    // Compare-and-set still holds on the new master.
    expect(await store.put(sampleOrganization('org0', 2), 1)).toEqual({ ok: true })
    expect(await store.put(sampleOrganization('org0', 2), 1)).toMatchObject({ ok: false })
    await store.close()
  }, 40_000)
})
