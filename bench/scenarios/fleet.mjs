// Fleet benchmark: the registry verifier with organizations on Redis, held in memory and kept
// fresh by the change feed (@tokenward/redis), against the single-process registry path and the
// single core verifier, same run, as ratios of CPU time per request. Also counts Redis round trips
// per request of each kind.
//
//   single-verifier   core's createVerifier for the same server and organization (the floor)
//   single-process    createRegistryVerifier over createInMemoryOrganizationStore
//   fleet             createRegistryVerifier over createRedisOrganizationStore (feed on, recheck 30 s)
//                     Targets: fleet ≥ 0.9× single-verifier (the registry path with organizations
//                     in memory kept fresh by the feed) and fleet ≥ 0.9× single-process.
//   fleet-counted     context: fleet plus the Redis API-call counter and audit stream (every allowed
//                     call is counted and audited in Redis, awaited).
//   dpop-in-memory    context: a DPoP-bound token (cached) with a fresh ES256 proof per request, the
//   dpop-fleet        registry's default in-memory replay store vs createRedisReplayStore on Redis.
//
// Why CPU time: on a shared 2-core machine, requests per wall-clock second swing by 3× between
// rounds with the load of other processes (0.31–3.11× in earlier runs). What the code costs is the
// CPU time of this process per request (process.cpuUsage: user + system, every thread), which
// other processes do not inflate, and waiting for Redis does not count. This process is pinned to
// core 1 by run.mjs and redis-server to core 0 when `taskset` works. The compared paths run in
// many short rounds, interleaved (order reversed every other round), each round on the same
// requests; each ratio pairs two measurements taken moments apart, and the report gives the
// median with its range. The rounds run in three fresh processes one after the other (14 rounds
// each), pooled: what the JIT compiles, inlines and where it deoptimizes is decided once per
// process and moves a variant's cost by ±10 % from one process to the next (the same code read
// 0.80–1.03× in seven single-process runs, and 0.94–1.06× in a tight two-variant loop), so one
// process is one draw of that luck, not a measurement of the code.
//
// Needs redis-server (Debian: apt-get install redis-server); when it is missing the scenario
// reports itself skipped and the targets read "not measured".
import { spawn, spawnSync } from 'node:child_process'
import { createHash, generateKeyPairSync, randomUUID, sign } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createVerifier } from '@tokenward/core'
import { createInMemoryOrganizationStore, createRegistryVerifier } from '@tokenward/registry'
import {
  createRedisApiCallCounter,
  createRedisAuditSink,
  createRedisConnection,
  createRedisOrganizationStore,
  createRedisReplayStore,
} from '@tokenward/redis'
import { startJwksServer } from '../lib/jwks-server.mjs'
import { quick } from '../lib/mode.mjs'
import { canPin, runAsChild, runNodeForResult } from '../lib/processes.mjs'
import { inRoundOrder, ratioSummary, summarize } from '../lib/sampling.mjs'
import { accessTokenClaims, audience, createSigningKey, issuer, mintAccessToken, signingKeyFrom, signToken, transferableKey } from '../lib/tokens.mjs'

// Requests per variant and round: enough for ~30–80 ms of CPU each, so a scavenge or a timer tick
// is a small part of any one measurement. Cached bearer tokens cost ~1 µs, a Redis round trip
// tens of µs, a DPoP proof (one ES256 verification) ~150 µs.
const settings = quick
  ? { processes: 1, rounds: 3, warmUpPasses: 1, perRound: { bearer: 2000, counted: 100, dpop: 50 }, tokens: 50, counted: 200 }
  : { processes: 3, rounds: 14, warmUpPasses: 6, perRound: { bearer: 30_000, counted: 1000, dpop: 300 }, tokens: 50, counted: 1000 }

/**
 * What each kind of measuring process holds and measures. The target rows (repeated bearer tokens
 * on the three paths) run in processes of their own: measured beside the context rows, whose
 * Redis round trips and proof checks ran just before them in every other round, the registry
 * rows read 0.96× the single verifier in the rounds where they followed a bearer row and 0.83× in
 * those where they followed the Redis counter and audit row (one run, 70 rounds). The context
 * rows run in one process with their own baselines (the in-memory registry, the in-memory
 * replay store), and that process also counts the Redis round trips.
 */
const kinds = {
  bearer: { measured: ['single-verifier', 'single-process', 'fleet'] },
  context: { measured: ['single-process', 'fleet-counted', 'dpop-in-memory', 'dpop-fleet'] },
}
const url = 'https://api.bench.test/orders'

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })

