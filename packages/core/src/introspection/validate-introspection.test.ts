// validateIntrospection against real endpoints on 127.0.0.1 (the fake AS, an always-active AS, an
// mTLS endpoint): one random string is introspected and every answer is reported in words.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defineAuthorizationServer } from '../config/authorization-server.ts'
import { platformHttpPost } from '../platform/http-door.ts'
import {
  createTestCertificateAuthority,
  startHttpServer,
  startMutualTlsServer,
  type TestServer,
} from '../platform/tls-fixture.test-support.ts'
import { startFakeAs, type FakeAs, type FakeAsBehaviour } from './fake-as.test-support.ts'
import { validateIntrospection as validateIntrospectionDoor } from './validate-introspection-door.ts'
import { validateIntrospection } from './validate-introspection.ts'

const secret = 'introspection-s3cr3t-never-shown'
const introspectionOf = (endpoint: string, clientAuthentication: unknown = { method: 'client_secret_basic', clientSecret: secret }) => {
  const server = defineAuthorizationServer({ name: 'Ping1', issuer: 'https://as.example', introspection: { endpoint, clientId: 'tokenward-rs', clientAuthentication } })
  // Without discovery the built config always carries the endpoint it was given.
  return { ...server.introspection!, endpoint }
}

let fake: FakeAs
let alwaysActive: TestServer
let mtls: TestServer
const ca = createTestCertificateAuthority('tokenward validate-introspection CA')
const leaf = ca.issue({ ipAddresses: ['127.0.0.1'] })
const client = ca.issueClient('tokenward-rs')

beforeAll(async () => {
  fake = await startFakeAs()
  alwaysActive = await startHttpServer((_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{"active":true,"sub":"anyone"}'))
  mtls = await startMutualTlsServer(leaf, ca.certificatePem, (req, res) => {
    req.resume()
    req.on('end', () => void res.writeHead(200, { 'content-type': 'application/json' }).end('{"active":false}'))
  })
})
afterAll(async () => {
  await Promise.all([fake.close(), alwaysActive.close(), mtls.close()])
})

describe('validateIntrospection', () => {
  it('200 {"active":false} for a random string is healthy; the string is random and sent with the configured client authentication', async () => {
    fake.behaviour = 'answer'
    fake.requests.length = 0
    const config = introspectionOf(fake.url)
    const first = await validateIntrospection({ config, httpPost: platformHttpPost() })
    const second = await validateIntrospectionDoor({ config })
    expect(first).toMatchObject({ ok: true, outcome: 'healthy', reachable: true, tls: 'not_applicable', httpStatus: 200, problems: [], authMethod: 'client_secret_basic', clientId: 'tokenward-rs' })
    expect(second.outcome).toBe('healthy')
    const [a, b] = fake.requests
    expect(a?.form.get('token')).toMatch(/^tokenward-validate-[A-Za-z0-9_-]{43}$/)
    expect(a?.form.get('token')).not.toBe(b?.form.get('token'))
    expect(a?.form.get('token_type_hint')).toBe('access_token')
    expect(a?.headers.authorization).toBe(`Basic ${btoa(`tokenward-rs:${secret}`)}`)
  })

  it.each<[FakeAsBehaviour, string, RegExp]>([
    ['401', 'credentials_refused', /refused tokenward's client ID or credentials/],
    ['403', 'credentials_refused', /refused tokenward's client ID or credentials/],
    ['500', 'server_error', /answered HTTP 5xx/],
    ['429', 'server_error', /answered HTTP 4xx/],
    ['garbage', 'unexpected_answer', /not an introspection response/],
    ['string-active', 'unexpected_answer', /not an introspection response/],
    ['unsupported_token_type', 'unexpected_answer', /answered HTTP 4xx/],
  ])('fake AS %s → %s, in words, with no status code, body or secret for a tenant', async (behaviour, outcome, words) => {
    fake.behaviour = behaviour
    const report = await validateIntrospection({ config: introspectionOf(fake.url), httpPost: platformHttpPost(), detail: 'tenant' })
    expect(report).toMatchObject({ ok: false, outcome, reachable: true })
    expect(report.problems.join(' ')).toMatch(words)
    // Everything but the endpoint the admin typed and the time (a random port or millisecond could hold any digits).
    const shown = JSON.stringify({ ...report, endpoint: undefined, checkedAt: undefined })
    expect(report.httpStatus).toBeUndefined()
    for (const leak of [secret, '401', '403', '500', '429', 'invalid_client', 'oops', 'slow_down', 'unsupported_token_type']) expect(shown).not.toContain(leak)
    fake.behaviour = 'answer'
  })

  it('the operator sees the status', async () => {
    fake.behaviour = '401'
    const report = await validateIntrospection({ config: introspectionOf(fake.url), httpPost: platformHttpPost() })
    expect([report.outcome, report.httpStatus]).toEqual(['credentials_refused', 401])
    fake.behaviour = 'answer'
  })

  it('an AS that calls a random string active is broken', async () => {
    const report = await validateIntrospection({ config: introspectionOf(`${alwaysActive.origin}/introspect`), httpPost: platformHttpPost(), detail: 'tenant' })
    expect(report).toMatchObject({ ok: false, outcome: 'active_for_random_token' })
    expect(report.problems[0]).toMatch(/random string an active token/)
  })

  it('unreachable, and refused by the address policy, like the JWKS check', async () => {
    const closed = await startHttpServer(() => undefined)
    await closed.close()
    const down = await validateIntrospection({ config: introspectionOf(`${closed.origin}/introspect`), httpPost: platformHttpPost(), detail: 'tenant' })
    expect(down).toMatchObject({ ok: false, outcome: 'unreachable', reachable: false })
    expect(down.problems).toEqual(['the introspection endpoint is unreachable'])
    const fenced = await validateIntrospection({ config: introspectionOf(fake.url), httpPost: platformHttpPost(), addressPolicy: {}, detail: 'tenant' })
    expect(fenced).toMatchObject({ ok: false, outcome: 'address_not_allowed', reachable: false })
  })

  it('mutual TLS: healthy with the client certificate and the CA; TLS failure without the CA, reported without the TLS stack\'s words', async () => {
    const tlsAuth = { method: 'tls_client_auth', certificate: client.certificatePem, privateKey: client.privateKeyPem }
    const config = introspectionOf(`${mtls.origin}/introspect`, tlsAuth)
    const good = await validateIntrospection({ config, httpPost: platformHttpPost(), trustedCertificates: [ca.certificatePem], detail: 'tenant' })
    expect(good).toMatchObject({ ok: true, outcome: 'healthy', tls: 'ok', authMethod: 'tls_client_auth' })
    const untrusted = await validateIntrospection({ config, httpPost: platformHttpPost(), detail: 'tenant' })
    expect(untrusted).toMatchObject({ ok: false, outcome: 'tls_failed', tls: 'failed' })
    expect(untrusted.problems).toEqual(["the introspection endpoint's TLS certificate is not trusted (or the TLS handshake failed)"])
    expect(JSON.stringify(untrusted)).not.toContain(client.privateKeyPem.slice(40, 80))
  })
})
