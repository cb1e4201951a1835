// Test support: one API instance of a fleet, as a child Node process (Node strips the types). It
// runs the registry verifier on the Redis store, counter, audit stream and DPoP replay store
// (the registry's `replayStore` option), and answers JSON
// commands on stdin with one JSON line each on stdout. Not part of the package.
//   argv: <redis url> <key prefix> [maxCalls]
import { systemActor, type Organization } from '@tokenward/core/organization'
import { changeOrganization, createRegistryVerifier } from '@tokenward/registry'
import { createInterface } from 'node:readline'
import { createRedisApiCallCounter, createRedisAuditSink, createRedisConnection, createRedisOrganizationStore, createRedisReplayStore } from './index.ts'

const [url, keyPrefix, maxCalls] = process.argv.slice(2) as [string, string, string | undefined]
const events: string[] = []
const connection = await createRedisConnection({ url, commandTimeoutMs: 200, onEvent: (e) => events.push(e.type) })
const store = createRedisOrganizationStore({ connection, keyPrefix })
const auditSink = createRedisAuditSink({ connection, keyPrefix })
const registry = createRegistryVerifier({
  store,
  auditSink,
  apiCallCounter: createRedisApiCallCounter({ connection, keyPrefix }),
  // One DPoP replay store for the whole fleet: a proof spent on one instance is spent on all.
  replayStore: createRedisReplayStore({ connection, keyPrefix }),
  ...(maxCalls === undefined ? {} : { apiCallThreshold: { maxCalls: Number(maxCalls), windowSeconds: 3600 } }),
  // Only the change feed can make a change visible within the tests' one second.
  organizationRecheckMs: 60_000,
  storeOutageCeilingMs: 60_000,
  keyRefresh: false,
  jwks: { addressPolicy: { developmentLoopback: true } },
})

const verify = async (token: string, orgId: string): Promise<string> => {
  try {
    const v = await registry.verifyRequest({ method: 'GET', url: '/reports', headers: { authorization: `Bearer ${token}` } }, { orgId })
    return v.ok ? 'accepted' : `${v.response.status} ${v.error.code}`
  } catch (e) {
    return `threw ${e instanceof Error ? e.message : String(e)}`
  }
}
const verifyDpop = async (token: string, proof: string, url: string, orgId: string): Promise<string> => {
  try {
    const v = await registry.verifyRequest({ method: 'GET', url, headers: { authorization: `DPoP ${token}`, dpop: proof } }, { orgId })
    return v.ok ? 'accepted' : `${v.response.status} ${v.error.code}`
  } catch (e) {
    return `threw ${e instanceof Error ? e.message : String(e)}`
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

type Command =
  | { id: number; op: 'verify'; token: string; orgId: string }
  | { id: number; op: 'verify-dpop'; token: string; proof: string; url: string; orgId: string }
  | { id: number; op: 'until-refused'; token: string; orgId: string; timeoutMs: number }
  | { id: number; op: 'burst'; token: string; orgId: string; count: number }
  | { id: number; op: 'load'; token: string; orgId: string; durationMs: number }
  | { id: number; op: 'disable'; orgId: string }
  | { id: number; op: 'add-roles'; orgId: string; writer: string; count: number; untilMs?: number }
  | { id: number; op: 'events' }

const run = async (c: Command): Promise<unknown> => {
  switch (c.op) {
    case 'verify':
      return verify(c.token, c.orgId)
    case 'verify-dpop':
      return verifyDpop(c.token, c.proof, c.url, c.orgId)
    case 'until-refused': {
      const end = Date.now() + c.timeoutMs
      for (;;) {
        const r = await verify(c.token, c.orgId)
        if (r !== 'accepted' || Date.now() > end) return { result: r, at: Date.now() }
        await sleep(5)
      }
    }
    case 'burst':
      return Promise.all(Array.from({ length: c.count }, () => verify(c.token, c.orgId)))
    case 'load': {
      const tally: Record<string, number> = {}
      const timeline: string[] = []
      const end = Date.now() + c.durationMs
      while (Date.now() < end) {
        const r = await verify(c.token, c.orgId)
        tally[r] = (tally[r] ?? 0) + 1
        if (timeline.at(-1) !== r) timeline.push(r)
        await sleep(5)
      }
      return { tally, timeline }
    }
    case 'disable': {
      const r = await changeOrganization(store, auditSink, { orgId: c.orgId, command: { type: 'suspend', reason: 'terms_violation' }, actor: systemActor, now: Math.floor(Date.now() / 1000), attempts: 5 })
      return { kind: r.kind, at: Date.now() }
    }
    case 'add-roles': {
      // Compare-and-set loop straight on the store: read, add one role, write from that revision.
      let acknowledged = 0
      let conflicts = 0
      let unavailable = 0
      const done: string[] = []
      for (let k = 0; k < c.count || (c.untilMs !== undefined && Date.now() < c.untilMs); ) {
        const role = `${c.writer}-${k}`
        try {
          const org = (await store.get(c.orgId)) as Organization
          const next = { ...org, apiRoles: { ...org.apiRoles, [role]: ['reports'] }, revision: org.revision + 1 }
          const r = await store.put(next, org.revision)
          if (r.ok) {
            acknowledged++
            done.push(role)
            k++
          } else {
            conflicts++
            await sleep(Math.random() * 5) // back off a little instead of spinning on two shared cores
          }
        } catch {
          unavailable++
          await sleep(20)
        }
      }
      return { acknowledged, conflicts, unavailable, done }
    }
    case 'events':
      return events
  }
}

const lines = createInterface({ input: process.stdin })
lines.on('line', (line) => {
  const c = JSON.parse(line) as Command
  void run(c).then((result) => process.stdout.write(`${JSON.stringify({ id: c.id, result })}\n`))
})
lines.on('close', () => {
  void registry.close().then(async () => {
    await store.close()
    await auditSink.close()
    await connection.close()
  })
})
process.stdout.write(`${JSON.stringify({ ready: true })}\n`)
