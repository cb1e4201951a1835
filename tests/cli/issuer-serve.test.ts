// `tokenward issuer serve` as an operator runs it: a process started with a config file prints one
// JSON line when it listens, real clients (oauth4webapi) obtain tokens from it, jose verifies them
// against its JWKS, and SIGTERM stops it. Needs the build (`npm test` runs it first).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeClientKeys, serveJwks, type ClientKeys, type RunningServer } from '../../packages/issuer/src/testing/issuer-fixture.test-support.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))
const bin = join(root, 'packages/cli/bin/tokenward.js')
const secret = 'local-development-secret-0123456789'
let dir: string
let jwksServer: RunningServer
let keys: ClientKeys
let child: ChildProcessWithoutNullStreams
let stderr = ''
let endpoints: { issuer: string; token_endpoint: string; jwks_uri: string }

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenward-issuer-'))
  keys = await makeClientKeys('cli-1')
  jwksServer = await serveJwks([keys.publicJwk])
  writeFileSync(
    join(dir, 'issuer.json'),
    JSON.stringify({
      organization: { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly', 'Admin'] },
      clients: [
        { clientId: 'ci', roles: ['ReadOnly'], authentication: { method: 'client_secret', clientSecret: secret } },
        // The operator's own file: a plain-http JWKS URL on loopback is fine here.
        { clientId: 'svc', roles: ['Admin'], authentication: { method: 'private_key_jwt', jwksUrl: `${jwksServer.origin}/jwks.json` } },
      ],
      accessTokenLifetimeSeconds: 300,
    }),
  )
  child = spawn(process.execPath, [bin, 'issuer', 'serve', '--config', join(dir, 'issuer.json'), '--port', '0'], { cwd: dir })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const firstLine = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk
      const newline = out.indexOf('\n')
      if (newline !== -1) resolve(out.slice(0, newline))
    })
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)))
  })
  endpoints = JSON.parse(firstLine)
}, 30_000)
afterAll(async () => {
  if (child.exitCode === null) child.kill('SIGKILL')
  await jwksServer.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('tokenward issuer serve', () => {
  it('prints one JSON line naming the issuer, token endpoint and JWKS on the listening origin', () => {
    expect(Object.keys(endpoints)).toEqual(['issuer', 'token_endpoint', 'jwks_uri'])
    expect(endpoints.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(endpoints.token_endpoint).toBe(`${endpoints.issuer}/token`)
    expect(endpoints.jwks_uri).toBe(`${endpoints.issuer}/jwks`)
  })

  it('issues tokens to a secret client and a JWKS-URL client; jose verifies them; stderr logs requests without the secret', async () => {
    const issuerUrl = new URL(endpoints.issuer)
    const as = await oauth.processDiscoveryResponse(issuerUrl, await oauth.discoveryRequest(issuerUrl, { algorithm: 'oauth2', [oauth.allowInsecureRequests]: true }))
    const jwks = createRemoteJWKSet(new URL(endpoints.jwks_uri))
    for (const [clientId, auth, role] of [
      ['ci', oauth.ClientSecretBasic(secret), 'ReadOnly'],
      ['svc', oauth.PrivateKeyJwt({ key: keys.privateKey as CryptoKey, kid: 'cli-1' }), 'Admin'],
    ] as const) {
      const client = { client_id: clientId }
      const response = await oauth.clientCredentialsGrantRequest(as, client, auth, new URLSearchParams(), { [oauth.allowInsecureRequests]: true })
      const tokens = await oauth.processClientCredentialsResponse(as, client, response)
      expect(tokens.expires_in).toBe(300)
      const { payload } = await jwtVerify(tokens.access_token, jwks, { issuer: endpoints.issuer, audience: endpoints.issuer, typ: 'at+jwt' })
      expect(payload).toMatchObject({ client_id: clientId, scope: `zscloud::12345::${role}` })
    }
    expect(stderr).toContain('"outcome":"issued"')
    expect(stderr).not.toContain(secret)
  })

  it('stops on SIGTERM with exit code 0', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
  })
})

describe('tokenward issuer serve: the failed-authentication throttle when the file asks for it', () => {
  it('refuses a client ID with 429 and Retry-After after maxFailures wrong secrets (off unless configured)', async () => {
    const config = join(dir, 'throttled.json')
    writeFileSync(
      config,
      JSON.stringify({
        organization: { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly'] },
        clients: [{ clientId: 'ci', roles: ['ReadOnly'], authentication: { method: 'client_secret', clientSecret: secret } }],
        failedAuthenticationThrottle: { maxFailures: 1, lockoutSeconds: 60 },
      }),
    )
    const throttled = spawn(process.execPath, [bin, 'issuer', 'serve', '--config', config, '--port', '0'], { cwd: dir })
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = ''
        throttled.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          out += chunk
          if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')))
        })
        throttled.once('exit', (code) => reject(new Error(`exited ${code}`)))
      })
      const { token_endpoint } = JSON.parse(line) as { token_endpoint: string }
      const post = (clientSecret: string) =>
        fetch(token_endpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'ci', client_secret: clientSecret }) })
      expect((await post('wrong-secret-0123456789')).status).toBe(401)
      const locked = await post(secret)
      expect({ status: locked.status, retryAfter: locked.headers.get('retry-after') }).toEqual({ status: 429, retryAfter: '60' })
    } finally {
      throttled.kill('SIGTERM')
    }
  })

  it('narrows tokens to the roles that grant a requested resource (apiResources in issuer.json), and refuses an unmapped resource', async () => {
    const config = join(dir, 'resources.json')
    writeFileSync(
      config,
      JSON.stringify({
        organization: { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['Reports', 'Policies'], apiRoleCategories: { Reports: ['reports'], Policies: ['policies'] } },
        clients: [{ clientId: 'ci', roles: ['Reports', 'Policies'], authentication: { method: 'client_secret', clientSecret: secret } }],
        resources: ['https://api.example.test/reports', 'https://api.example.test/policies', 'https://api.example.test/other'],
        apiResources: [
          { category: 'reports', routes: [{ method: 'GET', path: '/reports' }] },
          { category: 'policies', routes: [{ method: '*', path: '/policies' }] },
        ],
      }),
    )
    const served = spawn(process.execPath, [bin, 'issuer', 'serve', '--config', config, '--port', '0'], { cwd: dir })
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = ''
        served.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          out += chunk
          if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')))
        })
        served.once('exit', (code) => reject(new Error(`exited ${code}`)))
      })
      const { token_endpoint } = JSON.parse(line) as { token_endpoint: string }
      const post = (resource: string) =>
        fetch(token_endpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'ci', client_secret: secret, resource }) })
      const reports = await post('https://api.example.test/reports')
      expect(reports.status).toBe(200)
      expect(await reports.json()).toMatchObject({ scope: 'zscloud::12345::Reports' })
      const policies = await post('https://api.example.test/policies')
      expect(await policies.json()).toMatchObject({ scope: 'zscloud::12345::Policies' })
      const other = await post('https://api.example.test/other')
      expect(other.status).toBe(400)
      expect(await other.json()).toMatchObject({ error: 'invalid_target' })
    } finally {
      served.kill('SIGTERM')
    }
  })

  it('refuses a bad apiResources table at start, naming each bad field by path', async () => {
    const config = join(dir, 'bad-resources.json')
    writeFileSync(
      config,
      JSON.stringify({
        organization: { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['Reports'] },
        clients: [{ clientId: 'ci', roles: ['Reports'], authentication: { method: 'client_secret', clientSecret: secret } }],
        apiResources: [{ category: 'reports', routes: [{ method: 'GET', path: 'no-slash' }] }],
      }),
    )
    const failed = spawn(process.execPath, [bin, 'issuer', 'serve', '--config', config, '--port', '0'], { cwd: dir })
    let errors = ''
    failed.stderr.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk))
    const code = await new Promise<number | null>((resolve) => failed.once('exit', resolve))
    expect(code).not.toBe(0)
    expect(errors).toContain('apiResources[0].routes[0].path')
    expect(errors).toContain('organization.apiRoleCategories')
  })
})
