// One Express 5 app, started by the HTTP scenario pinned to its own core. Every variant serves
// the same route and body; they differ only in the authentication middleware in front of it:
//
//   no-auth                    no middleware: the ceiling of Express on this core
//   hand-written               the raw-limit verifier as a 20-line middleware
//   express-oauth2-jwt-bearer  auth0's middleware (JWKS from the local JWKS server, fetched once)
//   tokenward                  @tokenward/express with a core verifier over inline keys
//   tokenward-nocache          the same with the verified-token cache off (context for the
//                              distinct mix, where the cache never hits)
//
// Usage: node app.mjs <variant>   (config in BENCH_APP_CONFIG: { jwk, jwksUrl })
// Sends { type: 'ready', port } when listening; answers { type: 'cpu' } with its CPU time (all
// threads, and the main thread alone) and its garbage-collection pause time so far.
import { PerformanceObserver } from 'node:perf_hooks'
import { createVerifier } from '@tokenward/core'
import { tokenward } from '@tokenward/express'
import express from 'express'
import { auth } from 'express-oauth2-jwt-bearer'
import { createRawVerifier } from '../../lib/raw-verifier.mjs'
import { audience, issuer } from '../../lib/tokens.mjs'

const variant = process.argv[2]
const { jwk, jwksUrl } = JSON.parse(process.env.BENCH_APP_CONFIG)

/** The hand-written verifier as Express middleware: 401 with a challenge on any failure. */
function handWrittenMiddleware() {
  const verify = createRawVerifier({ jwks: { keys: [jwk] }, issuer, audience })
  return (req, res, next) => {
    const header = req.headers.authorization
    try {
      if (header === undefined || !header.startsWith('Bearer ')) throw new Error('no token')
      req.auth = verify(header.slice(7))
    } catch {
      res.status(401).set('www-authenticate', 'Bearer error="invalid_token"').json({ error: 'invalid_token' })
      return
    }
    next()
  }
}

const middlewares = {
  'no-auth': () => [],
  'hand-written': () => [handWrittenMiddleware()],
  'express-oauth2-jwt-bearer': () => [auth({ issuer, audience, jwksUri: jwksUrl })],
  tokenward: () => [tokenward({ guard: createVerifier({ server: { name: 'Bench', jwks: { keys: [jwk] }, issuer, audience } }) })],
  'tokenward-nocache': () => [tokenward({ guard: createVerifier({ server: { name: 'Bench', jwks: { keys: [jwk] }, issuer, audience }, cache: false }) })],
}
if (!(variant in middlewares)) throw new Error(`unknown app variant ${variant}`)

// Main-thread GC pauses (scavenges and the final pauses of major GCs). Concurrent GC work runs on
// V8's helper threads: it shows in the CPU time of threads other than the main one.
let gcPauseMs = 0
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcPauseMs += entry.duration
}).observe({ entryTypes: ['gc'] })

const app = express()
app.get('/resource', ...middlewares[variant](), (req, res) => {
  res.json({ ok: true })
})
const server = app.listen(0, '127.0.0.1', () => process.send({ type: 'ready', port: server.address().port }))
process.on('message', (message) => {
  if (message?.type === 'cpu') {
    const { user, system } = process.cpuUsage()
    const main = process.threadCpuUsage()
    process.send({ type: 'cpu', micros: user + system, mainThreadMicros: main.user + main.system, gcPauseMicros: gcPauseMs * 1000 })
  }
})
// The scenario kills this process; if the scenario dies first, the IPC channel closes.
process.on('disconnect', () => process.exit(0))
