// `tokenward verify-request`: whole requests on stdin, one JSON answer per line written before the
// next line is read; one replay store and one nonce secret for the life of the process.
import { createHash, X509Certificate } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { main } from '@tokenward/cli'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jwkThumbprint } from '../../packages/core/src/jose/jwk-thumbprint.ts'
import { createTestCertificateAuthority } from '../../packages/core/src/platform/tls-fixture.test-support.ts'
import { makeDpopKey, signProof, type DpopKey } from '../../packages/core/src/testing/dpop-proof.test-support.ts'
import { makeKey, mint, type TestKey } from '../../packages/core/src/testing/mint.test-support.ts'

const url = 'https://api.example.test/orders'
let key: TestKey
let client: DpopKey
let jkt: string
let dir: string
let config: string
let certPem: string
let otherCertPem: string
let x5t: string

beforeAll(async () => {
  key = await makeKey('ES256', 'k1')
  client = await makeDpopKey('ES256')
  jkt = (await jwkThumbprint(client.publicJwk as Record<string, unknown>))!
  const ca = createTestCertificateAuthority('tokenward verify-request CA')
  certPem = ca.issue({ dnsNames: ['client.example.test'] }).certificatePem
  otherCertPem = ca.issue({ dnsNames: ['other.example.test'] }).certificatePem
  x5t = createHash('sha256').update(new X509Certificate(certPem).raw).digest('base64url')
  dir = mkdtempSync(join(tmpdir(), 'tokenward-verify-request-'))
  config = join(dir, 'server.json')
  writeFileSync(
    config,
    JSON.stringify({
      server: {
        name: 'CliIdP',
        jwks: { keys: [key.publicJwk] },
        issuer: 'https://idp.test',
        audience: 'api://orders',
        dpop: { mode: 'enabled', requireNonce: true, nonceSecret: 'a verify-request nonce secret, 32+ characters' },
        mtls: { mode: 'enabled' },
      },
      organization: { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly'] },
    }),
  )
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const nowSeconds = () => Math.floor(Date.now() / 1000)
const proof = (token: string, nonce?: string) =>
  signProof(client, { method: 'GET', url, accessToken: token, iat: nowSeconds() }, { payload: nonce === undefined ? {} : { nonce } })
const line = (headers: Record<string, string>, extra: Record<string, unknown> = {}) => `${JSON.stringify({ method: 'GET', url: `${url}?page=2`, headers, ...extra })}\n`

describe('tokenward verify-request', () => {
  it('answers each line before the next is written; nonce, then accepted, then the replay refused', async () => {
    const stdin = new PassThrough()
    const out: string[] = []
    const running = main(['verify-request', '--config', config], { stdin, write: (l) => out.push(l), writeError: () => {} })
    const answer = async (text: string): Promise<Record<string, any>> => {
      const before = out.length
      stdin.write(text)
      for (let i = 0; i < 200 && out.length === before; i++) await new Promise((r) => setTimeout(r, 10))
      expect(out.length).toBe(before + 1)
      return JSON.parse(out.at(-1)!)
    }
    const token = await mint(key, { claims: { cnf: { jkt } } })

    const asked = await answer(line({ authorization: `DPoP ${token}`, dpop: await proof(token) }))
    expect(asked).toMatchObject({ valid: false, status: 401, error: 'use_dpop_nonce', code: 'use_dpop_nonce', headers: { 'DPoP-Nonce': expect.any(String), 'Cache-Control': 'no-store' } })
    expect(asked.headers['WWW-Authenticate']).toMatch(/DPoP error="use_dpop_nonce"/)

    const withNonce = await proof(token, asked.headers['DPoP-Nonce'])
    const accepted = await answer(line({ authorization: `DPoP ${token}`, dpop: withNonce }))
    expect(accepted).toMatchObject({ valid: true, clientId: 'client-1', scopes: ['zscloud::12345::ReadOnly'], binding: { type: 'dpop', jkt }, headers: {} })
    expect(accepted.claims.cnf).toEqual({ jkt })

    const replayed = await answer(line({ authorization: `DPoP ${token}`, dpop: withNonce }))
    expect(replayed).toMatchObject({ valid: false, status: 401, error: 'invalid_dpop_proof', code: 'invalid_dpop_proof' })

    const asBearer = await answer(line({ authorization: `Bearer ${token}`, dpop: withNonce }))
    expect(asBearer).toMatchObject({ valid: false, status: 401, error: 'invalid_token', code: 'invalid_binding' })

    stdin.end()
    expect(await running).toBe(1)
  })

  it('certificate-bound tokens: the right certificate, another one; unreadable lines; exit codes', async () => {
    const bound = await mint(key, { claims: { cnf: { 'x5t#S256': x5t } } })
    const input =
      line({ authorization: `Bearer ${bound}` }, { clientCertificate: certPem }) +
      line({ authorization: [`Bearer ${bound}`] as unknown as string }, { clientCertificate: otherCertPem }) +
      'not json\n' +
      line({ authorization: `Bearer ${bound}` }, { clientCertificate: 'not a certificate' })
    const out: string[] = []
    const code = await main(['verify-request', '--config', config], { stdin: Readable.from([input]), write: (l) => out.push(l), writeError: () => {} })
    expect(code).toBe(1)
    const answers = out.map((l) => JSON.parse(l))
    expect(answers).toHaveLength(4)
    expect(answers[0]).toMatchObject({ valid: true, binding: { type: 'mtls', 'x5t#S256': x5t } })
    expect(answers[1]).toMatchObject({ valid: false, status: 401, code: 'invalid_binding' })
    expect(answers[2]).toMatchObject({ valid: false, status: 400, code: 'invalid_request' })
    expect(answers[3]).toMatchObject({ valid: false, status: 400, code: 'invalid_request', description: expect.stringMatching(/clientCertificate/) })

    const ok: string[] = []
    expect(await main(['verify-request', '--config', config], { stdin: Readable.from([line({ authorization: `Bearer ${bound}` }, { clientCertificate: certPem })]), write: (l) => ok.push(l), writeError: () => {} })).toBe(0)
    expect(await main(['verify-request'], { stdin: Readable.from(['']), write: () => {}, writeError: () => {} })).toBe(2)
  })
})
