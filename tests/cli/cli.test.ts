// The `tokenward` command: its contract (output shape, exit codes) in-process, and the built
// binary as a user runs it, with tokens on stdin.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { main } from '@tokenward/cli'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestCertificateAuthority, startHttpsServer } from '../../packages/core/src/platform/tls-fixture.test-support.ts'
import { b64, makeKey, mint, now, startJwksServer, type JwksServer, type TestKey } from '../../packages/core/src/testing/mint.test-support.ts'

let key: TestKey
let jwks: JwksServer
let dir: string
let config: string

beforeAll(async () => {
  key = await makeKey('RS256', 'k1')
  jwks = await startJwksServer([key.publicJwk])
  dir = mkdtempSync(join(tmpdir(), 'tokenward-cli-'))
  config = join(dir, 'server.json')
  writeFileSync(
    config,
    JSON.stringify({
      server: { name: 'CliIdP', jwksUrl: jwks.url, issuer: 'https://idp.test', audience: 'api://orders' },
      organization: { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly'] },
    }),
  )
})
afterAll(async () => {
  await jwks.close()
  rmSync(dir, { recursive: true, force: true })
})

async function cli(args: string[], stdin = '') {
  const out: string[] = []
  const errors: string[] = []
  const code = await main(args, { stdin: Readable.from([stdin]), write: (l) => out.push(l), writeError: (l) => errors.push(l) })
  return { code, out, err: errors.join('\n') }
}

describe('tokenward verify', () => {
  it('prints the contract shape for a valid token and exits 0', async () => {
    const r = await cli(['verify', '--config', config, '--token', await mint(key)])
    expect(r.code).toBe(0)
    expect(r.out).toHaveLength(1)
    const line = JSON.parse(r.out[0]!)
    expect(line).toMatchObject({
      valid: true,
      clientId: 'client-1',
      subject: 'client-1',
      scopes: ['zscloud::12345::ReadOnly'],
      roles: [],
      apiRoles: [{ cloud: 'zscloud', orgId: '12345', role: 'ReadOnly' }],
      adminId: 'oauth-ReadOnly$@12345.zscloud.net',
    })
    expect(line.claims.iss).toBe('https://idp.test')
  })

  it('reads one token per line from stdin, prints one object each, exits 1 if any is invalid', async () => {
    const tokens = [await mint(key), await mint(key, { claims: { exp: now() - 3600 } }), 'not-a-token', '', await mint(key, { claims: { scope: 'zscloud::12345::Admin' } })]
    const r = await cli(['verify', '--config', config], tokens.join('\n'))
    expect(r.code).toBe(1)
    const lines = r.out.map((l) => JSON.parse(l))
    expect(lines.map((l) => l.valid)).toEqual([true, false, false, false])
    expect(lines[1]).toEqual({ valid: false, status: 401, error: 'invalid_token', code: 'token_expired', description: 'The token has expired' })
    expect(lines[2]).toMatchObject({ valid: false, status: 401, error: 'invalid_token', code: 'malformed_token' })
    expect(lines[3]).toMatchObject({ valid: false, status: 403, error: 'insufficient_scope', code: 'insufficient_scope' })
  })

  it('--now moves the clock', async () => {
    const t = await mint(key, { claims: { iat: 1_000, exp: 2_000 } })
    expect((await cli(['verify', '--config', config, '--now', '1500', '--token', t])).code).toBe(0)
    expect((await cli(['verify', '--config', config, '--now', '2100', '--token', t])).code).toBe(1)
  })

  it('reports an outage as 503 jwks_unavailable', async () => {
    const file = join(dir, 'down.json')
    writeFileSync(file, JSON.stringify({ name: 'Down', jwksUrl: 'http://127.0.0.1:1/jwks', issuer: 'https://idp.test' }))
    const r = await cli(['verify', '--config', file, '--token', await mint(key)])
    expect(r.code).toBe(1)
    expect(JSON.parse(r.out[0]!)).toMatchObject({ valid: false, status: 503, error: 'temporarily_unavailable', code: 'jwks_unavailable' })
  })

  it.each([
    [['verify'], /--config <file> is required/],
    [['verify', '--config', '/nonexistent.json'], /cannot read config file/],
    [['verify', '--config', '<config>', '--now', 'soon'], /--now must be a number/],
    [['verify', '--config', '<config>', '--bogus'], /Unknown option/],
    [['frobnicate'], /unknown command/],
  ])('exits 2 on a usage error %j', async (args, message) => {
    const r = await cli(args.map((a) => (a === '<config>' ? config : a)))
    expect(r.code).toBe(2)
    expect(r.err).toMatch(message)
  })

  it('exits 2 on a bad config, naming every bad field', async () => {
    const file = join(dir, 'bad.json')
    writeFileSync(file, JSON.stringify({ name: 'bad name', jwksUrl: 'http://example.com/keys', algorithms: ['HS256'] }))
    const r = await cli(['verify', '--config', file, '--token', 'x'])
    expect(r.code).toBe(2)
    expect(r.err).toMatch(/name must be 1 to 64 letters or digits/)
    expect(r.err).toMatch(/jwksUrl must use https/)
    expect(r.err).toMatch(/algorithms\[0\] HS256 is never allowed/)
    const notJson = join(dir, 'notjson.json')
    writeFileSync(notJson, '{ nope')
    expect((await cli(['verify', '--config', notJson, '--token', 'x'])).err).toMatch(/not valid JSON/)
  })
})

describe('tokenward inspect', () => {
  it('decodes and explains without verifying', async () => {
    const r = await cli(['inspect', await mint(key, { claims: { client_id: undefined, cid: '0oa1' } })])
    expect(r.code).toBe(0)
    const report = JSON.parse(r.out.join('\n'))
    expect(report).toMatchObject({ decoded: true, verified: false, summary: { clientId: '0oa1', clientIdClaim: 'cid', alg: 'RS256', kid: 'k1' } })
    expect(report.notes.join(' ')).toMatch(/Not verified/)
  })
  it('explains a malformed token and exits 1', async () => {
    const r = await cli(['inspect', `${b64({ alg: 'none' })}.x`])
    expect(r.code).toBe(1)
    expect(JSON.parse(r.out.join('\n'))).toMatchObject({ decoded: false, problem: { code: 'malformed_token' } })
  })
})

describe('tokenward jwks validate', () => {
  it('reports a healthy JWKS and exits 0', async () => {
    const r = await cli(['jwks', 'validate', jwks.url])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.out.join('\n'))).toMatchObject({ ok: true, reachable: true, validJwkSet: true, usableSigningKeyCount: 1 })
  })
  it('checks TLS: untrusted CA fails, --ca trusts it, --no-certificate-validation skips the check', async () => {
    const ca = createTestCertificateAuthority()
    const https = await startHttpsServer(ca.issue({ ipAddresses: ['127.0.0.1'] }), (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [key.publicJwk] }))
    })
    try {
      const url = `${https.origin}/jwks`
      const caFile = join(dir, 'ca.pem')
      writeFileSync(caFile, ca.certificatePem)
      const untrusted = await cli(['jwks', 'validate', url])
      expect(untrusted.code).toBe(1)
      expect(JSON.parse(untrusted.out.join('\n'))).toMatchObject({ ok: false, tls: 'failed' })
      const trusted = await cli(['jwks', 'validate', url, '--ca', caFile])
      expect(trusted.code).toBe(0)
      expect(JSON.parse(trusted.out.join('\n'))).toMatchObject({ ok: true, tls: 'ok', usableSigningKeyCount: 1 })
      const unchecked = await cli(['jwks', 'validate', url, '--no-certificate-validation'])
      expect(unchecked.code).toBe(0)
      expect(JSON.parse(unchecked.out.join('\n'))).toMatchObject({ ok: true, tls: 'not_checked' })
      expect((await cli(['jwks', 'validate', url, '--ca', join(dir, 'missing.pem')])).code).toBe(2)
    } finally {
      await https.close()
    }
  })

  it('--as-tenant applies the admin API’s address policy and tenant report; without it loopback stays allowed', async () => {
    const asTenant = await cli(['jwks', 'validate', jwks.url, '--as-tenant'])
    expect(asTenant.code).toBe(1)
    expect(JSON.parse(asTenant.out.join('\n'))).toMatchObject({ ok: false, problems: ['address not allowed: a JWKS URL must be https and reach public addresses only'] })
    const metadata = await cli(['jwks', 'validate', 'https://2852039166/latest/meta-data/', '--as-tenant', '--allow', '10.0.0.0/8'])
    expect(JSON.parse(metadata.out.join('\n'))).toMatchObject({ ok: false, reachable: false })
    expect((await cli(['jwks', 'validate', jwks.url, '--as-tenant', '--allow', '10.0.0.0/99'])).code).toBe(2)
    expect((await cli(['jwks', 'validate', jwks.url, '--allow', '10.0.0.0/8'])).code).toBe(2)
  })

  it('exits 1 for an unreachable endpoint and 2 without a URL', async () => {
    expect((await cli(['jwks', 'validate', 'http://127.0.0.1:1/keys'])).code).toBe(1)
    expect((await cli(['jwks', 'validate'])).code).toBe(2)
  })
})

