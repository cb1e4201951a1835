// `tokenward discover <issuer>`: a real metadata server on 127.0.0.1 (HTTPS with a test CA).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { main } from '@tokenward/cli'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestCertificateAuthority, startHttpsServer, type TestServer } from '../../packages/core/src/platform/tls-fixture.test-support.ts'

const ca = createTestCertificateAuthority()
let server: TestServer
let issuer: string
let dir: string
let caFile: string

beforeAll(async () => {
  server = await startHttpsServer(ca.issue({ ipAddresses: ['127.0.0.1'] }), (req, res) => {
    if (req.url !== '/.well-known/oauth-authorization-server/as') return void res.writeHead(404).end()
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        issuer,
        jwks_uri: `${issuer}/jwks`,
        introspection_endpoint: `${issuer}/introspect`,
        token_endpoint: `${issuer}/token`,
        mtls_endpoint_aliases: { introspection_endpoint: `${issuer}/mtls/introspect` },
      }),
    )
  })
  issuer = `${server.origin}/as`
  dir = mkdtempSync(join(tmpdir(), 'tokenward-discover-'))
  caFile = join(dir, 'ca.pem')
  writeFileSync(caFile, ca.certificatePem)
})
afterAll(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

async function cli(args: string[]) {
  const out: string[] = []
  const errors: string[] = []
  const code = await main(args, { stdin: Readable.from(['']), write: (l) => out.push(l), writeError: (l) => errors.push(l) })
  return { code, out: out.join('\n'), errors }
}

describe('tokenward discover', () => {
  it('prints the metadata and what tokenward would use; --mtls picks the aliases', async () => {
    const plain = await cli(['discover', issuer, '--ca', caFile, '--trust-only'])
    expect(plain.code).toBe(0)
    expect(JSON.parse(plain.out)).toMatchObject({
      ok: true,
      metadata: { issuer, source: `${server.origin}/.well-known/oauth-authorization-server/as` },
      wouldUse: { jwksUrl: `${issuer}/jwks`, introspectionEndpoint: `${issuer}/introspect`, tokenEndpoint: `${issuer}/token` },
    })
    const mtls = await cli(['discover', issuer, '--ca', caFile, '--mtls'])
    expect(JSON.parse(mtls.out).wouldUse.introspectionEndpoint).toBe(`${issuer}/mtls/introspect`)
  })

  it('exits 1 for another issuer (a trailing slash) or an untrusted server, 2 on usage errors', async () => {
    const mismatch = await cli(['discover', `${issuer}/`, '--ca', caFile])
    expect(mismatch.code).toBe(1)
    expect(JSON.parse(mismatch.out)).toMatchObject({ ok: false, kind: 'issuer_mismatch' })
    const untrusted = await cli(['discover', issuer])
    expect(untrusted.code).toBe(1)
    expect(JSON.parse(untrusted.out)).toMatchObject({ ok: false, kind: 'tls' })
    expect((await cli(['discover'])).code).toBe(2)
    expect((await cli(['discover', 'not-a-url'])).code).toBe(2)
    expect((await cli(['discover', issuer, '--trust-only'])).code).toBe(2)
  })
})
