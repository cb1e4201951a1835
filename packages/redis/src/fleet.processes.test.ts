// Fleet proofs: several Node processes as API instances against one real redis-server.
import { defineAuthorizationServer } from '@tokenward/core'
import { type Organization } from '@tokenward/core/organization'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { jwkThumbprint } from '../../core/src/jose/jwk-thumbprint.ts'
import { makeDpopKey, signProof } from '../../core/src/testing/dpop-proof.test-support.ts'
import { makeKey, mint, startJwksServer, type JwksServer, type TestKey } from '../../core/src/testing/mint.test-support.ts'
import { startWorker, type RunningWorker } from '../../registry/src/node/child-process.test-support.ts'
import { createRedisConnection, type RedisConnection } from './connection.ts'
import { createRedisOrganizationStore } from './organization-store.ts'
import { redisServerInstalled, startRedisServer, type TestRedisServer } from './redis-server.test-support.ts'

const instanceScript = fileURLToPath(new URL('./fleet-instance.test-support.ts', import.meta.url))

interface Instance {
  call<T>(command: Record<string, unknown>, timeoutMs?: number): Promise<T>
  readonly worker: RunningWorker
}

let nextId = 0
async function startInstance(url: string, keyPrefix: string, maxCalls?: number): Promise<Instance> {
  const worker = startWorker(instanceScript, [url, keyPrefix, ...(maxCalls === undefined ? [] : [String(maxCalls)])])
  await worker.waitForLine((l) => l.includes('"ready"'), 20_000)
  return {
    worker,
    async call<T>(command: Record<string, unknown>, timeoutMs = 15_000): Promise<T> {
      const id = ++nextId
      worker.send(JSON.stringify({ ...command, id }))
      const line = await worker.waitForLine((l) => l.startsWith(`{"id":${id},`), timeoutMs)
      return (JSON.parse(line) as { result: T }).result
    },
  }
}