describe('the built binary', () => {
  const bin = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url))
  it('runs as a user runs it: tokens on stdin, JSON lines out, exit code', async () => {
    const child = spawn(process.execPath, [bin, 'verify', '--config', config], { stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stdin.end(`${await mint(key)}\n${await mint(key, { claims: { aud: 'api://other' } })}\n`)
    const code = await new Promise((resolve) => child.on('close', resolve))
    expect(code).toBe(1)
    expect(out.trim().split('\n').map((l) => JSON.parse(l).code ?? 'valid')).toEqual(['valid', 'invalid_audience'])
  })
})

describe('tokenward verify with introspection (opaque tokens) and secret references', () => {
  it('accepts an opaque token, reading the client secret from { env } or { file }, never printing it', async () => {
    const { startFakeAs } = await import('../../packages/core/src/introspection/fake-as.test-support.ts')
    const as = await startFakeAs()
    const secret = 'cli-introspection-secret-0123456789'
    as.answers.set('opaque-cli-token', { active: true, iss: 'https://idp.test', aud: 'api://orders', client_id: 'client-1', scope: 'zscloud::12345::ReadOnly', exp: now() + 600 })
    const write = (name: string, clientSecret: unknown) => {
      const file = join(dir, name)
      writeFileSync(file, JSON.stringify({ name: 'CliOpaque', issuer: 'https://idp.test', audience: 'api://orders', introspection: { endpoint: as.url, clientId: 'tokenward', clientAuthentication: { method: 'client_secret_basic', clientSecret } } }))
      return file
    }
    writeFileSync(join(dir, 'secret.txt'), `${secret}\n`)
    process.env.TOKENWARD_CLI_TEST_SECRET = secret
    try {
      for (const file of [write('env.json', { env: 'TOKENWARD_CLI_TEST_SECRET' }), write('file.json', { file: 'secret.txt' })]) {
        as.requests.length = 0
        const r = await cli(['verify', '--config', file, '--token', 'opaque-cli-token'])
        expect(r.code).toBe(0)
        expect(JSON.parse(r.out[0]!)).toMatchObject({ valid: true, clientId: 'client-1', source: 'introspection' })
        expect(Buffer.from(String(as.requests[0]!.headers.authorization).slice('Basic '.length), 'base64').toString()).toBe(`tokenward:${secret}`)
        expect(r.out.join('\n')).not.toContain(secret)
      }
      const missing = await cli(['verify', '--config', write('missing.json', { env: 'TOKENWARD_CLI_TEST_UNSET' }), '--token', 'opaque-cli-token'])
      expect(missing.code).toBe(2)
      expect(missing.err).toContain('introspection.clientAuthentication.clientSecret refers to the environment variable TOKENWARD_CLI_TEST_UNSET')
      const inactive = await cli(['verify', '--config', join(dir, 'env.json'), '--token', 'unknown-opaque'])
      expect(inactive.code).toBe(1)
      expect(JSON.parse(inactive.out[0]!)).toMatchObject({ valid: false, status: 401, code: 'token_inactive' })
    } finally {
      delete process.env.TOKENWARD_CLI_TEST_SECRET
      await as.close()
    }
  })
})

