// HTTP benchmark: requests per second and p99 latency of Express 5 apps, each in its own process
// pinned to core 1, loaded by autocannon in another process pinned to core 0, over 127.0.0.1.
//
// What it measures: what authentication costs a real server. Two token mixes:
//   repeated   50 distinct tokens in rotation (clients reuse their token until it expires): the
//              target is tokenward ≥ 0.9× the no-auth ceiling, which only a cache can reach.
//   distinct   a pool of tokens larger than any cache, sent in strict rotation so that no cache
//              ever hits (every request pays a full verification): the target is tokenward
//              ≥ 0.9× the hand-written raw-limit middleware.
// Each run is checked: a single non-2xx answer, error or timeout fails the scenario (a refused
// token is cheap and would flatter the numbers). CPU use of the app and the load generator is
// recorded to show which side was saturated; per request, the app's GC pauses and the CPU time of
// its threads other than the main one (V8's concurrent GC and compilers, on the same pinned core).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startJwksServer } from '../lib/jwks-server.mjs'
import { mintInParallel } from '../lib/mint-pool.mjs'
import { settings } from '../lib/mode.mjs'
import { nextMessage, runAsChild, startNode, stopChild } from '../lib/processes.mjs'
import { inRoundOrder, ratioSummary, summarize } from '../lib/sampling.mjs'
import { createSigningKey, mintAccessToken } from '../lib/tokens.mjs'

const appVariants = ['no-auth', 'hand-written', 'express-oauth2-jwt-bearer', 'tokenward', 'tokenward-nocache']
// The order apps run in within a round, per mix: each target's pair back to back (tokenward next
// to the no-auth ceiling for the repeated mix, and next to the hand-written middleware for the
// distinct mix), so each pair shares the machine's state of the moment. tokenward with its cache
// off runs only in the distinct mix, where the cache never hits: it shows what the cache costs
// there, next to the same hand-written run.
const measureOrder = {
  repeated: ['no-auth', 'tokenward', 'hand-written', 'express-oauth2-jwt-bearer'],
  distinct: ['no-auth', 'tokenward', 'hand-written', 'tokenward-nocache', 'express-oauth2-jwt-bearer'],
}
const mixes = ['repeated', 'distinct']
const appCpu = 1
const loadCpu = 0
const startTimeoutMs = 15_000

/** Starts one app variant pinned to the app core; resolves when it listens. */
async function startApp(variant, config) {
  const child = startNode(new URL('./http/app.mjs', import.meta.url), [variant], { cpu: appCpu, env: { BENCH_APP_CONFIG: JSON.stringify(config) } })
  const { port } = await nextMessage(child, 'ready', startTimeoutMs)
  return {
    variant,
    child,
    url: `http://127.0.0.1:${port}`,
    /** CPU time (all threads, and threads other than the main one) and main-thread GC pause time so far, in microseconds. */
    async usage() {
      const reply = nextMessage(child, 'cpu', startTimeoutMs)
      child.send({ type: 'cpu' })
      const { micros, mainThreadMicros, gcPauseMicros } = await reply
      return { cpuMicros: micros, otherThreadsMicros: micros - mainThreadMicros, gcPauseMicros }
    },
  }
}

/** Asks the load generator for one bounded autocannon run. */
async function loadRun(load, job) {
  const reply = nextMessage(load, 'done', (job.durationSeconds + 30) * 1000)
  load.send({ type: 'run', ...job })
  const { result, error } = await reply
  if (error !== undefined) throw new Error(`load generator failed: ${error}`)
  return result
}

