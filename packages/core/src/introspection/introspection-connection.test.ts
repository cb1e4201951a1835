// The introspection stage's connection to the authorization server, against real servers on
// 127.0.0.1: the request goes through the platform HTTP POST (node:https), so a client
// certificate (tls_client_auth), an http: CONNECT proxy, trustMode and targets from the config
// all reach the wire.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { TLSSocket } from 'node:tls'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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
let closedOrigin: string

beforeAll(async () => {
  mtls = await startMutualTlsServer(leafA, caA.certificatePem, introspectionHandler('mtls'))
  https = await startHttpsServer(leafA, introspectionHandler('https'))
  plain = await startHttpServer(introspectionHandler('plain'))
  failing = await startHttpServer((_req, res) => void res.writeHead(503).end('down'))
  const closed = await startHttpServer(introspectionHandler('closed'))
  closedOrigin = closed.origin
  await closed.close()
})
afterAll(async () => {
  await Promise.all([mtls, https, plain, failing].map((s) => s.close()))
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
})