/** A throwaway redis-server on loopback, on core 0 when pinning works (this process runs on core 1). */
async function startRedis() {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'tokenward-bench-redis-'))
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir]
  const child = canPin ? spawn('taskset', ['-c', '0', 'redis-server', ...args], { stdio: ['ignore', 'pipe', 'inherit'] }) : spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'inherit'] })
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

const b64url = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')
const sha256 = (input) => createHash('sha256').update(input).digest('base64url')

/** The client's DPoP key pair (ES256), its RFC 7638 thumbprint, and fresh proofs for one access token. */
function dpopClient() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const { crv, kty, x, y } = publicKey.export({ format: 'jwk' })
  const jwk = { kty, crv, x, y }
  const header = b64url({ typ: 'dpop+jwt', alg: 'ES256', jwk })
  return {
    jkt: sha256(JSON.stringify({ crv, kty, x, y })),
    proofs(accessToken, count) {
      const ath = sha256(accessToken)
      const iat = Math.floor(Date.now() / 1000)
      return Array.from({ length: count }, () => {
        const input = `${header}.${b64url({ jti: randomUUID(), htm: 'GET', htu: url, iat, ath })}`
        return `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`
      })
    },
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 5))

/**
 * CPU microseconds (user + system, this process) and wall milliseconds to answer `requests` one
 * at a time. Before it, a full garbage collection (run.mjs gives `--expose-gc`) and a short pause
 * for background work (audit batches, timers): otherwise each variant pays for the garbage and
 * the pending work of the one measured before it, and the ratios follow the round order.
 */
async function measure(name, verify, requests) {
  await settle()
  globalThis.gc?.()
  const wallStart = performance.now()
  const cpuStart = process.cpuUsage()
  for (const request of requests) {
    const verdict = await verify(request)
    if (!verdict.ok) throw new Error(`${name} refused: ${verdict.error.code}`)
  }
  const cpu = process.cpuUsage(cpuStart)
  return { cpuMicros: cpu.user + cpu.system, wallMs: performance.now() - wallStart }
}

/** The organizations of the scenario: 12345 for bearer tokens, and a DPoP-bound copy of it under another key prefix. */
function organizations(jwksUrl) {
  const server = { name: 'Bench', jwksUrl, issuer, audience, enabled: true, description: '' }
  const organization = (orgId, servers = [server]) => ({
    orgId,
    cloud: 'zscloud',
    cloudDomain: 'zscloud.net',
    apiRoles: { ReadOnly: ['reports'], Reporting: ['reports'], Audit: ['audit'] },
    subscriptionValidUntil: Math.floor(Date.now() / 1000) + 86_400,
    suspension: undefined,
    authorizationServers: servers,
    revision: 1,
  })
  // The bench tokens carry `zscloud::12345::…` scopes; organization 12345 is the bearer one, and
  // a DPoP-bound copy of it lives under another key prefix (same orgId, server with DPoP on).
  return { server, bearerOrg: organization('12345'), dpopOrg: organization('12345', [{ ...server, dpop: { mode: 'enabled' } }]) }
}

// A generous command timeout: on a loaded CI machine a 500 ms timeout made the audit stream
// refuse (audit_unavailable, fail closed) and aborted the scenario; the bench measures cost,
// and the timeout's behaviour is proven by the package's own tests.
const connect = async (url) => counting(await createRedisConnection({ url, commandTimeoutMs: 10_000 }))

/**
 * One measuring process: builds every variant against the shared Redis and JWKS server, warms
 * them, counts round trips, and runs `settings.rounds` interleaved rounds. Returns the samples.
 */