describe.skipIf(!redisServerInstalled)('a fleet of instances on one Redis (child processes, real redis-server)', () => {
  let server: TestRedisServer
  let key: TestKey
  let jwks: JwksServer
  let connection: RedisConnection
  const instances: Instance[] = []
  let n = 0

  beforeAll(async () => {
    // Acknowledged writes must survive a crash of the server for the outage test.
    server = await startRedisServer(['--appendonly', 'yes', '--appendfsync', 'always'])
    key = await makeKey('ES256', 'k1')
    jwks = await startJwksServer([key.publicJwk])
    connection = await createRedisConnection({ url: server.url })
  })
  afterEach(async () => {
    for (const i of instances.splice(0)) {
      i.worker.endInput()
      await i.worker.exited
    }
  })
  afterAll(async () => {
    await connection?.close()
    await jwks?.close()
    await server?.stop()
  })

  const organization = (): Organization => ({
    orgId: '12345',
    cloud: 'zscloud',
    cloudDomain: 'zscloud.net',
    apiRoles: { ReadOnly: ['reports'] },
    subscriptionValidUntil: Math.floor(Date.now() / 1000) + 86_400,
    suspension: undefined,
    authorizationServers: [defineAuthorizationServer({ name: 'Okta1', jwksUrl: jwks.url, issuer: 'https://idp.test', audience: 'api://orders' })],
    revision: 1,
  })
  const seed = async (org: Organization = organization()): Promise<string> => {
    const keyPrefix = `fleet${++n}`
    const store = createRedisOrganizationStore({ connection, keyPrefix })
    expect(await store.put(org, undefined)).toEqual({ ok: true })
    await store.close()
    return keyPrefix
  }
  const fleet = async (count: number, keyPrefix: string, maxCalls?: number): Promise<Instance[]> => {
    const started = await Promise.all(Array.from({ length: count }, () => startInstance(server.url, keyPrefix, maxCalls)))
    instances.push(...started)
    return started
  }

  it('a disable (suspension) on instance A refuses tokens on instance B within one second (the feed, not the 60 s recheck)', async () => {
    const keyPrefix = await seed()
    const [a, b] = await fleet(2, keyPrefix)
    const token = await mint(key)
    expect(await b!.call({ op: 'verify', token, orgId: '12345' })).toBe('accepted')
    expect(await a!.call({ op: 'verify', token, orgId: '12345' })).toBe('accepted')
    const refused = b!.call<{ result: string; at: number }>({ op: 'until-refused', token, orgId: '12345', timeoutMs: 5000 })
    const disabled = await a!.call<{ kind: string; at: number }>({ op: 'disable', orgId: '12345' })
    expect(disabled.kind).toBe('changed')
    const seen = await refused
    expect(seen.result).toBe('401 server_disabled')
    expect(seen.at - disabled.at).toBeLessThan(1000)
  })

  it('a DPoP proof accepted by the registry verifier on instance A is refused on instance B (registry replayStore on Redis)', async () => {
    const bound = defineAuthorizationServer({ name: 'Okta1', jwksUrl: jwks.url, issuer: 'https://idp.test', audience: 'api://orders', dpop: { mode: 'enabled' } })
    const keyPrefix = await seed({ ...organization(), authorizationServers: [bound] })
    const [a, b] = await fleet(2, keyPrefix)
    const client = await makeDpopKey('ES256')
    const jkt = (await jwkThumbprint(client.publicJwk as Record<string, unknown>))!
    const token = await mint(key, { claims: { cnf: { jkt } } })
    const url = 'https://api.example.test/reports'
    const proof = () => signProof(client, { method: 'GET', url, accessToken: token, iat: Math.floor(Date.now() / 1000) })
    const once = await proof()
    expect(await a!.call({ op: 'verify-dpop', token, proof: once, url, orgId: '12345' })).toBe('accepted')
    // Replayed against the other instance (its own per-organization verifier, its own memory).
    expect(await b!.call({ op: 'verify-dpop', token, proof: once, url, orgId: '12345' })).toBe('401 invalid_dpop_proof')
    expect(await a!.call({ op: 'verify-dpop', token, proof: once, url, orgId: '12345' })).toBe('401 invalid_dpop_proof')
    expect(await b!.call({ op: 'verify-dpop', token, proof: await proof(), url, orgId: '12345' })).toBe('accepted')
    // The two accepted proofs live in Redis under the deployment prefix (digests of the
    // organization- and server-prefixed keys, never the raw jti), each with an expiry.
    const keys = (await connection.command(['KEYS', `${keyPrefix}:replay:*`])) as string[]
    expect(keys).toHaveLength(2)
    for (const k of keys) expect(Number(await connection.command(['PTTL', k]))).toBeGreaterThan(0)
  })

  it('counts the API-call threshold across instances and suspends exactly once for the fleet', async () => {
    const keyPrefix = await seed()
    const [a, b, c] = await fleet(3, keyPrefix, 20)
    const token = await mint(key)
    const results = (await Promise.all([a, b, c].map((i) => i!.call<string[]>({ op: 'burst', token, orgId: '12345', count: 15 })))).flat()
    expect(results.filter((r) => r === 'accepted')).toHaveLength(20)
    expect(results.filter((r) => r !== 'accepted' && r !== '401 server_disabled')).toEqual([])
    const store = createRedisOrganizationStore({ connection, keyPrefix })
    const org = await store.get('12345')
    expect(org?.suspension?.reason).toBe('api_call_threshold_exceeded')
    expect(org?.revision).toBe(2) // one suspension write, not one per instance
    const audit = (await connection.command(['XRANGE', `${keyPrefix}:audit`, '-', '+'])) as [string, string[]][]
    const suspensions = audit.filter(([, f]) => f[3] !== 'api_call' && f[5]!.includes('api_call_threshold_exceeded'))
    expect(suspensions).toHaveLength(1) // audited once, for the whole fleet
    await store.close()
  })

  it('8 parallel admin writers in 8 processes lose no update', async () => {
    const keyPrefix = await seed()
    const writers = await fleet(8, keyPrefix)
    const outcomes = await Promise.all(
      writers.map((w, i) => w.call<{ acknowledged: number; conflicts: number; done: string[] }>({ op: 'add-roles', orgId: '12345', writer: `w${i}`, count: 5 }, 30_000)),
    )
    const store = createRedisOrganizationStore({ connection, keyPrefix })
    const org = (await store.get('12345'))!
    expect(org.revision).toBe(1 + 40)
    for (const o of outcomes) for (const role of o.done) expect(org.apiRoles[role]).toEqual(['reports'])
    expect(Object.keys(org.apiRoles)).toHaveLength(1 + 40)
    expect(outcomes.reduce((s, o) => s + o.conflicts, 0)).toBeGreaterThan(0) // they did race
    await store.close()
  })

  it('Redis killed mid-load and restarted: every refusal a 503, no acknowledged write lost, service back without a restart', async () => {
    const keyPrefix = await seed()
    const [api, writer] = await fleet(2, keyPrefix)
    const token = await mint(key)
    expect(await api!.call({ op: 'verify', token, orgId: '12345' })).toBe('accepted')
    const load = api!.call<{ tally: Record<string, number>; timeline: string[] }>({ op: 'load', token, orgId: '12345', durationMs: 3000 }, 20_000)
    const writes = writer!.call<{ acknowledged: number; unavailable: number; done: string[] }>(
      { op: 'add-roles', orgId: '12345', writer: 'w', count: 1, untilMs: Date.now() + 2600 },
      20_000,
    )
    await new Promise((r) => setTimeout(r, 500))
    await server.kill()
    await new Promise((r) => setTimeout(r, 700))
    await server.start()
    const { tally, timeline } = await load
    const written = await writes
    // Every answer is "accepted" or an outage (503): never a 401 or a thrown error.
    for (const result of Object.keys(tally)) expect(result === 'accepted' || result.startsWith('503 '), result).toBe(true)
    expect(Object.keys(tally).some((r) => r.startsWith('503 '))).toBe(true) // the outage was seen
    expect(timeline.at(-1)).toBe('accepted') // back without a restart
    expect(written.unavailable).toBeGreaterThan(0)
    const store = createRedisOrganizationStore({ connection, keyPrefix })
    let org: Organization | undefined
    for (let i = 0; i < 40 && org === undefined; i++) {
      org = await store.get('12345').catch(() => undefined)
      if (org === undefined) await new Promise((r) => setTimeout(r, 50))
    }
    for (const role of written.done) expect(org!.apiRoles[role], role).toEqual(['reports'])
    await store.close()
  })
})
