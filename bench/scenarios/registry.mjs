// Registry benchmark: the per-organization path (Express → registry verifier → file store, every
// call audited to a fsynced JSON-lines log) against the single-verifier path (Express → one core
// verifier for the same server and organization), same run, as ratios. Each app runs in its own
// process pinned to core 1, loaded by autocannon pinned to core 0, over 127.0.0.1.
//
//   repeated   50 tokens in rotation: the verified-token cache answers; the registry's own cost
//              (finding the organization, auditing the call) is what the ratio shows.
//              Target: registry ≥ 0.9× single.
//   (registry-fsync-100ms, context: the same with the audit log flushed every 100 ms instead.)
//   distinct   every request a new token (strict rotation over a pool larger than any cache):
//              both pay a full verification; context, not a target.
// Every run is checked: a non-2xx answer, error or timeout fails the scenario.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startJwksServer } from '../lib/jwks-server.mjs'
import { mintInParallel } from '../lib/mint-pool.mjs'
import { settings } from '../lib/mode.mjs'
import { nextMessage, runAsChild, startNode, stopChild } from '../lib/processes.mjs'
import { inRoundOrder, ratioSummary, summarize } from '../lib/sampling.mjs'
import { createSigningKey, mintAccessToken } from '../lib/tokens.mjs'

const variants = ['single', 'registry', 'registry-fsync-100ms']
const mixes = ['repeated', 'distinct']
const appCpu = 1
const loadCpu = 0
const startTimeoutMs = 15_000

async function startApp(variant, config) {
  const child = startNode(new URL('./registry/app.mjs', import.meta.url), [variant], { cpu: appCpu, env: { BENCH_APP_CONFIG: JSON.stringify(config) } })
  const { port } = await nextMessage(child, 'ready', startTimeoutMs)
  const ask = async (type) => {
    const reply = nextMessage(child, type, startTimeoutMs)
    child.send({ type })
    return reply
  }
  return { variant, child, url: `http://127.0.0.1:${port}`, ask }
}

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
  const dir = mkdtempSync(join(tmpdir(), 'tokenward-bench-registry-'))
  const children = []
  try {
    const tokensFiles = { repeated: join(dir, 'repeated.txt'), distinct: join(dir, 'distinct.txt') }
    writeFileSync(tokensFiles.repeated, Array.from({ length: repeatedTokens }, (_, i) => mintAccessToken(key, `repeated-${i}`)).join('\n'))
    writeFileSync(tokensFiles.distinct, (await mintInParallel(key, distinctPool, { prefix: 'distinct' })).join('\n'))

    const apps = []
    for (const variant of variants) apps.push(await startApp(variant, { jwksUrl: jwksServer.url, dir }))
    children.push(...apps.map((app) => app.child))
    const load = startNode(new URL('./http/load.mjs', import.meta.url), [], { cpu: loadCpu })
    children.push(load)
    await nextMessage(load, 'ready', startTimeoutMs)

    const nextIndex = Object.fromEntries(apps.map((app) => [app.variant, { repeated: 0, distinct: 0 }]))
    const measure = async (app, mix, seconds) => {
      const before = await app.ask('cpu')
      const rotation = mix === 'distinct' ? 'global' : 'per-connection'
      const job = { url: app.url, tokensFile: tokensFiles[mix], rotation, startIndex: nextIndex[app.variant][mix], durationSeconds: seconds, connections }
      const result = await loadRun(load, job)
      const after = await app.ask('cpu')
      nextIndex[app.variant][mix] += result.tokensSent
      if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
        throw new Error(`${app.variant} / ${mix}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`)
      }
      const cpuMicros = after.micros - before.micros
      return { ...result, serverCpuShare: cpuMicros / 1000 / result.elapsedMs, cpuMicrosPerRequest: cpuMicros / result.requests }
    }

    // Warm-up, unmeasured: JIT, connections, the JWKS fetch, the organization's first read.
    if (warmupSeconds > 0) for (const mix of mixes) for (const app of apps) await measure(app, mix, warmupSeconds)

    const runs = []
    for (let round = 0; round < rounds; round++) {
      for (const mix of mixes) {
        for (const app of inRoundOrder(apps, round)) runs.push({ round, mix, variant: app.variant, ...(await measure(app, mix, durationSeconds)) })
      }
    }
    const audit = await apps.find((app) => app.variant === 'registry').ask('audit') // the fsynced one
    const series = (mix, variant, field) => runs.filter((r) => r.mix === mix && r.variant === variant).map((r) => r[field])
    const result = { settings: settings.http, jwksFetches: jwksServer.fetches, audit: { batches: audit.batches, lines: audit.lines }, mixes: {} }
    for (const mix of mixes) {
      const single = series(mix, 'single', 'requestsPerSecond')
      result.mixes[mix] = {
        rows: variants.map((variant) => ({
          variant,
          requestsPerSecond: summarize(series(mix, variant, 'requestsPerSecond')),
          latencyP99Ms: summarize(series(mix, variant, 'latencyP99Ms')),
          vsSingle: ratioSummary(series(mix, variant, 'requestsPerSecond'), single),
          serverCpuShare: summarize(series(mix, variant, 'serverCpuShare')),
          // When the app core is not saturated (a busy machine), CPU per request still compares.
          cpuMicrosPerRequest: summarize(series(mix, variant, 'cpuMicrosPerRequest')),
          cpuVsSingle: ratioSummary(
            series(mix, 'single', 'cpuMicrosPerRequest'),
            series(mix, variant, 'cpuMicrosPerRequest'),
          ),
        })),
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