async function measureInThisProcess({ redisUrl, jwksUrl, key, kind }) {
  const closers = []
  try {
    const { server, bearerOrg, dpopOrg } = organizations(jwksUrl)
    const common = { keyRefresh: false, jwks: { addressPolicy: { developmentLoopback: true } } }
    const connection = await connect(redisUrl)
    closers.push(() => connection.close())
    const redisStore = createRedisOrganizationStore({ connection })
    const dpopStore = createRedisOrganizationStore({ connection, keyPrefix: 'bench-dpop' })
    const target = { orgId: '12345' }
    const registryVerify = (verifier) => (request) => verifier.verifyRequest(request, target)

    const single = createVerifier({
      ...common,
      server: { name: server.name, jwksUrl: server.jwksUrl, issuer, audience },
      organization: { orgId: '12345', cloud: 'zscloud', cloudDomain: 'zscloud.net', apiRoles: Object.keys(bearerOrg.apiRoles) },
    })
    const makeRegistry = {
      'single-process': () => createRegistryVerifier({ ...common, store: createInMemoryOrganizationStore([bearerOrg]) }),
      fleet: () => createRegistryVerifier({ ...common, store: redisStore, organizationRecheckMs: 30_000 }),
      'fleet-counted': () =>
        createRegistryVerifier({
          ...common,
          store: createRedisOrganizationStore({ connection }),
          organizationRecheckMs: 30_000,
          apiCallCounter: createRedisApiCallCounter({ connection }),
          apiCallThreshold: { maxCalls: 1e12, windowSeconds: 3600 },
          auditSink: createRedisAuditSink({ connection, maxLength: 10_000 }),
        }),
      'dpop-in-memory': () => createRegistryVerifier({ ...common, store: createInMemoryOrganizationStore([dpopOrg]) }),
      'dpop-fleet': () =>
        createRegistryVerifier({
          ...common,
          store: dpopStore,
          organizationRecheckMs: 30_000,
          replayStore: createRedisReplayStore({ connection, keyPrefix: 'bench-dpop' }),
        }),
    }
    // Only what this kind of process measures (the context process also needs `fleet` to count round trips).
    const { measured } = kinds[kind]
    const built = kind === 'context' ? [...measured, 'fleet'] : measured
    const registries = Object.fromEntries(built.filter((name) => name in makeRegistry).map((name) => [name, makeRegistry[name]()]))
    closers.push(() => single.close())
    for (const v of Object.values(registries)) closers.push(() => v.close())
    const verifiers = {
      'single-verifier': (request) => single.verifyRequest(request),
      ...Object.fromEntries(Object.entries(registries).map(([name, v]) => [name, registryVerify(v)])),
    }
    const dpopNames = ['dpop-in-memory', 'dpop-fleet']
    const requestsFor = (name, dpopRequestsNow) =>
      dpopNames.includes(name) ? dpopRequestsNow[name] : name === 'fleet-counted' ? bearerRequests.slice(0, settings.perRound.counted) : bearerRequests

    // Repeated bearer tokens: the same list for every bearer variant, every round.
    const tokens = Array.from({ length: settings.tokens }, (_, i) => mintAccessToken(key, `fleet-${i}`))
    const bearerRequests = Array.from({ length: settings.perRound.bearer }, (_, i) => ({ method: 'GET', url, headers: { authorization: `Bearer ${tokens[i % tokens.length]}` } }))
    // One DPoP-bound access token (cached after its first use), a fresh proof per request.
    const client = dpopClient()
    const boundToken = signToken(key, { ...accessTokenClaims(randomUUID()), cnf: { jkt: client.jkt } })
    const dpopRequests = (count) => client.proofs(boundToken, count).map((proof) => ({ method: 'GET', url, headers: { authorization: `DPoP ${boundToken}`, dpop: proof } }))

    const proofsFor = (names) => Object.fromEntries(names.filter((name) => dpopNames.includes(name)).map((name) => [name, dpopRequests(settings.perRound.dpop)]))

    // Warm every path (keys fetched, organizations read, tokens cached, code compiled and tiered
    // up: a fresh process needs a few hundred thousand calls before its JIT settles, so each
    // path runs several rounds' worth first, interleaved as the measured rounds are).
    for (let pass = 0; pass < settings.warmUpPasses; pass++) {
      const proofs = proofsFor(built)
      for (const name of inRoundOrder(built, pass)) await measure(name, verifiers[name], requestsFor(name, proofs))
    }

    // Redis round trips per request, by kind of request (the context process).
    const roundTrips = async (name, requests) => {
      const before = connection.roundTrips
      await measure(name, verifiers[name], requests)
      return (connection.roundTrips - before) / requests.length
    }
    const freshTokens = () => Array.from({ length: settings.counted }, () => ({ method: 'GET', url, headers: { authorization: `Bearer ${mintAccessToken(key, randomUUID())}` } }))
    const roundTripsPerRequest =
      kind !== 'context'
        ? undefined
        : {
            'cached bearer token (fleet)': await roundTrips('fleet', bearerRequests.slice(0, settings.counted)),
            'first sight of a bearer token (fleet)': await roundTrips('fleet', freshTokens()),
            'cached DPoP-bound token, fresh proof (fleet, Redis replay store)': await roundTrips('dpop-fleet', dpopRequests(settings.counted)),
            'cached bearer token, API-call counter + audit stream on (fleet-counted)': await roundTrips('fleet-counted', bearerRequests.slice(0, settings.counted)),
          }

    // Interleaved rounds: CPU time per request of each variant, on the same requests.
    const cpu = Object.fromEntries(measured.map((name) => [name, []]))
    const wall = Object.fromEntries(measured.map((name) => [name, []]))
    for (let round = 0; round < settings.rounds; round++) {
      const proofs = proofsFor(measured)
      for (const name of inRoundOrder(measured, round)) {
        const requests = requestsFor(name, proofs)
        const { cpuMicros, wallMs } = await measure(name, verifiers[name], requests)
        cpu[name].push((requests.length * 1e6) / cpuMicros)
        wall[name].push((requests.length * 1000) / wallMs)
      }
    }
    return { cpu, wall, roundTripsPerRequest }
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined)
  }
}

