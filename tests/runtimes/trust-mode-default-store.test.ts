// trustMode 'add' and 'only' told apart where it matters: a child Node process started with
// NODE_EXTRA_CA_CERTS=<CA B>, so CA B is in the runtime's default store. The authorization server
// has a certificate from CA B; the config trusts CA A. With 'add' (CA A besides the defaults) the
// server is accepted; with 'only' (CA A instead of the defaults) it is refused — 503, a TLS
// failure, never 401. Runs the built core (`npm test` builds the packages first).
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestCertificateAuthority, startHttpsServer, type TestServer } from '../../packages/core/src/platform/tls-fixture.test-support.ts'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../..', import.meta.url))
const coreBuild = pathToFileURL(join(root, 'packages/core/dist/node/index.js')).href

const caA = createTestCertificateAuthority('tokenward trust-mode CA A')
const caB = createTestCertificateAuthority('tokenward trust-mode CA B')
let server: TestServer
let dir: string
let caBFile: string

beforeAll(async () => {
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    req.resume()
    req.on('end', () => {
      const now = Math.floor(Date.now() / 1000)
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ active: true, client_id: 'orders', sub: 'via-ca-b', exp: now + 600 }))
    })
  }
  server = await startHttpsServer(caB.issue({ ipAddresses: ['127.0.0.1'] }), handler)
  dir = mkdtempSync(join(tmpdir(), 'tokenward-trust-mode-'))
  caBFile = join(dir, 'ca-b.pem')
  writeFileSync(caBFile, caB.certificatePem)
})
afterAll(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

// One verification per trust mode, through the whole verifier (introspection POST) and the GET
// client (JWKS, discovery), in a process whose default store holds CA B.
const child = `
const core = await import(process.env.TOKENWARD_CORE)
const { origin, caA } = JSON.parse(process.env.TOKENWARD_CASE)
for (const trustMode of ['add', 'only']) {
  const verifier = core.createVerifier({ server: { name: 'TrustAS', trustedCertificates: [caA], trustMode,
    introspection: { endpoint: origin + '/introspect', clientId: 'rs', clientAuthentication: { method: 'client_secret_basic', clientSecret: 'trust-mode-secret-0123' } } } })
  const verdict = await verifier.verifyRequest({ method: 'GET', url: 'https://api.example/', headers: { authorization: 'Bearer opaque-token' } })
  let get
  try {
    const response = await core.platformHttpGet()({ url: new URL(origin + '/keys'), timeoutMs: 5000, maxBytes: 65536, certificateValidation: true, trustedCertificates: [caA], trustMode })
    get = { status: response.status }
  } catch (error) {
    get = { kind: error.kind }
  }
  console.log(JSON.stringify({ trustMode, ok: verdict.ok, subject: verdict.ok ? verdict.token.subject : undefined, status: verdict.ok ? 200 : verdict.response.status, code: verdict.ok ? undefined : verdict.error.code, get }))
  await verifier.close()
}
`

describe("trustMode 'add' vs 'only' with the server's CA in the default store (NODE_EXTRA_CA_CERTS)", () => {
  it("'add' accepts the server (default store plus CA A); 'only' refuses it (CA A alone): 503 and a TLS failure", async () => {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', child], {
      cwd: root,
      env: { ...process.env, NODE_EXTRA_CA_CERTS: caBFile, TOKENWARD_CORE: coreBuild, TOKENWARD_CASE: JSON.stringify({ origin: server.origin, caA: caA.certificatePem }) },
      timeout: 30_000,
    })
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line))
    expect(lines).toEqual([
      { trustMode: 'add', ok: true, subject: 'via-ca-b', status: 200, get: { status: 200 } },
      { trustMode: 'only', ok: false, status: 503, code: 'introspection_unavailable', get: { kind: 'tls' } },
    ])
  })

  it("control: without CA B in the default store, 'add' refuses the server too (so the store made the difference above)", async () => {
    const { NODE_EXTRA_CA_CERTS: _unset, ...env } = process.env
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', child], {
      cwd: root,
      env: { ...env, TOKENWARD_CORE: coreBuild, TOKENWARD_CASE: JSON.stringify({ origin: server.origin, caA: caA.certificatePem }) },
      timeout: 30_000,
    })
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line))
    expect(lines.map((l: { trustMode: string; status: number }) => [l.trustMode, l.status])).toEqual([['add', 503], ['only', 503]])
  })
})
