// The demo behind `npm start`: a local authorization server's JWKS on 127.0.0.1, tokens minted
// with its keys, and the real `tokenward` command deciding each one — including a key rotation
// picked up live — then `tokenward issuer serve` as a local token endpoint for API clients.
// Exits 0 only when every step behaved as described. No external service.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { SignJWT, exportJWK, generateKeyPair } from 'jose'

const cli = fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url))
const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s)
const failures = []

// 1. A local authorization server: one signing key published as a JWKS.
const issuer = 'https://idp.demo.test/oauth2/default'
const keyA = await generateKeyPair('RS256')
const keyB = await generateKeyPair('ES256')
const publicA = { ...(await exportJWK(keyA.publicKey)), kid: 'key-a', alg: 'RS256', use: 'sig' }
const publicB = { ...(await exportJWK(keyB.publicKey)), kid: 'key-b', alg: 'ES256', use: 'sig' }
let published = [publicA]
let jwksFetches = 0
const server = createServer((req, res) => {
  if (req.url !== '/keys') return res.writeHead(404).end()
  jwksFetches++
  res.writeHead(200, { 'content-type': 'application/jwk-set+json', 'cache-control': 'max-age=300' })
  res.end(JSON.stringify({ keys: published }))
})
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
const jwksUrl = `http://127.0.0.1:${server.address().port}/keys`

// 2. The API owner registers it for organization 12345 (cloud "zscloud").
const dir = mkdtempSync(join(tmpdir(), 'tokenward-demo-'))
const configPath = join(dir, 'server.json')
writeFileSync(
  configPath,
  JSON.stringify(
    {
      server: { name: 'DemoIdP', description: 'Local demo authorization server', jwksUrl, issuer, audience: 'https://api.demo.test', algorithms: ['RS256', 'ES256'] },
      organization: { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly', 'Admin'] },
    },
    null,
    2,
  ),
)
console.log(bold('tokenward demo'))
console.log(`JWKS served at ${jwksUrl}; config written to ${configPath}\n`)

const now = Math.floor(Date.now() / 1000)
const mint = (claims, { key = keyA.privateKey, kid = 'key-a', alg = 'RS256', exp = now + 600 } = {}) =>
  new SignJWT({ iss: issuer, aud: 'https://api.demo.test', sub: 'billing-service', client_id: 'billing-service', scope: 'zscloud::12345::ReadOnly', iat: now - 5, exp, ...claims })
    .setProtectedHeader({ alg, kid, typ: 'at+jwt' })
    .sign(key)
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url')

const valid = await mint({})
const steps = [
  { label: 'a valid token with the ReadOnly API role', token: valid, expect: { valid: true } },
  { label: 'an expired token', token: await mint({}, { exp: now - 3600 }), expect: { code: 'token_expired', status: 401 } },
  { label: 'a token for another API (wrong audience)', token: await new SignJWT({ client_id: 'x', scope: 'zscloud::12345::ReadOnly' }).setProtectedHeader({ alg: 'RS256', kid: 'key-a' }).setIssuer(issuer).setAudience('https://other.test').setExpirationTime(now + 600).sign(keyA.privateKey), expect: { code: 'invalid_audience', status: 401 } },
  { label: 'a token from another issuer', token: await mint({ iss: 'https://evil.test' }), expect: { code: 'invalid_issuer', status: 401 } },
  { label: 'an unsigned token (alg "none")', token: `${b64({ alg: 'none' })}.${b64({ client_id: 'x', exp: now + 600 })}.`, expect: { code: 'malformed_token', status: 401 } },
  { label: 'a token whose payload was altered', token: tamper(valid), expect: { code: 'invalid_signature', status: 401 } },
  { label: 'a token with a role of another organization', token: await mint({ scope: 'zscloud::99999::Admin' }), expect: { code: 'insufficient_scope', status: 403 } },
  { label: 'a token whose only roles are malformed (never trimmed or "fixed")', token: await mint({ scope: undefined, scp: [' zscloud::12345::ReadOnly', 'zscloud::12345::Read Only', 'zscloud:12345:ReadOnly'] }), expect: { code: 'insufficient_scope', status: 403 } },
  {
    label: 'after the provider rotates to a new key, a token signed with it',
    before: () => {
      published = [publicA, publicB]
    },
    token: await mint({}, { key: keyB.privateKey, kid: 'key-b', alg: 'ES256' }),
    expect: { valid: true },
    after: () => check('the rotation cost exactly one extra JWKS fetch', jwksFetches === 2, `${jwksFetches} fetches`),
  },
  { label: 'a token naming a key that does not exist', token: await mint({}, { kid: 'forged' }), expect: { code: 'key_not_found', status: 401 } },
]

function tamper(token) {
  const [h, p, s] = token.split('.')
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString())
  return [h, b64({ ...claims, scope: 'zscloud::12345::Admin' }), s].join('.')
}
function check(what, ok, detail) {
  console.log(`  ${ok ? '✔' : '✘'} ${what}${detail ? ` (${detail})` : ''}`)
  if (!ok) failures.push(what)
}

