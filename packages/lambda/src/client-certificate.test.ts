// Certificate-bound tokens (RFC 8705) through the Lambda handlers: the certificate API Gateway
// puts in a mutual-TLS custom domain's events (REST identity.clientCert, HTTP API
// authentication.clientCert), and an ALB's X-Amzn-Mtls-Clientcert header believed only with the
// shared secret. Events are the AWS documentation's own (fixtures), with a real certificate.
import { createHash, X509Certificate } from 'node:crypto'
import { ConfigError, createVerifier, type Jwk, type Verifier } from '@tokenward/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeKey, mint, type TestKey } from '../../core/src/testing/mint.test-support.ts'
import { createTestCertificateAuthority } from '../../core/src/platform/tls-fixture.test-support.ts'
import { albEvent, httpApiAuthorizerEvent, httpApiEvent, requestAuthorizerEvent, restProxyEvent } from './fixtures/aws-events.test-support.ts'
import { httpApiAuthorizer, requestAuthorizer, tokenAuthorizer, withTokenward } from './index.ts'

const ca = createTestCertificateAuthority('lambda mtls CA')
const clientPem = ca.issueClient('client-1').certificatePem
const otherPem = ca.issueClient('client-2').certificatePem
const x5t = createHash('sha256').update(new X509Certificate(clientPem).raw).digest('base64url')
const secret = 'alb-to-lambda secret, 32+ characters'

let key: TestKey
let verifier: Verifier
let bound: string
beforeAll(async () => {
  key = await makeKey('ES256', 'k1')
  verifier = createVerifier({ server: { name: 'Mtls', jwks: { keys: [key.publicJwk as Jwk] }, issuer: 'https://idp.test', mtls: { mode: 'enabled' } } })
  bound = await mint(key, { claims: { cnf: { 'x5t#S256': x5t } } })
})
afterAll(() => verifier.close())

// Loosely typed: the fixtures are plain AWS documentation objects edited in place.
type Json = Record<string, any>
const withCert = <E>(event: E, where: 'identity' | 'authentication', pem: string | undefined, authorization: string): E => {
  const e = structuredClone(event) as Json
  e.headers = { ...e.headers, authorization }
  if (e.multiValueHeaders !== undefined) e.multiValueHeaders = { ...e.multiValueHeaders, authorization: [authorization] }
  if (pem === undefined) delete e.requestContext[where].clientCert
  else e.requestContext[where].clientCert.clientCertPem = pem
  return e as E
}
const echo = async (_event: unknown, _context: unknown, auth: { binding?: unknown } | undefined) => ({ statusCode: 200, body: JSON.stringify({ binding: auth?.binding }) })
const handler = () => withTokenward(echo, { guard: verifier }) as (event: unknown, context: unknown) => Promise<{ statusCode: number; body: string }>
const codeOf = (result: { body: string }) => (JSON.parse(result.body) as { code?: string }).code

describe.each([
  ['REST API (payload 1.0): requestContext.identity.clientCert', restProxyEvent, 'identity'],
  ['HTTP API (payload 2.0): requestContext.authentication.clientCert', httpApiEvent, 'authentication'],
] as const)('withTokenward, %s', (_name, event, where) => {
  it('accepts the bound token with its certificate, refuses another certificate and none', async () => {
    const run = handler()
    const ok = await run(withCert(event, where, clientPem, `Bearer ${bound}`), {})
    expect([ok.statusCode, JSON.parse(ok.body)]).toEqual([200, { binding: { type: 'mtls', 'x5t#S256': x5t } }])
    const other = await run(withCert(event, where, otherPem, `Bearer ${bound}`), {})
    expect([other.statusCode, codeOf(other)]).toEqual([401, 'invalid_binding'])
    const none = await run(withCert(event, where, undefined, `Bearer ${bound}`), {})
    expect([none.statusCode, codeOf(none)]).toEqual([401, 'invalid_binding'])
  })
})

describe('authorizers', () => {
  it('a REST REQUEST authorizer reads identity.clientCert', async () => {
    const authorize = requestAuthorizer({ guard: verifier })
    expect((await authorize(withCert(requestAuthorizerEvent, 'identity', clientPem, `Bearer ${bound}`) as never)).policyDocument.Statement[0]!.Effect).toBe('Allow')
    // A refused token is API Gateway's 401: the authorizer throws 'Unauthorized'.
    await expect(authorize(withCert(requestAuthorizerEvent, 'identity', otherPem, `Bearer ${bound}`) as never)).rejects.toThrow('Unauthorized')
  })

  it('an HTTP API authorizer reads authentication.clientCert', async () => {
    const authorize = httpApiAuthorizer({ guard: verifier })
    expect((await authorize(withCert(httpApiAuthorizerEvent, 'authentication', clientPem, `Bearer ${bound}`) as never)).isAuthorized).toBe(true)
    expect((await authorize(withCert(httpApiAuthorizerEvent, 'authentication', undefined, `Bearer ${bound}`) as never)).isAuthorized).toBe(false)
  })

  it('a TOKEN authorizer refuses a certificate option it could never honour', () => {
    expect(() => tokenAuthorizer({ guard: verifier, clientCertificate: 'platform' })).toThrow(ConfigError)
    expect(() => tokenAuthorizer({ guard: verifier, clientCertificate: 'none' })).not.toThrow()
  })
})

describe('an ALB with mutual TLS: X-Amzn-Mtls-Clientcert with a shared secret', () => {
  // ALB URL-encodes the PEM but leaves + = / as they are.
  const albHeader = (pem: string) => encodeURIComponent(pem).replace(/%2B/g, '+').replace(/%2F/g, '/').replace(/%3D/g, '=')
  const albRequest = (headers: Record<string, string>) => ({ ...structuredClone(albEvent), headers: { ...albEvent.headers, authorization: `Bearer ${bound}`, ...headers } })
  const run = () =>
    withTokenward(echo, { guard: verifier, clientCertificate: { header: 'x-amzn-mtls-clientcert', sharedSecret: { header: 'x-origin-secret', value: secret } } }) as (
      event: unknown,
      context: unknown,
    ) => Promise<{ statusCode: number; body: string }>

  it('is believed with the secret, ignored without it (the bound token is then refused)', async () => {
    const h = run()
    expect((await h(albRequest({ 'x-amzn-mtls-clientcert': albHeader(clientPem), 'x-origin-secret': secret }), {})).statusCode).toBe(200)
    const spoofed = await h(albRequest({ 'x-amzn-mtls-clientcert': albHeader(clientPem) }), {})
    expect([spoofed.statusCode, codeOf(spoofed)]).toEqual([401, 'invalid_binding'])
    const other = await h(albRequest({ 'x-amzn-mtls-clientcert': albHeader(otherPem), 'x-origin-secret': secret }), {})
    expect([other.statusCode, codeOf(other)]).toEqual([401, 'invalid_binding'])
  })

  it('a header source never reads the platform certificate; trustedProxies is refused (events carry no proxy address)', async () => {
    const h = run()
    const event = withCert(restProxyEvent, 'identity', clientPem, `Bearer ${bound}`)
    expect((await h(event, {})).statusCode).toBe(401)
    expect(() => withTokenward(echo, { guard: verifier, clientCertificate: { header: 'x-amzn-mtls-clientcert', trustedProxies: ['10.0.0.0/8'] } })).toThrow(/clientCertificate\.trustedProxies/)
  })
})
