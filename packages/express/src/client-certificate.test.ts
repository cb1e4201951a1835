// Certificate-bound tokens (RFC 8705) through real Express apps on 127.0.0.1: the certificate of
// the TLS connection itself (a real HTTPS server with requestCert and a test CA), or a trusted
// proxy's header — and the same header from a peer that is not trusted is ignored, so the bound
// token is refused.
import { createHash, X509Certificate } from 'node:crypto'
import { request as httpsRequest } from 'node:https'
import { ConfigError, createVerifier, type Jwk, type Verifier } from '@tokenward/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeKey, mint, type TestKey } from '../../core/src/testing/mint.test-support.ts'
import { createTestCertificateAuthority, type TestCertificate } from '../../core/src/platform/tls-fixture.test-support.ts'
import { tokenward } from './middleware.ts'
import { frameworks, serve, type RunningServer } from './serve.test-support.ts'

const ca = createTestCertificateAuthority('express mtls CA')
const serverCert = ca.issue({ ipAddresses: ['127.0.0.1'] })
const clientCert = ca.issueClient('client-1')
const otherCert = ca.issueClient('client-2')
const derOf = (c: TestCertificate) => new X509Certificate(c.certificatePem).raw
const x5tOf = (c: TestCertificate) => createHash('sha256').update(derOf(c)).digest('base64url')
const secret = 'proxy-to-app secret, 32+ chars long'

let key: TestKey
let verifier: Verifier
let boundToken: string
let unboundToken: string
beforeAll(async () => {
  key = await makeKey('ES256', 'k1')
  verifier = createVerifier({ server: { name: 'Mtls', jwks: { keys: [key.publicJwk as Jwk] }, issuer: 'https://idp.test', mtls: { mode: 'enabled' } } })
  boundToken = await mint(key, { claims: { cnf: { 'x5t#S256': x5tOf(clientCert) } } })
  unboundToken = await mint(key)
})
afterAll(() => verifier.close())

interface Reply {
  readonly status: number
  readonly body: { code?: string; binding?: unknown }
}

describe.each(frameworks)('the TLS socket on $name', ({ express }) => {
  let server: RunningServer
  beforeAll(async () => {
    const app = express()
    app.get('/whoami', tokenward({ guard: verifier }), (req, res) => res.json({ binding: req.auth?.binding }))
    server = await serve(app, { cert: serverCert.certificatePem, key: serverCert.privateKeyPem, ca: [ca.certificatePem], requestCert: true, rejectUnauthorized: false })
  })
  afterAll(() => server.close())

  const call = (client: TestCertificate | undefined, token: string) =>
    new Promise<Reply>((resolve, reject) => {
      const req = httpsRequest(`${server.origin}/whoami`, {
        ca: ca.certificatePem,
        headers: { authorization: `Bearer ${token}` },
        agent: false,
        ...(client === undefined ? {} : { cert: client.certificatePem, key: client.privateKeyPem }),
      })
      req.on('response', (res) => {
        let text = ''
        res.setEncoding('utf8').on('data', (c: string) => (text += c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Reply['body'] }))
      })
      req.on('error', reject)
      req.end()
    })

  it('accepts the bound token with its certificate, refuses it with another one or none', async () => {
    expect(await call(clientCert, boundToken)).toEqual({ status: 200, body: { binding: { type: 'mtls', 'x5t#S256': x5tOf(clientCert) } } })
    expect(await call(otherCert, boundToken)).toMatchObject({ status: 401, body: { code: 'invalid_binding' } })
    expect(await call(undefined, boundToken)).toMatchObject({ status: 401, body: { code: 'invalid_binding' } })
    // An unbound token is still fine where mtls is only enabled.
    expect(await call(otherCert, unboundToken)).toMatchObject({ status: 200, body: { binding: null } })
  })
})

