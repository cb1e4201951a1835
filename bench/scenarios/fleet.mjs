// Fleet benchmark: the registry verifier with organizations on Redis, kept fresh by the change
// feed (@tokenward/redis), against the single-process registry path (organizations in an
// in-memory store), for repeated bearer tokens, in one process, same run, as ratios. Also counts
// Redis round trips per request of each kind.
//
//   single-process  createRegistryVerifier over createInMemoryOrganizationStore
//   fleet           createRegistryVerifier over createRedisOrganizationStore (feed on, recheck 30 s)
//                   Target: fleet ≥ 0.9× single-process (a cached bearer token costs no round trip).
//   fleet-counted   context: fleet plus the Redis API-call counter and audit stream (every allowed
//                   call is counted and audited in Redis: two round trips, awaited).
//
// Needs redis-server (Debian: apt-get install redis-server); when it is missing the scenario
// reports itself skipped and the target reads "not measured".
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInMemoryOrganizationStore, createRegistryVerifier } from '@tokenward/registry'
import { createRedisApiCallCounter, createRedisAuditSink, createRedisConnection, createRedisOrganizationStore } from '@tokenward/redis'
import { startJwksServer } from '../lib/jwks-server.mjs'
import { quick } from '../lib/mode.mjs'
import { runAsChild } from '../lib/processes.mjs'
import { ratioSummary, sampleInterleaved, summarize } from '../lib/sampling.mjs'
import { audience, createSigningKey, issuer, mintAccessToken } from '../lib/tokens.mjs'

const settings = quick ? { rounds: 3, roundMs: 100, tokens: 50 } : { rounds: 15, roundMs: 400, tokens: 50 }

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })

async function startRedis() {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'tokenward-bench-redis-'))
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'inherit'] })
  await new Promise((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (chunk) => {
      out += chunk
      if (out.includes('Ready to accept connections')) resolve()
    })
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)))
  })
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      await new Promise((resolve) => {
        child.once('exit', resolve)
        child.kill('SIGKILL')
      })
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** The connection, counting every round trip (command or script). */
function counting(connection) {
  const counted = {
    roundTrips: 0,
    command: (args) => (counted.roundTrips++, connection.command(args)),
    script: (script, keys, args) => (counted.roundTrips++, connection.script(script, keys, args)),
    subscribe: (...args) => connection.subscribe(...args),
    report: (event) => connection.report(event),
    close: () => connection.close(),
  }
  return counted
}

runAsChild(async () => {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
    console.log('  fleet: skipped, redis-server is not installed (Debian: apt-get install redis-server)')
    return { skipped: 'redis-server is not installed' }
  }
  const key = createSigningKey('ES256')
  const jwksServer = await startJwksServer({ keys: [key.jwk] })
  const redis = await startRedis()
  const closers = []
  try {
    const server = { name: 'Bench', jwksUrl: jwksServer.url, issuer, audience, enabled: true, description: '' }
    const organization = {
      orgId: '12345',
      cloud: 'zscloud',
      cloudDomain: 'zscloud.net',
      apiRoles: { ReadOnly: ['reports'], Reporting: ['reports'], Audit: ['audit'] },
      subscriptionValidUntil: Math.floor(Date.now() / 1000) + 86_400,
      suspension: undefined,
      authorizationServers: [server],
      revision: 1,
    }
    const common = { keyRefresh: false, jwks: { addressPolicy: { developmentLoopback: true } } }
    const connection = counting(await createRedisConnection({ url: redis.url }))
    closers.push(() => connection.close())
    const redisStore = createRedisOrganizationStore({ connection })
    await redisStore.put(organization, undefined)
    const verifiers = {
      'single-process': createRegistryVerifier({ ...common, store: createInMemoryOrganizationStore([organization]) }),
      fleet: createRegistryVerifier({ ...common, store: redisStore, organizationRecheckMs: 30_000 }),
      'fleet-counted': createRegistryVerifier({
        ...common,
        store: createRedisOrganizationStore({ connection }),
        organizationRecheckMs: 30_000,
        apiCallCounter: createRedisApiCallCounter({ connection }),
        apiCallThreshold: { maxCalls: 1e12, windowSeconds: 3600 },
        auditSink: createRedisAuditSink({ connection, maxLength: 10_000 }),
      }),
    }
    for (const v of Object.values(verifiers)) closers.push(() => v.close())
    const tokens = Array.from({ length: settings.tokens }, (_, i) => mintAccessToken(key, `fleet-${i}`))
    const requests = tokens.map((t) => ({ method: 'GET', url: '/resource', headers: { authorization: `Bearer ${t}` } }))
    const target = { orgId: '12345' }
    const operation = (verifier) => {
      let i = 0
      return {
        async: true,
        fn: async () => {
          const verdict = await verifier.verifyRequest(requests[i++ % requests.length], target)
          if (!verdict.ok) throw new Error(`refused: ${verdict.error.code}`)
        },
      }
    }
    // Warm every path (keys fetched, organization read, tokens cached), then count round trips.
    for (const v of Object.values(verifiers)) for (const r of requests) await operation(v).fn.call(null, r)
    const roundTripsPerRequest = {}
    for (const [name, verifier] of Object.entries(verifiers)) {
      const before = connection.roundTrips
      const op = operation(verifier)
      for (let k = 0; k < 1000; k++) await op.fn()
      roundTripsPerRequest[name] = (connection.roundTrips - before) / 1000
    }
    const samples = await sampleInterleaved(Object.fromEntries(Object.entries(verifiers).map(([n, v]) => [n, operation(v)])), settings)
    return {
      settings,
      roundTripsPerRequest,
      rows: Object.keys(verifiers).map((name) => ({
        variant: name,
        opsPerSecond: summarize(samples[name]),
        vsSingleProcess: ratioSummary(samples[name], samples['single-process']),
        redisRoundTripsPerRequest: roundTripsPerRequest[name],
      })),
    }
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined)
    await redis.stop()
    await jwksServer.close()
  }
})
