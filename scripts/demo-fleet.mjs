// The demo behind `npm run demo:fleet`: a local redis-server, two API instances (separate Node
// processes, scripts/demo-fleet-instance.mjs) sharing it through @tokenward/redis, and a local
// authorization server's JWKS on 127.0.0.1. It walks a disable on instance A reaching instance B,
// an API-call threshold counted across both instances that suspends the organization once, and a
// DPoP proof accepted on A and refused when replayed on B (the replay store is on Redis).
// Exits 0 only when every step behaved as described. No external service.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { createServer as createNetServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { createHash, randomUUID } from 'node:crypto'
import { CompactSign, SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose'
import { createRedisConnection, createRedisOrganizationStore } from '@tokenward/redis'

const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s)
const failures = []
const check = (ok, what) => {
  console.log(`  ${ok ? '✓' : '✗'} ${what}`)
  if (!ok) failures.push(what)
}

if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
  console.log('The fleet demo needs a local redis-server, which is not installed.')
  console.log('  Debian/Ubuntu: sudo apt-get install redis-server    macOS: brew install redis')
  console.log('Then run `npm run demo:fleet` again. (`npm start` needs no Redis.)')
  process.exit(0)
}

const freePort = () =>
  new Promise((resolve) => {
    const s = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
const children = []
const dir = mkdtempSync(join(tmpdir(), 'tokenward-fleet-demo-'))
const cleanup = () => {
  for (const c of children) c.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
}

try {
  // 1. Redis: a throwaway server on a free port, no persistence.
  const redisPort = await freePort()
  const redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'inherit'] })
  children.push(redis)
  await new Promise((resolve) => redis.stdout.on('data', (d) => String(d).includes('Ready to accept connections') && resolve()))
  const redisUrl = `redis://127.0.0.1:${redisPort}`
  console.log(bold(`1. redis-server on ${redisUrl}`))

  // 2. The customer's authorization server (its JWKS) and organization 12345 registered in Redis.
  const issuer = 'https://idp.demo.test/oauth2/default'
  const key = await generateKeyPair('ES256')
  const jwk = { ...(await exportJWK(key.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }
  const jwks = createServer((req, res) => res.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(JSON.stringify({ keys: [jwk] })))
  await new Promise((resolve) => jwks.listen(0, '127.0.0.1', resolve))
  const connection = await createRedisConnection({ url: redisUrl })
  const store = createRedisOrganizationStore({ connection, keyPrefix: 'demo' })
  const organization = (orgId, server = {}) => ({
      orgId,
      cloud: 'zscloud',
      cloudDomain: 'zscloud.net',
      apiRoles: { ReadOnly: ['reports'] },
      subscriptionValidUntil: Math.floor(Date.now() / 1000) + 86_400,
      suspension: undefined,
      authorizationServers: [{ name: 'Okta1', jwksUrl: `http://127.0.0.1:${jwks.address().port}/keys`, issuer, audience: 'api://reports', enabled: true, description: '', ...server }],
      revision: 1,
  })
  await store.put(organization('12345'), undefined)
  await store.put(organization('67890'), undefined)
  // Organization 24680's authorization server issues DPoP-bound tokens (RFC 9449).
  await store.put(organization('24680', { dpop: { mode: 'enabled' } }), undefined)
  const now = Math.floor(Date.now() / 1000)
  const mint = (orgId, extra = {}) =>
    new SignJWT({ client_id: 'reporting-job', sub: 'reporting-job', scope: `zscloud::${orgId}::ReadOnly`, ...extra })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
      .setIssuer(issuer)
      .setAudience('api://reports')
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(key.privateKey)
  const tokens = { 12345: await mint('12345'), 67890: await mint('67890') }
  console.log(bold('2. organizations 12345, 67890 and 24680 (DPoP-bound tokens) stored in Redis; tokens minted by their authorization server'))

  // 3. Two API instances on the same Redis, behind one public URL (a load balancer's).
  const publicOrigin = 'https://api.demo.test'
  const instance = async (name) => {
    const jwksUrl = `http://127.0.0.1:${jwks.address().port}/keys`
    const args = [fileURLToPath(new URL('./demo-fleet-instance.mjs', import.meta.url)), redisUrl, name, issuer, jwksUrl, publicOrigin]
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] })
    children.push(child)
    const { port } = JSON.parse(await new Promise((resolve) => createInterface({ input: child.stdout }).once('line', resolve)))
    const base = `http://127.0.0.1:${port}`
    return {
      name,
      child,
      call: async (orgId = '12345') => (await fetch(`${base}/orgs/${orgId}/reports`, { headers: { authorization: `Bearer ${tokens[orgId]}` } })).status,
      dpopCall: async (token, proof) => (await fetch(`${base}/orgs/24680/dpop/reports`, { headers: { authorization: `DPoP ${token}`, dpop: proof } })).status,
      admin: async (action) => (await (await fetch(`${base}/admin/orgs/12345/${action}`, { method: 'POST' })).json()).result,
    }
  }
  const [a, b] = await Promise.all([instance('A'), instance('B')])
  console.log(bold('3. instances A and B started (separate processes, same Redis)'))
  check((await a.call()) === 200 && (await b.call()) === 200, 'the token is accepted on A and on B (the organization is now held in memory on both)')

  // 4. A disable on A reaches B through the change feed (B rechecks the store only every 60 s).
  console.log(bold('4. an admin suspends organization 12345 on instance A'))
  check((await a.admin('suspend')) === 'changed', 'A wrote the suspension (compare-and-set + change published, one Lua step)')
  const started = Date.now()
  let status = await b.call()
  // Polled every 100 ms: each accepted call counts against the threshold of step 5's rule too.
  while (status === 200 && Date.now() - started < 2000) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    status = await b.call()
  }
  check(status === 401, `B refuses the token within ${Date.now() - started} ms (401 server_disabled), without a restart or a recheck`)
  check((await a.admin('lift')) === 'changed' && (await b.call()) === 200, 'lifted on A: B accepts again')

  // 5. The API-call threshold (5 per hour) counted across both instances.
  console.log(bold('5. the API-call threshold: 5 calls per hour for organization 67890, counted in Redis across A and B'))
  const calls = []
  for (let i = 0; i < 8; i++) calls.push(await (i % 2 === 0 ? a : b).call('67890'))
  console.log(`  statuses, alternating A/B: ${calls.join(' ')}`)
  const org = await store.get('67890')
  check(calls.join(' ') === '200 200 200 200 200 401 401 401', 'the fleet allowed exactly 5 calls (not 5 per instance), then refused')
  check(org.suspension?.reason === 'api_call_threshold_exceeded', 'the organization is suspended for api_call_threshold_exceeded')
  check(org.revision === 2, `suspended once for the whole fleet (revision ${org.revision})`)

  // 6. A DPoP proof (RFC 9449) accepted on A, replayed against B.
  console.log(bold('6. a DPoP-bound token: one proof accepted on A, the same proof replayed against B'))
  const client = await generateKeyPair('ES256', { extractable: true })
  const clientJwk = await exportJWK(client.publicKey)
  const bound = await mint('24680', { cnf: { jkt: await calculateJwkThumbprint(clientJwk) } })
  const proof = () =>
    new CompactSign(
      new TextEncoder().encode(
        JSON.stringify({
          jti: randomUUID(),
          htm: 'GET',
          htu: `${publicOrigin}/orgs/24680/dpop/reports`,
          iat: Math.floor(Date.now() / 1000),
          ath: createHash('sha256').update(bound).digest('base64url'),
        }),
      ),
    )
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: clientJwk })
      .sign(client.privateKey)
  const once = await proof()
  check((await a.dpopCall(bound, once)) === 200, 'A accepts the token with its proof (the registry verifier remembers the proof in Redis: SET NX with its lifetime)')
  check((await b.dpopCall(bound, once)) === 401, 'B refuses the same proof replayed (401 invalid_dpop_proof): the replay store is shared')
  check((await b.dpopCall(bound, await proof())) === 200, 'B accepts the token with a fresh proof')
  await store.close()
  await connection.close()
  jwks.close()
  await Promise.all([a.child, b.child].map((c) => new Promise((resolve) => (c.once('exit', resolve), c.stdin.end()))))
} catch (error) {
  failures.push(String(error))
  console.error(error)
} finally {
  cleanup()
}
if (failures.length > 0) {
  console.error(`\n${failures.length} step(s) did not behave as described`)
  process.exit(1)
}
console.log('\nEvery step behaved as described.')
