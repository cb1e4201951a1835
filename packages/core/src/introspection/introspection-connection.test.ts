// The introspection stage's connection to the authorization server, against real servers on
// 127.0.0.1: the request goes through the platform HTTP POST (node:https), so a client
// certificate (tls_client_auth), an http: CONNECT proxy, trustMode and targets from the config
// all reach the wire.
import { generateKeyPairSync } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { TLSSocket } from 'node:tls'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { validateAuthorizationServer } from '../config/authorization-server.ts'
import { startConnectProxy, type TestProxy } from '../platform/proxy-fixture.test-support.ts'
import {
  createTestCertificateAuthority,
  startHttpServer,
  startHttpsServer,
  startMutualTlsServer,
  type TestServer,
} from '../platform/tls-fixture.test-support.ts'
import { createVerifier } from '../verifier/create-verifier.ts'
import type { VerifierEvent } from '../verifier/types.ts'

const caA = createTestCertificateAuthority('tokenward introspection CA A')
const caB = createTestCertificateAuthority('tokenward introspection CA B')
const leafA = caA.issue({ ipAddresses: ['127.0.0.1'] })
const clientCertificate = caA.issueClient('tokenward-rs')

/** What each server saw: the peer certificate's CN (mTLS) and the form. */
const seen: { server: string; peer: string | undefined; form: URLSearchParams }[] = []
const introspectionHandler = (name: string) => (req: IncomingMessage, res: ServerResponse) => {
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => {
    const socket = req.socket as Partial<TLSSocket>
    const peer = typeof socket.getPeerCertificate === 'function' ? (socket.getPeerCertificate().subject?.CN as string | undefined) : undefined
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
    seen.push({ server: name, peer, form })
    const now = Math.floor(Date.now() / 1000)
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({ active: true, client_id: 'orders', sub: `via-${name}`, scope: 'zscloud::12345::ReadOnly', exp: now + 600, iat: now - 5 }),
    )
  })
}

let mtls: TestServer
let https: TestServer
let failing: TestServer
let plain: TestServer
let proxy: TestProxy
let closedOrigin: string

beforeAll(async () => {
  mtls = await startMutualTlsServer(leafA, caA.certificatePem, introspectionHandler('mtls'))
  https = await startHttpsServer(leafA, introspectionHandler('https'))
  plain = await startHttpServer(introspectionHandler('plain'))
  failing = await startHttpServer((_req, res) => void res.writeHead(503).end('down'))
  proxy = await startConnectProxy()
  const closed = await startHttpServer(introspectionHandler('closed'))
  closedOrigin = closed.origin
  await closed.close()
})
afterAll(async () => {
  await Promise.all([mtls, https, plain, failing, proxy].map((s) => s.close()))
})

