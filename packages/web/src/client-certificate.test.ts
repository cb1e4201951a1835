// Certificate-bound tokens (RFC 8705) through @tokenward/web: Cloudflare's tlsClientAuth
// fingerprint (hex SHA-256 → x5t#S256), and a proxy header believed only with the shared secret.
import { createHash, X509Certificate } from 'node:crypto'
import { ConfigError, createVerifier, type Jwk, type Verifier } from '@tokenward/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeKey, mint, type TestKey } from '../../core/src/testing/mint.test-support.ts'
import { createTestCertificateAuthority } from '../../core/src/platform/tls-fixture.test-support.ts'
import { verifyWebRequest, withTokenward } from './index.ts'

const ca = createTestCertificateAuthority('web mtls CA')
const clientPem = ca.issueClient('client-1').certificatePem
const otherPem = ca.issueClient('client-2').certificatePem
const derOf = (pem: string) => new X509Certificate(pem).raw
const x5t = createHash('sha256').update(derOf(clientPem)).digest('base64url')
const hexOf = (pem: string) => createHash('sha256').update(derOf(pem)).digest('hex')
const secret = 'proxy-to-worker secret, 32+ chars'
const url = 'https://api.example.com/orders'

let key: TestKey
let verifier: Verifier
let bound: string
beforeAll(async () => {
  key = await makeKey('ES256', 'k1')
  verifier = createVerifier({ server: { name: 'Mtls', jwks: { keys: [key.publicJwk as Jwk] }, issuer: 'https://idp.test', mtls: { mode: 'enabled' } } })
  bound = await mint(key, { claims: { cnf: { 'x5t#S256': x5t } } })
})
afterAll(() => verifier.close())

/** A Request as a Worker receives it: `cf` set by Cloudflare (here, by the test). */
const workerRequest = (tlsClientAuth: Record<string, string> | undefined, headers: Record<string, string> = {}) => {
  const request = new Request(url, { headers: { authorization: `Bearer ${bound}`, ...headers } })
  Object.defineProperty(request, 'cf', { value: tlsClientAuth === undefined ? { country: 'NL' } : { tlsClientAuth } })
  return request
}
// Cloudflare's field names; certFingerprintSHA256 is lower-case hex.
const presented = (pem: string, extra: Record<string, string> = {}) => ({ certPresented: '1', certVerified: 'SUCCESS', certFingerprintSHA256: hexOf(pem), certFingerprintSHA1: '', ...extra })
const handler = (options: Parameters<typeof withTokenward>[1] = { guard: verifier }) => withTokenward((_request, auth) => Response.json({ binding: auth?.binding }), options)
const answer = async (response: Response) => ({ status: response.status, body: (await response.json()) as Record<string, unknown> })

describe('Cloudflare Workers: request.cf.tlsClientAuth', () => {
  it('the fingerprint of the presented certificate proves the binding', async () => {
    expect(await answer(await handler()(workerRequest(presented(clientPem))))).toEqual({ status: 200, body: { binding: { type: 'mtls', 'x5t#S256': x5t } } })
    // Not verified against a CA Cloudflare knows: the handshake still proved the key (RFC 8705 §2.2).
    expect((await handler()(workerRequest(presented(clientPem, { certVerified: 'FAILED:self signed certificate' })))).status).toBe(200)
  })

  it('another certificate, none presented, or no tlsClientAuth at all: refused', async () => {
    for (const request of [workerRequest(presented(otherPem)), workerRequest({ ...presented(clientPem), certPresented: '0' }), workerRequest(undefined), new Request(url, { headers: { authorization: `Bearer ${bound}` } })]) {
      expect(await answer(await handler()(request))).toMatchObject({ status: 401, body: { code: 'invalid_binding' } })
    }
  })

  it('verifyWebRequest reads it too', async () => {
    expect(await verifyWebRequest(workerRequest(presented(clientPem)), verifier)).toMatchObject({ ok: true, token: { binding: { type: 'mtls' } } })
    expect(await verifyWebRequest(workerRequest(presented(clientPem)), verifier, { clientCertificate: 'none' })).toMatchObject({ ok: false, error: { code: 'invalid_binding' } })
  })
})

describe('a proxy header with a shared secret (Deno, Bun, Node behind nginx, Envoy, Caddy…)', () => {
  const options = () => ({ guard: verifier, clientCertificate: { header: 'client-cert', sharedSecret: { header: 'x-proxy-secret', value: secret } } })
  const clientCert = (pem: string) => `:${derOf(pem).toString('base64')}:`

  it('is believed with the secret and ignored without it', async () => {
    const h = handler(options())
    expect((await h(new Request(url, { headers: { authorization: `Bearer ${bound}`, 'client-cert': clientCert(clientPem), 'x-proxy-secret': secret } }))).status).toBe(200)
    const spoofed = await h(new Request(url, { headers: { authorization: `Bearer ${bound}`, 'client-cert': clientCert(clientPem) } }))
    expect(await answer(spoofed)).toMatchObject({ status: 401, body: { code: 'invalid_binding' } })
    const other = await h(new Request(url, { headers: { authorization: `Bearer ${bound}`, 'client-cert': clientCert(otherPem), 'x-proxy-secret': secret } }))
    expect(await answer(other)).toMatchObject({ status: 401, body: { code: 'invalid_binding' } })
  })

  it("a header source does not read Cloudflare's certificate; trustedProxies is refused when built", async () => {
    expect((await handler(options())(workerRequest(presented(clientPem)))).status).toBe(401)
    expect(() => handler({ guard: verifier, clientCertificate: { header: 'client-cert', trustedProxies: ['127.0.0.1'] } })).toThrow(ConfigError)
    expect(() => handler({ guard: verifier, clientCertificate: { header: 'client-cert' } as never })).toThrow(ConfigError)
  })
})