/**
 * The row of each variant: the bearer rows from the pooled samples of the bearer processes, the
 * context rows from the context process, each against a baseline measured in the same rounds.
 */
function report(bearer, context) {
  const row = (name, { cpu, wall }, baseline, withSingle) => ({
    variant: name,
    requestsPerCpuSecond: summarize(cpu[name]),
    cpuMicrosPerRequest: summarize(cpu[name].map((r) => 1e6 / r)),
    requestsPerSecond: summarize(wall[name]),
    baseline,
    vsBaseline: ratioSummary(cpu[name], cpu[baseline]),
    vsSingleVerifier: withSingle ? ratioSummary(cpu[name], cpu['single-verifier']) : undefined,
    wallVsBaseline: ratioSummary(wall[name], wall[baseline]),
  })
  return {
    settings,
    pinned: canPin,
    roundTripsPerRequest: context.roundTripsPerRequest,
    rows: [
      ...kinds.bearer.measured.map((name) => row(name, bearer, 'single-process', true)),
      row('fleet-counted', context, 'single-process', false),
      row('dpop-in-memory', context, 'dpop-in-memory', false),
      row('dpop-fleet', context, 'dpop-in-memory', false),
    ],
  }
}

if (process.env.BENCH_FLEET_WORKER !== undefined) {
  // A measuring process started by the one below: same Redis, same JWKS server, same key.
  runAsChild(async () => {
    const { redisUrl, jwksUrl, key, kind } = JSON.parse(process.env.BENCH_FLEET_WORKER)
    return measureInThisProcess({ redisUrl, jwksUrl, key: signingKeyFrom(key), kind })
  })
} else {
  runAsChild(async () => {
    if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
      console.log('  fleet: skipped, redis-server is not installed (Debian: apt-get install redis-server)')
      return { skipped: 'redis-server is not installed' }
    }
    const key = createSigningKey('ES256')
    const jwksServer = await startJwksServer({ keys: [key.jwk] })
    const redis = await startRedis()
    try {
      const { bearerOrg, dpopOrg } = organizations(jwksServer.url)
      const connection = await connect(redis.url)
      try {
        await createRedisOrganizationStore({ connection }).put(bearerOrg, undefined)
        await createRedisOrganizationStore({ connection, keyPrefix: 'bench-dpop' }).put(dpopOrg, undefined)
      } finally {
        await connection.close()
      }
      // The processes run one after the other, each pinned where this one is (core 1).
      const run = (kind) =>
        runNodeForResult(
          new URL(import.meta.url),
          quick ? ['--quick'] : [],
          { cpu: canPin ? 1 : undefined, nodeArgs: ['--expose-gc'], env: { BENCH_FLEET_WORKER: JSON.stringify({ redisUrl: redis.url, jwksUrl: jwksServer.url, key: transferableKey(key), kind }) } },
          4 * 60_000,
        )
      const parts = []
      for (let i = 0; i < settings.processes; i++) parts.push(await run('bearer'))
      const context = await run('context')
      const pool = (field) => Object.fromEntries(kinds.bearer.measured.map((name) => [name, parts.flatMap((part) => part[field][name])]))
      return report({ cpu: pool('cpu'), wall: pool('wall') }, context)
    } finally {
      await redis.stop()
      await jwksServer.close()
    }
  })
}
