// The load generator for the HTTP scenario, pinned to its own core: one autocannon instance per
// run, against one app on 127.0.0.1. Two ways to attach tokens:
//   rotation: 'global'          each request takes the next token of the pool from one counter
//                               shared by every connection (strict rotation; used for distinct
//                               tokens). The request is rebuilt per token.
//   rotation: 'per-connection'  every connection cycles through the whole (small) pool of
//                               pre-built requests: cheaper for the generator, used for the
//                               repeated-token mix where the ceiling is highest.
//
// Receives { type: 'run', url, tokensFile, rotation, startIndex, durationSeconds, connections } and
// answers { type: 'done', result } with throughput, latency, failures and its own CPU use.
import { readFileSync } from 'node:fs'
import autocannon from 'autocannon'

const pools = new Map()
const poolFrom = (file) => {
  if (!pools.has(file)) pools.set(file, readFileSync(file, 'utf8').split('\n'))
  return pools.get(file)
}

async function run({ url, tokensFile, rotation, startIndex, durationSeconds, connections }) {
  const tokens = poolFrom(tokensFile)
  let index = startIndex
  const requests =
    rotation === 'global'
      ? [
          {
            method: 'GET',
            path: '/resource',
            setupRequest: (request) => ({ ...request, headers: { ...request.headers, authorization: `Bearer ${tokens[index++ % tokens.length]}` } }),
          },
        ]
      : tokens.map((token) => ({ method: 'GET', path: '/resource', headers: { authorization: `Bearer ${token}` } }))
  const cpuBefore = process.cpuUsage()
  const started = performance.now()
  const result = await autocannon({ url, connections, duration: durationSeconds, requests })
  const elapsedMs = performance.now() - started
  if (rotation !== 'global') index += result.requests.total
  const cpu = process.cpuUsage(cpuBefore)
  return {
    requests: result.requests.total,
    requestsPerSecond: (result.requests.total * 1000) / elapsedMs,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    tokensSent: index - startIndex,
    poolSize: tokens.length,
    loadCpuShare: (cpu.user + cpu.system) / 1000 / elapsedMs,
    elapsedMs,
  }
}

process.on('message', async (message) => {
  if (message?.type !== 'run') return
  try {
    process.send({ type: 'done', result: await run(message) })
  } catch (error) {
    process.send({ type: 'done', error: String(error?.stack ?? error) })
  }
})
process.on('disconnect', () => process.exit(0))
process.send({ type: 'ready' })