describe('tokenward verify with discovery', () => {
  it('reads jwksUrl from the metadata of a config that has discovery instead; a metadata outage is 503, not 401', async () => {
    const { startHttpServer } = await import('../../packages/core/src/platform/tls-fixture.test-support.ts')
    let up = true
    const metadata = await startHttpServer((req, res) => {
      if (!up || req.url !== '/.well-known/oauth-authorization-server') return void res.writeHead(up ? 404 : 503).end()
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: metadata.origin, jwks_uri: jwks.url }))
    })
    try {
      const file = join(dir, 'discovery.json')
      writeFileSync(file, JSON.stringify({ name: 'CliDiscovery', issuer: metadata.origin, audience: 'api://orders', discovery: true }))
      const ok = await cli(['verify', '--config', file, '--token', await mint(key, { claims: { iss: metadata.origin } })])
      expect(ok.code).toBe(0)
      expect(JSON.parse(ok.out[0]!)).toMatchObject({ valid: true, clientId: 'client-1' })
      up = false
      const down = await cli(['verify', '--config', file, '--token', await mint(key, { claims: { iss: metadata.origin } })])
      expect(down.code).toBe(1)
      expect(JSON.parse(down.out[0]!)).toMatchObject({ valid: false, status: 503, code: 'discovery_unavailable' })
    } finally {
      await metadata.close()
    }
  })
})
