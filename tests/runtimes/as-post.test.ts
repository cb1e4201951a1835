// The POST client to an authorization server in real Deno and Bun processes, with both builds of
// core (the one the runtime resolves under the `node` condition, and the Web build by file URL):
// mutual TLS against a server that requires a client certificate, trustMode 'only', and a CONNECT
// proxy that counts tunnels. `npm test` builds the packages first.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { join } from 'node:path'
import type { TLSSocket } from 'node:tls'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startConnectProxy, type TestProxy } from '../../packages/core/src/platform/proxy-fixture.test-support.ts'
import { createTestCertificateAuthority, startMutualTlsServer, type TestServer } from '../../packages/core/src/platform/tls-fixture.test-support.ts'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../..', import.meta.url))
const script = fileURLToPath(new URL('./as-post-runtime.mts', import.meta.url))
const bin = (name: string): string => join(root, 'node_modules', '.bin', name)

const runtimes = {
  // --allow-sys: the Node build reads the default CA store to add the configured CA to it.
  deno: ['run', '--node-modules-dir=manual', '--no-lock', '--allow-net=127.0.0.1', '--allow-env', '--allow-read', '--allow-sys', script],
  bun: ['--no-install', script],
} as const
const builds = {
  node: pathToFileURL(join(root, 'packages/core/dist/node/index.js')).href,
  web: pathToFileURL(join(root, 'packages/core/dist/web/index.js')).href,
} as const

const ca = createTestCertificateAuthority()
const client = ca.issueClient('runtime-client')
let server: TestServer
let proxy: TestProxy

beforeAll(async () => {
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    req.resume()
    req.on('end', () => res.end(JSON.stringify({ peer: (req.socket as TLSSocket).getPeerCertificate().subject?.CN ?? null })))
  }
  server = await startMutualTlsServer(ca.issue({ ipAddresses: ['127.0.0.1'] }), ca.certificatePem, handler)
  proxy = await startConnectProxy()
})
afterAll(async () => {
  await Promise.all([server.close(), proxy.close()])
})

interface Line {
  readonly name: string
  readonly status?: number
  readonly body?: string
  readonly kind?: string
}

const casesFor = () => {
  const certificate = { certificate: client.certificatePem, privateKey: client.privateKeyPem }
  const url = `${server.origin}/introspect`
  return [
    { name: 'mtls', request: { url, trustedCertificates: [ca.certificatePem], clientCertificate: certificate } },
    { name: 'only', request: { url, trustedCertificates: [ca.certificatePem], trustMode: 'only', clientCertificate: certificate } },
    { name: 'no-certificate', request: { url, trustedCertificates: [ca.certificatePem] } },
    { name: 'proxy', request: { url, trustedCertificates: [ca.certificatePem], clientCertificate: certificate, proxy: proxy.url.href } },
  ]
}

describe.each(Object.entries(runtimes))('%s', (runtime, args) => {
  it.each(Object.entries(builds))("POSTs with a client certificate, trust mode and proxy (core's %s build)", async (build, core) => {
    if (!existsSync(bin(runtime))) throw new Error(`${runtime} is not installed: run npm install`)
    if (!existsSync(fileURLToPath(core))) throw new Error('The packages are not built: run `npm run build:packages`')
    const tunnelsBefore = proxy.tunnels.length
    const { stdout } = await run(bin(runtime), [...args], {
      cwd: root,
      timeout: 45_000,
      env: { ...process.env, TOKENWARD_CORE: core, TOKENWARD_CASES: JSON.stringify(casesFor()), NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', DO_NOT_TRACK: '1' },
    })
    const lines = Object.fromEntries(
      stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Line)
        .map((l) => [l.name, l]),
    )
    const peer = JSON.stringify({ peer: 'runtime-client' })
    expect(lines.mtls).toMatchObject({ status: 200, body: peer })
    // Deno's fetch adds CAs to its defaults and cannot replace them: refused, typed, not weakened.
    if (runtime === 'deno' && build === 'web') expect(lines.only).toMatchObject({ kind: 'unsupported' })
    else expect(lines.only).toMatchObject({ status: 200, body: peer })
    expect(['tls', 'network']).toContain(lines['no-certificate']?.kind)
    expect(lines.proxy).toMatchObject({ status: 200, body: peer })
    expect(proxy.tunnels.length).toBe(tunnelsBefore + 1)
  })
})
