// Issuer benchmark: token-endpoint throughput of @tokenward/issuer beside oidc-provider's
// client_credentials grant, both measured in this run, as ratios (target ≥ 2×).
//
// Each server runs in its own process pinned to core 1; this process (core 0) keeps 16 requests
// in flight over keep-alive connections for a fixed time and counts answers. Every answer must be
// 200 with a token. Two client authentications, the same on both servers:
//   private_key_jwt      a fresh ES256 assertion per request (its jti is single use on both
//                        servers), signed here with node:crypto
//   client_secret_basic  the same secret each time. tokenward stores only a slow hash (scrypt on
//                        Node) and remembers a secret it has checked (a SHA-256 of it in memory);
//                        oidc-provider stores the secret itself and compares it. A third row,
//                        tokenward with that cache off, shows the price of the hash per request.
// The machine is shared, so besides requests per second each run records the server process's CPU
// time per request (all its threads): the ratio of those is the throughput ratio a dedicated core
// would show, and it does not depend on how busy the load generator's core was.
// The secret hashing cost (one hash with each default hasher) is measured here too. A fourth
// server, tokenward's Web handler behind a node:http → Request bridge, shows what the Node-native
// handler (createIssuerNodeHandler, used by the first) saves. A fifth, the floor, is node:http alone
// answering a fixed token-sized 200 JSON: its CPU per request is what no token endpoint behind
// node:http can go below on this machine, so oidc-provider's cost over it bounds any ratio.
import { createPrivateKey, generateKeyPairSync, randomUUID, sign } from 'node:crypto'
import { Agent, request } from 'node:http'
import { settings } from '../lib/mode.mjs'
import { nextMessage, runAsChild, startNode, stopChild } from '../lib/processes.mjs'
import { inRoundOrder, ratioSummary, summarize } from '../lib/sampling.mjs'

const serverCpu = 1
const startTimeoutMs = 30_000
const b64url = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')

function makeEcKey() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  return { privateKey, publicJwk: { ...publicKey.export({ format: 'jwk' }), kid: 'bench-1', alg: 'ES256', use: 'sig' }, privateJwk: { ...privateKey.export({ format: 'jwk' }), kid: 'signing-1', alg: 'ES256', use: 'sig' } }
}

function assertion(key, audience) {
  const now = Math.floor(Date.now() / 1000)
  const input = `${b64url({ alg: 'ES256', kid: 'bench-1', typ: 'JWT' })}.${b64url({ iss: 'jwt-client', sub: 'jwt-client', aud: audience, iat: now, exp: now + 60, jti: randomUUID() })}`
  return `${input}.${sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`
}

/** Keeps `concurrency` POSTs in flight for `seconds`; every answer must be 200. */
async function load(url, makeRequest, seconds, concurrency) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency })
  const target = new URL(url)
  const until = performance.now() + seconds * 1000
  let done = 0
  let failed
  const once = () =>
    new Promise((resolve, reject) => {
      const { headers, body } = makeRequest()
      const req = request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } }, (res) => {
        const chunks = []
        res.on('data', (c) => chunks.push(c))
        res.on('end', () => {
          if (res.statusCode !== 200 || !Buffer.concat(chunks).toString().includes('access_token')) reject(new Error(`HTTP ${res.statusCode}: ${Buffer.concat(chunks).toString().slice(0, 300)}`))
          else resolve()
        })
      })
      req.on('error', reject)
      req.end(body)
    })
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until && failed === undefined) {
        try {
          await once()
          done++
        } catch (error) {
          failed = error
        }
      }
    }),
  )
  agent.destroy()
  if (failed !== undefined) throw failed
  return { requestsPerSecond: done / ((performance.now() - started) / 1000), requests: done }
}