// 3. One long-lived `tokenward verify` process reads tokens from stdin, like a service would.
console.log(bold('$ tokenward verify --config server.json   (tokens on stdin)'))
const child = spawn(process.execPath, [cli, 'verify', '--config', configPath], { stdio: ['pipe', 'pipe', 'inherit'] })
const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
for (const step of steps) {
  step.before?.()
  child.stdin.write(`${step.token}\n`)
  const { value } = await lines.next()
  const result = JSON.parse(value)
  console.log(`\n• ${step.label}`)
  if (result.valid) console.log(`  accepted: client ${result.clientId}, API roles ${result.apiRoles.map((r) => r.role).join(', ')}, audited as ${result.adminId}`)
  else console.log(`  refused: ${result.status} ${result.error} / ${result.code} — ${result.description}`)
  const ok = step.expect.valid ? result.valid === true : result.code === step.expect.code && result.status === step.expect.status
  check(step.expect.valid ? 'accepted as expected' : `refused with ${step.expect.status} ${step.expect.code} as expected`, ok)
  step.after?.()
}
child.stdin.end()
const exitCode = await new Promise((resolve) => child.on('close', resolve))
check('tokenward verify exits 1 because some tokens were invalid', exitCode === 1, `exit ${exitCode}`)

// 4. The "Validate" button of an admin UI, and a look inside a token.
console.log(`\n${bold(`$ tokenward jwks validate ${jwksUrl}`)}`)
const report = JSON.parse(await run([cli, 'jwks', 'validate', jwksUrl]))
console.log(`  reachable=${report.reachable} validJwkSet=${report.validJwkSet} usable signing keys=${report.usableSigningKeyCount} problems=${JSON.stringify(report.problems)}`)
check('the JWKS validates with two usable keys', report.ok === true && report.usableSigningKeyCount === 2)

console.log(`\n${bold('$ tokenward inspect <the valid token>')}`)
const inspection = JSON.parse(await run([cli, 'inspect', valid]))
for (const note of inspection.notes) console.log(`  - ${note}`)
check('inspect decodes without verifying', inspection.decoded === true && inspection.verified === false && inspection.summary.clientId === 'billing-service')

// 5. A local token endpoint for API clients (OneAPI), and its token checked by `tokenward verify`.
console.log(`\n${bold('$ tokenward issuer serve --config issuer.json --port 0')}`)
const issuerConfig = join(dir, 'issuer.json')
const clientSecret = 'local-demo-secret-0123456789'
writeFileSync(
  issuerConfig,
  JSON.stringify({
    organization: { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly', 'Admin'] },
    // The operator's own file: a plain secret here is hashed on load (for local use).
    clients: [{ clientId: 'reporting-job', roles: ['ReadOnly'], authentication: { method: 'client_secret', clientSecret } }],
  }),
)
const issuerProcess = spawn(process.execPath, [cli, 'issuer', 'serve', '--config', issuerConfig, '--port', '0'], { stdio: ['ignore', 'pipe', 'ignore'] })
try {
  const endpoints = JSON.parse((await createInterface({ input: issuerProcess.stdout })[Symbol.asyncIterator]().next()).value)
  console.log(`  listening: token endpoint ${endpoints.token_endpoint}, JWKS ${endpoints.jwks_uri}`)
  const tokenRequest = (secret) =>
    fetch(endpoints.token_endpoint, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`reporting-job:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    })
  const answer = await tokenRequest(clientSecret)
  const issued = await answer.json()
  console.log(`  client_credentials with client_secret_basic → ${answer.status} ${issued.token_type}, scope "${issued.scope}"`)
  check('the API client gets a token for its role', answer.status === 200 && issued.scope === 'zscloud::12345::ReadOnly')
  const wrong = await tokenRequest('not-the-secret-0123456789')
  check('a wrong secret is refused', wrong.status === 401 && (await wrong.json()).error === 'invalid_client', `${wrong.status}`)
  const verifyConfig = join(dir, 'issuer-server.json')
  writeFileSync(
    verifyConfig,
    JSON.stringify({
      server: { name: 'LocalIssuer', jwksUrl: endpoints.jwks_uri, issuer: endpoints.issuer, audience: endpoints.issuer, algorithms: ['ES256'], requireAccessTokenType: true },
      organization: { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly', 'Admin'] },
    }),
  )
  const verified = JSON.parse(await run([cli, 'verify', '--config', verifyConfig, '--token', issued.access_token]))
  console.log(`  $ tokenward verify --token <it> → valid=${verified.valid}, client ${verified.clientId}, audited as ${verified.adminId}`)
  check('tokenward verify accepts the issued token', verified.valid === true && verified.clientId === 'reporting-job')
} finally {
  issuerProcess.kill('SIGTERM')
}

server.close()
rmSync(dir, { recursive: true, force: true })
console.log(failures.length === 0 ? `\n${bold('Every step behaved as described.')}` : `\n${bold(`${failures.length} step(s) misbehaved:`)} ${failures.join('; ')}`)
process.exitCode = failures.length === 0 ? 0 : 1

function run(args) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    p.stdout.on('data', (d) => (out += d))
    p.on('error', reject)
    p.on('close', () => resolve(out))
  })
}
