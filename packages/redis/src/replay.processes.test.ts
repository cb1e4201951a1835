// Fleet proof for DPoP replay: two Node processes as API instances (core's createVerifier with the
// Redis replay store) against one real redis-server. A proof accepted on A is refused on B; with
// Redis down every proof is refused with 503 (never accepted), and the service is back without a
// restart — still refusing the proofs used before the outage.
import { jwkThumbprint } from '@tokenward/core'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { makeDpopKey, signProof, type DpopKey } from '../../core/src/testing/dpop-proof.test-support.ts'
import { makeKey, mint, type TestKey } from '../../core/src/testing/mint.test-support.ts'
import { startWorker, type RunningWorker } from '../../registry/src/node/child-process.test-support.ts'
import { redisServerInstalled, startRedisServer, type TestRedisServer } from './redis-server.test-support.ts'

const instanceScript = fileURLToPath(new URL('./replay-instance.test-support.ts', import.meta.url))

interface Instance {
  verify(token: string, proof: string): Promise<string>
  readonly worker: RunningWorker
}

let nextId = 0
let prefixes = 0

describe.skipIf(!redisServerInstalled)('DPoP replay across instances (child processes, real redis-server)', () => {
  let server: TestRedisServer
  let key: TestKey
  let client: DpopKey
  let jkt: string
  const instances: Instance[] = []

  beforeAll(async () => {
    // Remembered proofs must survive a crash of the server (appendfsync always), or a proof used
    // before the outage could be replayed after it.
    server = await startRedisServer(['--appendonly', 'yes', '--appendfsync', 'always'])
    key = await makeKey('ES256', 'k1')
    client = await makeDpopKey('ES256')
    jkt = (await jwkThumbprint(client.publicJwk as Record<string, unknown>))!
  })
  afterEach(async () => {
    for (const i of instances.splice(0)) {
      i.worker.endInput()
      await i.worker.exited
    }
  })
  afterAll(async () => {
    await server?.stop()
  })

  const start = async (keyPrefix: string): Promise<Instance> => {
    const worker = startWorker(instanceScript, [server.url, keyPrefix, JSON.stringify(key.publicJwk)])
    await worker.waitForLine((l) => l.includes('"ready"'), 20_000)
    const instance: Instance = {
      worker,
      async verify(token, proof) {
        const id = ++nextId
        worker.send(JSON.stringify({ op: 'verify', token, proof, id }))
        const line = await worker.waitForLine((l) => l.startsWith(`{"id":${id},`), 15_000)
        return (JSON.parse(line) as { result: string }).result
      },
    }
    instances.push(instance)
    return instance
  }
  const twoInstances = async (): Promise<[Instance, Instance]> => {
    const keyPrefix = `dpop${++prefixes}`
    return Promise.all([start(keyPrefix), start(keyPrefix)])
  }
  const proofFor = (token: string) => signProof(client, { method: 'GET', url: 'https://api.example.test/orders', accessToken: token, iat: Math.floor(Date.now() / 1000) })

  it('a DPoP proof accepted on instance A is refused on instance B', async () => {
    const [a, b] = await twoInstances()
    const token = await mint(key, { claims: { cnf: { jkt } } })
    const proof = await proofFor(token)
    expect(await a.verify(token, proof)).toBe('accepted')
    expect(await b.verify(token, proof)).toBe('401 invalid_dpop_proof')
    expect(await a.verify(token, proof)).toBe('401 invalid_dpop_proof')
    // The same token with a new proof is fine on either.
    expect(await b.verify(token, await proofFor(token))).toBe('accepted')
  })

  it('Redis killed: every proof refused with 503 and Retry-After (never accepted); back without a restart, old proofs still refused', async () => {
    const [a, b] = await twoInstances()
    const token = await mint(key, { claims: { cnf: { jkt } } })
    const before = await proofFor(token)
    expect(await a.verify(token, before)).toBe('accepted')
    await server.kill()
    try {
      const during = await Promise.all([a.verify(token, await proofFor(token)), b.verify(token, await proofFor(token)), b.verify(token, before)])
      expect(during).toEqual(['503 replay_unavailable retry-after', '503 replay_unavailable retry-after', '503 replay_unavailable retry-after'])
    } finally {
      await server.start()
    }
    const until = Date.now() + 10_000
    let after = ''
    while (after !== 'accepted' && Date.now() < until) {
      after = await b.verify(token, await proofFor(token))
      expect(after === 'accepted' || after.startsWith('503 '), after).toBe(true)
      if (after !== 'accepted') await new Promise((r) => setTimeout(r, 100))
    }
    expect(after).toBe('accepted')
    expect(await b.verify(token, before)).toBe('401 invalid_dpop_proof')
  })
})