describe('a trusted proxy header', () => {
  const b64Der = (c: TestCertificate) => `:${derOf(c).toString('base64')}:`
  const escapedPem = (c: TestCertificate) => encodeURIComponent(c.certificatePem)
  const hex = (c: TestCertificate) => createHash('sha256').update(derOf(c)).digest('hex')
  const servers: RunningServer[] = []
  afterAll(() => Promise.all(servers.map((s) => s.close())))

  /** An app whose certificate comes from `clientCertificate`; the test client connects from 127.0.0.1. */
  const appWith = async (clientCertificate: Parameters<typeof tokenward>[0]['clientCertificate']) => {
    const app = frameworks[0].express()
    app.get('/whoami', tokenward({ guard: verifier, clientCertificate }), (req, res) => res.json({ binding: req.auth?.binding }))
    const server = await serve(app)
    servers.push(server)
    return async (headers: Record<string, string>): Promise<Reply> => {
      const response = await fetch(`${server.origin}/whoami`, { headers: { authorization: `Bearer ${boundToken}`, ...headers } })
      return { status: response.status, body: (await response.json()) as Reply['body'] }
    }
  }
  const accepted = { status: 200, body: { binding: { type: 'mtls', 'x5t#S256': x5tOf(clientCert) } } }
  const refused = { status: 401, body: { code: 'invalid_binding' } }

  it.each([
    ['RFC 9440 Client-Cert', { header: 'client-cert' }, (c: TestCertificate) => ({ 'client-cert': b64Der(c) })],
    ['Envoy X-Forwarded-Client-Cert (Cert)', { header: 'x-forwarded-client-cert' }, (c: TestCertificate) => ({ 'x-forwarded-client-cert': `By=spiffe://mesh/api;Hash=${hex(c)};Cert="${escapedPem(c)}"` })],
    ['Envoy X-Forwarded-Client-Cert (Hash only)', { header: 'x-forwarded-client-cert' }, (c: TestCertificate) => ({ 'x-forwarded-client-cert': `By=spiffe://mesh/api;Hash=${hex(c)}` })],
    ['nginx $ssl_client_escaped_cert', { header: 'x-ssl-client-cert' }, (c: TestCertificate) => ({ 'x-ssl-client-cert': escapedPem(c) })],
    ['AWS ALB X-Amzn-Mtls-Clientcert', { header: 'x-amzn-mtls-clientcert' }, (c: TestCertificate) => ({ 'x-amzn-mtls-clientcert': escapedPem(c).replace(/%2B/g, '+').replace(/%2F/g, '/').replace(/%3D/g, '=') })],
  ] as const)('%s: believed from a trusted peer, ignored from any other', async (_name, source, headersFor) => {
    const fromTrusted = await appWith({ ...source, trustedProxies: ['127.0.0.1'] })
    expect(await fromTrusted(headersFor(clientCert))).toEqual(accepted)
    expect(await fromTrusted(headersFor(otherCert))).toMatchObject(refused)
    expect(await fromTrusted({})).toMatchObject(refused)
    // The same header from a peer outside the trusted ranges: as if no certificate was sent.
    const fromUntrusted = await appWith({ ...source, trustedProxies: ['10.0.0.0/8'] })
    expect(await fromUntrusted(headersFor(clientCert))).toMatchObject(refused)
  })

  it('with a shared secret: believed only when the secret header matches', async () => {
    const call = await appWith({ header: 'client-cert', sharedSecret: { header: 'x-proxy-secret', value: secret } })
    expect(await call({ 'client-cert': b64Der(clientCert), 'x-proxy-secret': secret })).toEqual(accepted)
    expect(await call({ 'client-cert': b64Der(clientCert) })).toMatchObject(refused)
    expect(await call({ 'client-cert': b64Der(clientCert), 'x-proxy-secret': 'guessed secret of the same size.' })).toMatchObject(refused)
  })

  it('is checked when the middleware is built', () => {
    expect(() => tokenward({ guard: verifier, clientCertificate: { header: 'client-cert' } })).toThrow(ConfigError)
    expect(() => tokenward({ guard: verifier, clientCertificate: { header: 'client-cert', trustedProxies: ['nope'] } })).toThrow(/clientCertificate\.trustedProxies\[0\]/)
  })
})