runAsChild(async () => {
  const { rounds, durationSeconds, warmupSeconds, connections, repeatedTokens, distinctPool } = settings.http
  const key = createSigningKey('RS256')
  const jwksServer = await startJwksServer({ keys: [key.jwk] })
  const dir = mkdtempSync(join(tmpdir(), 'tokenward-bench-'))
  const children = []
  try {
    // One token per line; the load generator reads each file once.
    const tokensFiles = {
      repeated: join(dir, 'repeated.txt'),
      distinct: join(dir, 'distinct.txt'),
    }
    writeFileSync(tokensFiles.repeated, Array.from({ length: repeatedTokens }, (_, i) => mintAccessToken(key, `repeated-${i}`)).join('\n'))
    const mintStarted = performance.now()
    writeFileSync(tokensFiles.distinct, (await mintInParallel(key, distinctPool, { prefix: 'distinct' })).join('\n'))
    const mintSeconds = (performance.now() - mintStarted) / 1000

    const config = { jwk: key.jwk, jwksUrl: jwksServer.url }
    const apps = await Promise.all(appVariants.map((variant) => startApp(variant, config)))
    children.push(...apps.map((app) => app.child))
    const load = startNode(new URL('./http/load.mjs', import.meta.url), [], { cpu: loadCpu })
    children.push(load)
    await nextMessage(load, 'ready', startTimeoutMs)

    // Next token index per app and mix: each app process has its own caches, so each starts at 0.
    const nextIndex = Object.fromEntries(apps.map((app) => [app.variant, { repeated: 0, distinct: 0 }]))
    const measure = async (app, mix, seconds) => {
      const before = await app.usage()
      const rotation = mix === 'distinct' ? 'global' : 'per-connection'
      const job = { url: app.url, tokensFile: tokensFiles[mix], rotation, startIndex: nextIndex[app.variant][mix], durationSeconds: seconds, connections }
      const result = await loadRun(load, job)
      const after = await app.usage()
      const serverCpuShare = (after.cpuMicros - before.cpuMicros) / 1000 / result.elapsedMs
      const gcPauseMicrosPerRequest = (after.gcPauseMicros - before.gcPauseMicros) / result.requests
      const otherThreadsMicrosPerRequest = (after.otherThreadsMicros - before.otherThreadsMicros) / result.requests
      nextIndex[app.variant][mix] += result.tokensSent
      if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
        throw new Error(`${app.variant} / ${mix}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`)
      }
      return { ...result, serverCpuShare, gcPauseMicrosPerRequest, otherThreadsMicrosPerRequest }
    }

    // Warm-up: JIT, connection setup and express-oauth2-jwt-bearer's one JWKS fetch, unmeasured.
    const appsOf = (mix) => measureOrder[mix].map((variant) => apps.find((app) => app.variant === variant))
    if (warmupSeconds > 0) for (const mix of mixes) for (const app of appsOf(mix)) await measure(app, mix, warmupSeconds)

    const runs = []
    for (let round = 0; round < rounds; round++) {
      for (const mix of mixes) {
        for (const app of inRoundOrder(appsOf(mix), round)) runs.push({ round, mix, variant: app.variant, ...(await measure(app, mix, durationSeconds)) })
      }
    }

    const series = (mix, variant, field) => runs.filter((r) => r.mix === mix && r.variant === variant).map((r) => r[field])
    const result = { settings: settings.http, mintSeconds, jwksFetches: jwksServer.fetches, mixes: {} }
    for (const mix of mixes) {
      const ceiling = series(mix, 'no-auth', 'requestsPerSecond')
      const rawLimit = series(mix, 'hand-written', 'requestsPerSecond')
      result.mixes[mix] = {
        poolSize: mix === 'repeated' ? repeatedTokens : distinctPool,
        rows: appVariants.filter((variant) => measureOrder[mix].includes(variant)).map((variant) => {
          const rps = series(mix, variant, 'requestsPerSecond')
          const sent = nextIndex[variant][mix]
          return {
            variant,
            requestsPerSecond: summarize(rps),
            latencyP99Ms: summarize(series(mix, variant, 'latencyP99Ms')),
            vsNoAuth: ratioSummary(rps, ceiling),
            vsHandWritten: ratioSummary(rps, rawLimit),
            serverCpuShare: summarize(series(mix, variant, 'serverCpuShare')),
            loadCpuShare: summarize(series(mix, variant, 'loadCpuShare')),
            gcPauseMicrosPerRequest: summarize(series(mix, variant, 'gcPauseMicrosPerRequest')),
            otherThreadsMicrosPerRequest: summarize(series(mix, variant, 'otherThreadsMicrosPerRequest')),
            tokensSent: sent,
            // How many times the most-used token of the pool was sent (1 = every token distinct).
            maxSendsPerToken: Math.ceil(sent / (mix === 'repeated' ? repeatedTokens : distinctPool)),
          }
        }),
      }
    }
    result.runs = runs
    return result
  } finally {
    await Promise.all(children.map(stopChild))
    await jwksServer.close()
    rmSync(dir, { recursive: true, force: true })
  }
})