const org = { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly'] }
const basic = { method: 'client_secret_basic', clientSecret: 'introspection-secret-0123456789' }
const tlsAuth = { method: 'tls_client_auth', certificate: clientCertificate.certificatePem, privateKey: clientCertificate.privateKeyPem }

function verifierFor(endpoint: string, server: Record<string, unknown> = {}, clientAuthentication: unknown = basic) {
  const events: VerifierEvent[] = []
  const verifier = createVerifier({
    server: { name: 'ConnAS', introspection: { endpoint, clientId: 'tokenward-rs', clientAuthentication, cacheTokens: false }, ...server },
    organization: org,
    introspection: { timeoutMs: 1500 },
    onEvent: (e) => events.push(e),
  })
  return { verifier, events }
}

describe('introspection through the platform HTTP POST', () => {
  it('authenticates with a client certificate (tls_client_auth) on a mutual-TLS endpoint', async () => {
    const { verifier } = verifierFor(`${mtls.origin}/introspect`, { trustedCertificates: [caA.certificatePem] }, tlsAuth)
    const before = seen.length
    const token = await verifier.verify('opaque-mtls')
    expect(token.subject).toBe('via-mtls')
    expect(seen.slice(before)).toEqual([expect.objectContaining({ server: 'mtls', peer: 'tokenward-rs' })])
    expect(seen.at(-1)!.form.get('client_id')).toBe('tokenward-rs')
    await verifier.close()
  })

  it('without the client certificate the mutual-TLS endpoint cannot be reached: 503, not 401', async () => {
    const { verifier, events } = verifierFor(`${mtls.origin}/introspect`, { trustedCertificates: [caA.certificatePem] })
    const before = seen.length
    await expect(verifier.verify('opaque-no-cert')).rejects.toMatchObject({ code: 'introspection_unavailable', status: 503 })
    expect(seen.length).toBe(before)
    expect(events).toEqual([expect.objectContaining({ type: 'introspection', outcome: 'unavailable' })])
    await verifier.close()
  })

  it('goes through the configured http: proxy with one CONNECT tunnel per connection', async () => {
    const { verifier } = verifierFor(`${https.origin}/introspect`, { trustedCertificates: [caA.certificatePem], proxy: proxy.url.href })
    const before = proxy.tunnels.length
    expect((await verifier.verify('opaque-proxied')).subject).toBe('via-https')
    expect(proxy.tunnels.slice(before)).toEqual([new URL(https.origin).host])
    await verifier.close()
    // Without the proxy setting nothing goes through it.
    const direct = verifierFor(`${https.origin}/introspect`, { trustedCertificates: [caA.certificatePem] })
    expect((await direct.verifier.verify('opaque-direct')).subject).toBe('via-https')
    expect(proxy.tunnels.length).toBe(before + 1)
    await direct.verifier.close()
  })

  it("trustMode 'only' refuses a server whose CA is not listed, and accepts one whose CA is", async () => {
    const refused = verifierFor(`${https.origin}/introspect`, { trustedCertificates: [caB.certificatePem], trustMode: 'only' })
    await expect(refused.verifier.verify('opaque-untrusted')).rejects.toMatchObject({ code: 'introspection_unavailable', status: 503 })
    expect(refused.events).toEqual([expect.objectContaining({ outcome: 'unavailable', message: expect.stringContaining('tls') })])
    await refused.verifier.close()
    const trusted = verifierFor(`${https.origin}/introspect`, { trustedCertificates: [caA.certificatePem], trustMode: 'only' })
    expect((await trusted.verifier.verify('opaque-trusted')).subject).toBe('via-https')
    await trusted.verifier.close()
  })

  it('fails over to the next target when the first origin is down, keeping the endpoint path', async () => {
    const { verifier, events } = verifierFor(`${closedOrigin}/oauth2/introspect`, { targets: [plain.origin] })
    const before = seen.length
    expect((await verifier.verify('opaque-failover')).subject).toBe('via-plain')
    expect(seen.slice(before)).toEqual([expect.objectContaining({ server: 'plain' })])
    // The move is reported: server, origins and reason class, never the token or the path.
    const failovers = events.filter((e) => e.type === 'target_failover')
    expect(failovers).toEqual([
      { type: 'target_failover', authorizationServer: 'ConnAS', endpointKind: 'introspection', from: closedOrigin, to: plain.origin, reasonClass: 'network', reason: 'network' },
    ])
    expect(JSON.stringify(failovers)).not.toMatch(/opaque-failover|oauth2/)
    await verifier.close()
  })

  it('fails over on a 5xx, and is unavailable when every target is down', async () => {
    const first = verifierFor(`${failing.origin}/introspect`, { targets: [plain.origin] })
    expect((await first.verifier.verify('opaque-after-503')).subject).toBe('via-plain')
    expect(first.events.filter((e) => e.type === 'target_failover')).toEqual([
      expect.objectContaining({ from: failing.origin, to: plain.origin, reasonClass: 'http_5xx', reason: 'HTTP 503' }),
    ])
    await first.verifier.close()
    const none = verifierFor(`${closedOrigin}/introspect`, { targets: [failing.origin] })
    await expect(none.verifier.verify('opaque-down')).rejects.toMatchObject({ code: 'introspection_unavailable', status: 503 })
    // One failover (closed → failing), then the introspection event of the last answer.
    expect(none.events).toEqual([
      expect.objectContaining({ type: 'target_failover', from: closedOrigin, to: failing.origin, reasonClass: 'network' }),
      expect.objectContaining({ type: 'introspection', outcome: 'unavailable', message: expect.stringContaining('503') }),
    ])
    await none.verifier.close()
  })
})

describe('config: targets, proxy, trustMode', () => {
  const base = { name: 'ConnAS', jwksUrl: 'https://as.example/keys', trustedCertificates: [caA.certificatePem] }
  const bad: [string, Record<string, unknown>, { path: string; message: string }[]][] = [
    ['targets not an array', { targets: 'https://as-2.example' }, [{ path: 'targets', message: expect.stringContaining('array') }]],
    ['a target with a path', { targets: ['https://as-2.example/oauth'] }, [{ path: 'targets[0]', message: expect.stringContaining('origin only') }]],
    ['a target that is not a string', { targets: ['https://as-2.example', 42] }, [{ path: 'targets[1]', message: expect.stringContaining('string') }]],
    ['a target listed twice', { targets: ['https://as-2.example', 'https://as-2.example:443'] }, [{ path: 'targets[1]', message: 'is listed twice' }]],
    ['a target with credentials', { targets: ['https://u:p@as-2.example'] }, [{ path: 'targets[0]', message: expect.stringContaining('credentials') }]],
    ['too many targets', { targets: Array.from({ length: 17 }, (_, i) => `https://as-${i}.example`) }, [{ path: 'targets', message: expect.stringContaining('16') }]],
    ['an https proxy', { proxy: 'https://proxy.example:3128' }, [{ path: 'proxy', message: expect.stringContaining('http:') }]],
    ['a proxy with credentials', { proxy: 'http://user:pw@proxy.example:3128' }, [{ path: 'proxy', message: 'must not carry credentials' }]],
    ['a proxy with a path', { proxy: 'http://proxy.example:3128/x' }, [{ path: 'proxy', message: expect.stringContaining('no path') }]],
    ['a proxy that is not a URL', { proxy: 'proxy.example' }, [{ path: 'proxy', message: expect.stringContaining('absolute URL') }]],
    ['an unknown trustMode', { trustMode: 'replace' }, [{ path: 'trustMode', message: 'must be "add" or "only"' }]],
    ["trustMode 'only' without certificates", { trustMode: 'only', trustedCertificates: [] }, [{ path: 'trustMode', message: expect.stringContaining('at least one') }]],
  ]
  it.each(bad)('refuses %s, naming the field', (_name, fields, issues) => {
    const r = validateAuthorizationServer({ ...base, ...fields })
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.issues).toEqual(issues)
  })

  it('the secret of a refused proxy URL is not repeated in the issue', () => {
    const r = validateAuthorizationServer({ ...base, proxy: 'http://user:hunter2-secret@proxy.example:3128' })
    expect(JSON.stringify(r)).not.toContain('hunter2-secret')
  })

  it('accepts them, normalised, and leaves them out when not configured', () => {
    const r = validateAuthorizationServer({ ...base, targets: ['https://AS-2.example:443/', 'http://127.0.0.1:8080'], proxy: 'http://proxy.example:3128', trustMode: 'only' })
    expect(r.ok).toBe(true)
    if (r.ok) expect(r.config).toMatchObject({ targets: ['https://as-2.example', 'http://127.0.0.1:8080'], proxy: 'http://proxy.example:3128/', trustMode: 'only' })
    const plainConfig = validateAuthorizationServer(base)
    expect(plainConfig.ok && ['targets', 'proxy', 'trustMode'].some((k) => k in plainConfig.config)).toBe(false)
    // Still plain, storable data.
    if (r.ok) expect(structuredClone(r.config)).toEqual(r.config)
  })
})

describe('the JWKS GET uses the same connection settings', () => {
  it('fetches the key set through the configured proxy, with trustMode applied', async () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const jwks = JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' }] })
    const keys = await startHttpsServer(leafA, (_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(jwks))
    try {
      const proxied = createVerifier({
        server: { name: 'JwksAS', jwksUrl: `${keys.origin}/keys`, trustedCertificates: [caA.certificatePem], trustMode: 'only', proxy: proxy.url.href },
        organization: org,
      })
      const before = proxy.tunnels.length
      await proxied.warm()
      expect(await proxied.status()).toMatchObject({ keyCount: 1, lastFailure: undefined })
      expect(proxy.tunnels.slice(before)).toEqual([new URL(keys.origin).host])
      await proxied.close()
    } finally {
      await keys.close()
    }
  })
})