runAsChild(async () => {
  const { rounds, seconds, concurrency } = settings.issuer
  const key = makeEcKey()
  const signing = makeEcKey()
  const config = { secret: 'bench-client-secret-0123456789abcdef', publicJwk: key.publicJwk, signingJwk: signing.privateJwk, resource: 'https://api.tokenward.test' }
  const servers = {}
  const children = []
  try {
    for (const [name, variant, extra] of [['tokenward', 'tokenward', {}], ['tokenward, secret cache off', 'tokenward', { secretCache: false }], ['tokenward, Web handler', 'tokenward', { door: 'web' }], ['oidc-provider', 'oidc-provider', {}], ['node:http floor', 'floor', {}]]) {
      const child = startNode(new URL('./issuer/server.mjs', import.meta.url), [variant], { cpu: serverCpu, env: { BENCH_ISSUER_CONFIG: JSON.stringify({ ...config, ...extra }) } })
      children.push(child)
      const { origin } = await nextMessage(child, 'ready', startTimeoutMs)
      servers[name] = origin
    }
    const basic = `Basic ${Buffer.from(`secret-client:${config.secret}`).toString('base64')}`
    const cases = {
      private_key_jwt: (origin) => () => ({ headers: {}, body: `grant_type=client_credentials&client_assertion_type=${encodeURIComponent('urn:ietf:params:oauth:client-assertion-type:jwt-bearer')}&client_assertion=${assertion(key, origin)}` }),
      client_secret_basic: () => () => ({ headers: { authorization: basic }, body: 'grant_type=client_credentials' }),
    }
    const tokenEndpoint = { tokenward: (o) => `${o}/token`, 'tokenward, secret cache off': (o) => `${o}/token`, 'tokenward, Web handler': (o) => `${o}/token`, 'oidc-provider': (o) => `${o}/token`, 'node:http floor': (o) => `${o}/token` }
    const cpuOf = async (server) => {
      const child = children[Object.keys(servers).indexOf(server)]
      const reply = nextMessage(child, 'cpu', startTimeoutMs)
      child.send({ type: 'cpu' })
      return (await reply).micros
    }
    const measure = async (server, method, secondsNow) => {
      const before = await cpuOf(server)
      const { requestsPerSecond, requests } = await load(tokenEndpoint[server](servers[server]), cases[method](servers[server]), secondsNow, concurrency)
      return { requestsPerSecond, cpuMicrosPerRequest: ((await cpuOf(server)) - before) / requests }
    }

    // Warm-up (JIT, key imports, the first secret check), unmeasured.
    for (const method of Object.keys(cases)) for (const server of ['tokenward', 'tokenward, Web handler', 'oidc-provider', 'node:http floor']) await measure(server, method, 0.3)

    const runs = []
    for (let round = 0; round < rounds; round++) {
      for (const method of Object.keys(cases)) {
        for (const server of inRoundOrder(['tokenward', 'tokenward, Web handler', 'oidc-provider', 'node:http floor'], round)) runs.push({ method, server, ...(await measure(server, method, seconds)) })
      }
      runs.push({ method: 'client_secret_basic', server: 'tokenward, secret cache off', ...(await measure('tokenward, secret cache off', 'client_secret_basic', Math.min(seconds, 1))) })
    }
    const series = (method, server, field = 'requestsPerSecond') => runs.filter((r) => r.method === method && r.server === server).map((r) => r[field])
    // Throughput per unit of server CPU: oidc-provider's CPU per request over tokenward's.
    const cpuRatio = (method) => ratioSummary(series(method, 'oidc-provider', 'cpuMicrosPerRequest'), series(method, 'tokenward', 'cpuMicrosPerRequest'))

    // One hash and one check with each default hasher, in this process.
    const issuerPackage = await import('@tokenward/issuer')
    const web = await import(new URL('../../packages/issuer/dist/web/index.js', import.meta.url).href)
    const hashing = {}
    for (const [name, hasher] of [['scrypt (Node default)', issuerPackage.createDefaultSecretHasher()], ['PBKDF2-SHA-256 (Web default)', web.createDefaultSecretHasher()]]) {
      const samples = []
      const stored = await hasher.hash(config.secret)
      for (let i = 0; i < (settings.issuer.hashSamples ?? 5); i++) {
        const started = performance.now()
        await hasher.verify(config.secret, stored)
        samples.push(performance.now() - started)
      }
      hashing[name] = { params: { ...stored, salt: undefined, hash: undefined }, verifyMs: summarize(samples) }
    }

    return {
      settings: settings.issuer,
      methods: Object.fromEntries(
        Object.keys(cases).map((method) => [
          method,
          {
            tokenward: summarize(series(method, 'tokenward')),
            oidcProvider: summarize(series(method, 'oidc-provider')),
            vsOidcProvider: ratioSummary(series(method, 'tokenward'), series(method, 'oidc-provider')),
            cpuMicrosPerRequest: { tokenward: summarize(series(method, 'tokenward', 'cpuMicrosPerRequest')), oidcProvider: summarize(series(method, 'oidc-provider', 'cpuMicrosPerRequest')), nodeHttpFloor: summarize(series(method, 'node:http floor', 'cpuMicrosPerRequest')) },
            // The best "× per CPU" any server behind node:http could reach here: oidc-provider over the floor.
            floorVsOidcProviderPerCpu: ratioSummary(series(method, 'oidc-provider', 'cpuMicrosPerRequest'), series(method, 'node:http floor', 'cpuMicrosPerRequest')),
            // tokenward's own cost above the floor, against oidc-provider's above the floor.
            aboveFloorVsOidcProvider: ratioSummary(
              series(method, 'oidc-provider', 'cpuMicrosPerRequest').map((x, i) => x - series(method, 'node:http floor', 'cpuMicrosPerRequest')[i]),
              series(method, 'tokenward', 'cpuMicrosPerRequest').map((x, i) => x - series(method, 'node:http floor', 'cpuMicrosPerRequest')[i]),
            ),
            vsOidcProviderPerCpu: cpuRatio(method),
            // The Node-native handler against the Web handler behind a node:http → Request bridge.
            nodeVsWebHandlerPerCpu: ratioSummary(series(method, 'tokenward, Web handler', 'cpuMicrosPerRequest'), series(method, 'tokenward', 'cpuMicrosPerRequest')),
            tokenwardWebHandler: summarize(series(method, 'tokenward, Web handler')),
            ...(method === 'client_secret_basic'
              ? {
                  tokenwardSecretCacheOff: summarize(series(method, 'tokenward, secret cache off')),
                  cpuMicrosPerRequestSecretCacheOff: summarize(series(method, 'tokenward, secret cache off', 'cpuMicrosPerRequest')),
                }
              : {}),
          },
        ]),
      ),
      hashing,
      runs,
    }
  } finally {
    await Promise.all(children.map(stopChild))
  }
})
