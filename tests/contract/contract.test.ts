// One table of scenarios, run through the core and every adapter (Express over real HTTP — over
// mutual TLS for the certificate rows —, Lambda with an HTTP API v2 and a REST API event, Web
// Request → Response, with Cloudflare's tlsClientAuth for the certificate rows): the same status, the same WWW-Authenticate
// challenge, the same JSON body and the same TokenRequest.url everywhere. Adapters translate;
// they never decide. A second table asserts the url each adapter builds from the same input.
import { createHash, X509Certificate } from 'node:crypto'
import { createServer, request as httpRequest, type Server } from 'node:http'
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { RequestGuard } from '@tokenward/core'
import type { Organization } from '@tokenward/core/organization'
import { MissingTokenError, createDpopNonces, defineAuthorizationServer, renderChallenge } from '@tokenward/core'
import { tokenward } from '@tokenward/express'
import { withTokenward as withLambda } from '@tokenward/lambda'
import { createInMemoryOrganizationStore, createRegistryVerifier, registryGuard, type RegistryVerifier } from '@tokenward/registry'
import { withTokenward as withWeb } from '@tokenward/web'
import express from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeAs, type FakeAs } from '../../packages/core/src/introspection/fake-as.test-support.ts'
import { b64, makeKey, mint, startJwksServer, type JwksServer, type TestKey } from '../../packages/core/src/testing/mint.test-support.ts'
import { makeDpopKey, signProof, type DpopKey } from '../../packages/core/src/testing/dpop-proof.test-support.ts'
import { jwkThumbprint } from '../../packages/core/src/jose/jwk-thumbprint.ts'
import { createTestCertificateAuthority, type TestCertificate } from '../../packages/core/src/platform/tls-fixture.test-support.ts'

interface Answer {
  readonly status: number
  readonly challenge: string | null
  readonly body: unknown
  /** Whether the answer handed the client a `DPoP-Nonce`. */
  readonly nonce: boolean
  /** Whether the answer said `Cache-Control: no-store` (every refusal; a success only when it carries a nonce). */
  readonly noStore: boolean
}
/**
 * A door sends the request with these headers (`authorization`, and `dpop` for DPoP rows). For
 * the certificate rows, `certificate` is the client certificate the request comes with over
 * mutual TLS (`null`: a mutual-TLS connection on which the client sent none); `undefined` for
 * every other row. With `resource`, the route declares that API resource category through the
 * adapter's own option.
 */
type Door = (guard: RequestGuard, headers: Readonly<Record<string, string>>, certificate?: TestCertificate | null, resource?: string) => Promise<Answer>

const path = '/orgs/12345/reports'
const origin = 'https://api.example.com'

const derOf = (certificate: TestCertificate): Uint8Array => new Uint8Array(new X509Certificate(certificate.certificatePem).raw)

const throughCore: Door = async (guard, headers, certificate, resource) => {
  const verdict = await guard.verifyRequest({ method: 'GET', url: `${origin}${path}`, headers, ...(certificate ? { clientCertificate: { raw: derOf(certificate) } } : {}) }, resource === undefined ? undefined : { resource })
  // On success the core hands a nonce over on the token; an adapter sends it with dpopNonceHeaders (no-store).
  if (verdict.ok) return { status: 200, challenge: null, body: { clientId: verdict.token.clientId }, nonce: verdict.token.dpopNonce !== undefined, noStore: verdict.token.dpopNonce !== undefined }
  return { status: verdict.response.status, challenge: verdict.response.headers['www-authenticate'] ?? null, body: verdict.response.body, nonce: verdict.response.headers['dpop-nonce'] !== undefined, noStore: verdict.response.headers['cache-control'] === 'no-store' }
}

// One app per route declaration (none, or an API resource category), each built once.
const expressServers = new Map<string, Server>()
let expressTlsServer: Server | undefined
let expressGuard: RequestGuard | undefined
// The mutual-TLS rows: a CA, the server's certificate for 127.0.0.1, and two client certificates.
const tlsCa = createTestCertificateAuthority('contract mtls CA')
const tlsServerCert = tlsCa.issue({ ipAddresses: ['127.0.0.1'] })
const clientCert = tlsCa.issueClient('client-1')
const otherClientCert = tlsCa.issueClient('client-2')
const x5tOf = (certificate: TestCertificate): string => createHash('sha256').update(derOf(certificate)).digest('base64url')

const throughExpress: Door = async (guard, headers, certificate, resource) => {
  expressGuard = guard
  if (certificate !== undefined) return throughExpressTls(headers, certificate)
  let expressServer = expressServers.get(resource ?? '')
  if (expressServer === undefined) {
    const app = express()
    // The guard changes per scenario; the adapter is built once, as in a real app.
    // verifyRequestNow is forwarded when the guard has it, so the table covers Express's same-tick path.
    const dynamic: RequestGuard = {
      verifyRequest: (request, options) => expressGuard!.verifyRequest(request, options),
      verifyRequestNow: (request, options) => (expressGuard!.verifyRequestNow ?? expressGuard!.verifyRequest).call(expressGuard, request, options),
    }
    app.get('/orgs/:orgId/reports', tokenward({ guard: dynamic, publicOrigin: origin, resource }), (req, res) => {
      res.json({ clientId: req.auth?.clientId })
    })
    const created = createServer(app)
    expressServer = created
    expressServers.set(resource ?? '', created)
    await new Promise<void>((resolve) => created.listen(0, '127.0.0.1', resolve))
  }
  const { port } = expressServer.address() as AddressInfo
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers })
  return { status: response.status, challenge: response.headers.get('www-authenticate'), body: await response.json(), nonce: response.headers.has('dpop-nonce'), noStore: response.headers.get('cache-control') === 'no-store' }
}

/** Express on an HTTPS server that asks for a client certificate: the adapter reads it from the TLS socket. */
async function throughExpressTls(headers: Readonly<Record<string, string>>, certificate: TestCertificate | null): Promise<Answer> {
  if (expressTlsServer === undefined) {
    const app = express()
    const dynamic: RequestGuard = { verifyRequest: (request, options) => expressGuard!.verifyRequest(request, options) }
    app.get('/orgs/:orgId/reports', tokenward({ guard: dynamic, publicOrigin: origin }), (req, res) => {
      res.json({ clientId: req.auth?.clientId })
    })
    expressTlsServer = createHttpsServer({ cert: tlsServerCert.certificatePem, key: tlsServerCert.privateKeyPem, ca: [tlsCa.certificatePem], requestCert: true, rejectUnauthorized: false }, app)
    await new Promise<void>((resolve) => expressTlsServer!.listen(0, '127.0.0.1', resolve))
  }
  const { port } = expressTlsServer.address() as AddressInfo
  return new Promise<Answer>((resolve, reject) => {
    const req = httpsRequest(`https://127.0.0.1:${port}${path}`, {
      ca: tlsCa.certificatePem,
      headers,
      agent: false,
      ...(certificate === null ? {} : { cert: certificate.certificatePem, key: certificate.privateKeyPem }),
    })
    req.on('response', (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk))
      res.on('end', () => {
        const challenge = res.headers['www-authenticate']
        resolve({ status: res.statusCode ?? 0, challenge: typeof challenge === 'string' ? challenge : null, body: JSON.parse(text), nonce: res.headers['dpop-nonce'] !== undefined, noStore: res.headers['cache-control'] === 'no-store' })
      })
    })
    req.on('error', reject)
    req.end()
  })
}

const throughLambda: Door = async (guard, requestHeaders, certificate, resource) => {
  const handler = withLambda(async (_event: unknown, _context: unknown, auth: { clientId: string } | undefined) => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ clientId: auth?.clientId }) }), { guard, apiResource: resource })
  const event = {
    version: '2.0',
    routeKey: 'GET /orgs/{orgId}/reports',
    rawPath: path,
    rawQueryString: '',
    headers: { host: 'api.example.com', ...requestHeaders },
    requestContext: {
      accountId: '123456789012', apiId: 'api-id', domainName: 'api.example.com', domainPrefix: 'api', http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'agent' }, requestId: 'id', routeKey: 'GET /orgs/{orgId}/reports', stage: '$default', time: '12/Mar/2020:19:03:58 +0000', timeEpoch: 1583348638390,
      // A mutual-TLS custom domain puts the client certificate here.
      ...(certificate ? { authentication: { clientCert: { clientCertPem: certificate.certificatePem, subjectDN: 'CN=client', issuerDN: 'CN=contract mtls CA', serialNumber: '01' } } } : {}),
    },
    isBase64Encoded: false,
  }
  return lambdaAnswer(await (handler as (e: unknown, c: unknown) => Promise<LambdaResult>)(event, {}))
}

interface LambdaResult {
  readonly statusCode: number
  readonly headers?: Record<string, string>
  readonly body?: string
}
const lambdaAnswer = (result: LambdaResult): Answer => {
  const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]))
  return { status: result.statusCode, challenge: headers['www-authenticate'] ?? null, body: JSON.parse(result.body ?? 'null'), nonce: headers['dpop-nonce'] !== undefined, noStore: headers['cache-control'] === 'no-store' }
}

/** A REST API (payload 1.0) proxy event, as API Gateway sends it: multi-value headers, identity.clientCert on a mutual-TLS domain. */
const throughLambdaRest: Door = async (guard, requestHeaders, certificate, resource) => {
  const handler = withLambda(async (_event: unknown, _context: unknown, auth: { clientId: string } | undefined) => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ clientId: auth?.clientId }) }), { guard, apiResource: resource })
  const headers = { Host: 'api.example.com', ...requestHeaders }
  const event = {
    resource: '/orgs/{orgId}/reports',
    path,
    httpMethod: 'GET',
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: { orgId: '12345' },
    requestContext: {
      accountId: '123456789012', apiId: 'api-id', domainName: 'api.example.com', httpMethod: 'GET', path: `/prod${path}`, stage: 'prod', requestId: 'id',
      identity: { sourceIp: '192.0.2.1', userAgent: 'agent', ...(certificate ? { clientCert: { clientCertPem: certificate.certificatePem, subjectDN: 'CN=client', issuerDN: 'CN=contract mtls CA', serialNumber: '01' } } : {}) },
    },
    body: null,
    isBase64Encoded: false,
  }
  return lambdaAnswer(await (handler as (e: unknown, c: unknown) => Promise<LambdaResult>)(event, {}))
}

const throughWeb: Door = async (guard, headers, certificate, resource) => {
  const handler = withWeb((_request: Request, auth) => Response.json({ clientId: auth?.clientId }), { guard, resource })
  const request = new Request(`${origin}${path}`, { headers })
  // Cloudflare Workers: what the edge established about the client certificate (hex SHA-256 of the DER).
  if (certificate !== undefined) {
    const tlsClientAuth = certificate === null ? { certPresented: '0' } : { certPresented: '1', certVerified: 'SUCCESS', certFingerprintSHA256: createHash('sha256').update(derOf(certificate)).digest('hex') }
    Object.defineProperty(request, 'cf', { value: { tlsClientAuth } })
  }
  const response = await handler(request)
  return { status: response.status, challenge: response.headers.get('www-authenticate'), body: await response.json(), nonce: response.headers.has('dpop-nonce'), noStore: response.headers.get('cache-control') === 'no-store' }
}

const doors: [string, Door][] = [
  ['core', throughCore],
  ['express', throughExpress],
  ['lambda', throughLambda],
  ['lambda-rest', throughLambdaRest],
  ['web', throughWeb],
]

let key: TestKey
let rotated: TestKey
let stranger: TestKey
let jwks: JwksServer
let as: FakeAs
let dpopKey: DpopKey
let dpopJkt: string
const registries: RegistryVerifier[] = []

beforeAll(async () => {
  key = await makeKey('ES256', 'k1')
  rotated = await makeKey('ES256', 'k2')
  stranger = await makeKey('ES256', 'k1')
  jwks = await startJwksServer([key.publicJwk])
  as = await startFakeAs()
  dpopKey = await makeDpopKey('ES256')
  dpopJkt = (await jwkThumbprint(dpopKey.publicJwk as Record<string, unknown>))!
})
afterAll(async () => {
  await Promise.all(registries.map((r) => r.close()))
  await jwks.close()
  await as.close()
  await Promise.all([...expressServers.values()].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))))
  await new Promise<void>((resolve) => (expressTlsServer === undefined ? resolve() : expressTlsServer.close(() => resolve())))
})

const nowSeconds = () => Math.floor(Date.now() / 1000)
const organization = (overrides: Partial<Organization> = {}, serverOverrides: Record<string, unknown> = {}): Organization => ({
  orgId: '12345',
  cloud: 'zscloud',
  cloudDomain: 'zscloud.net',
  apiRoles: { ReadOnly: ['reports'] },
  subscriptionValidUntil: nowSeconds() + 86_400,
  suspension: undefined,
  authorizationServers: [defineAuthorizationServer({ name: 'Okta1', jwksUrl: jwks.url, issuer: 'https://idp.test', audience: 'api://orders', clientId: 'client-1', ...serverOverrides })],
  revision: 1,
  ...overrides,
})

/** The same organization whose server also introspects opaque tokens (RFC 7662) at a local AS. */
const opaqueOrganization = (serverOverrides: Record<string, unknown> = {}) =>
  organization({}, { introspection: { endpoint: as.url, clientId: 'tokenward', clientAuthentication: { method: 'client_secret_basic', clientSecret: 'contract-secret' } }, ...serverOverrides })
const opaqueAnswer = (extra: Record<string, unknown> = {}) => ({
  active: true,
  iss: 'https://idp.test',
  aud: 'api://orders',
  client_id: 'client-1',
  scope: 'zscloud::12345::ReadOnly',
  exp: nowSeconds() + 600,
  ...extra,
})
const opaque = (token: string, answer: Record<string, unknown> | undefined, behaviour: FakeAs['behaviour'] = 'answer') => async () => {
  as.behaviour = behaviour
  if (answer === undefined) as.answers.delete(token)
  else as.answers.set(token, answer)
  return `Bearer ${token}`
}

interface Scenario {
  readonly name: string
  readonly org?: () => Organization
  readonly authorization: () => Promise<string | undefined>
  /** The request's `DPoP` proof, made for the `Authorization` value the scenario gave. */
  readonly dpop?: (authorization: string) => Promise<string | undefined>
  /** Runs before the request, with the guard (e.g. to warm the key cache, then break the JWKS). */
  readonly prepare?: (guard: RequestGuard) => Promise<void>
  readonly jwks?: { keys?: () => TestKey[]; mode?: JwksServer['mode'] }
  /** Certificate rows: the client certificate the request comes with over mutual TLS (`null`: none). */
  readonly certificate?: () => TestCertificate | null
  /** The API resource category the route declares (RBAC over API resources). */
  readonly resource?: string
  readonly expected: { readonly status: number; readonly code?: string; readonly nonce?: boolean; readonly challenge?: string }
}

const bearer = async (t: Promise<string>) => `Bearer ${await t}`
const rbacOrganization = () => organization({ apiRoles: { ReadOnly: ['reports'], Admin: ['reports', 'policies'] } })
const dpopOrganization = (dpop: Record<string, unknown> = {}) => organization({}, { dpop: { mode: 'enabled', ...dpop } })
const dpopBound = async () => `DPoP ${await mint(key, { claims: { cnf: { jkt: dpopJkt } } })}`
const dpopProof = (authorization: string, overrides: { method?: string; url?: string } = {}) =>
  signProof(dpopKey, { method: overrides.method ?? 'GET', url: overrides.url ?? `${origin}${path}`, accessToken: authorization.slice(authorization.indexOf(' ') + 1), iat: nowSeconds() })
const contractNonceSecret = 'a contract-test nonce secret of 32+ chars'
const mtlsOrganization = (mode: 'enabled' | 'required' = 'enabled') => organization({}, { mtls: { mode } })
const certificateBound = async () => `Bearer ${await mint(key, { claims: { cnf: { 'x5t#S256': x5tOf(clientCert) } } })}`
const bothOrganization = () => organization({}, { dpop: { mode: 'enabled' }, mtls: { mode: 'enabled' } })
const bothBound = async () => `DPoP ${await mint(key, { claims: { cnf: { jkt: dpopJkt, 'x5t#S256': x5tOf(clientCert) } } })}`
const scenarios: Scenario[] = [
  { name: 'valid', authorization: () => bearer(mint(key)), expected: { status: 200 } },
  { name: 'missing', authorization: async () => undefined, expected: { status: 401, code: 'missing_token' } },
  { name: 'malformed', authorization: async () => 'Bearer not.a.jwt', expected: { status: 401, code: 'malformed_token' } },
  { name: 'expired', authorization: () => bearer(mint(key, { claims: { exp: nowSeconds() - 3600 } })), expected: { status: 401, code: 'token_expired' } },
  { name: 'wrong audience', authorization: () => bearer(mint(key, { claims: { aud: 'api://billing' } })), expected: { status: 401, code: 'invalid_audience' } },
  { name: 'wrong issuer', authorization: () => bearer(mint(key, { claims: { iss: 'https://evil.test' } })), expected: { status: 401, code: 'invalid_issuer' } },
  { name: 'wrong client', authorization: () => bearer(mint(key, { claims: { client_id: 'client-2' } })), expected: { status: 401, code: 'invalid_client' } },
  { name: 'alg none', authorization: async () => `Bearer ${b64({ alg: 'none' })}.${b64({ client_id: 'client-1', exp: nowSeconds() + 60 })}.c2ln`, expected: { status: 401, code: 'alg_not_allowed' } },
  { name: 'forged key reusing a kid', authorization: () => bearer(mint(stranger)), expected: { status: 401, code: 'invalid_signature' } },
  { name: 'unknown kid, then the rotation is picked up', jwks: { keys: () => [key, rotated] }, authorization: () => bearer(mint(rotated)), expected: { status: 200 } },
  { name: 'wrong API role', authorization: () => bearer(mint(key, { claims: { scope: 'zscloud::12345::Admin' } })), expected: { status: 403, code: 'insufficient_scope' } },
  // RBAC over API resources: the route declares its category; the organization's apiRoles map decides.
  { name: 'API resource granted by the role', org: () => rbacOrganization(), resource: 'reports', authorization: () => bearer(mint(key, { claims: { scope: 'zscloud::12345::ReadOnly' } })), expected: { status: 200 } },
  {
    name: 'API resource no role of the token grants',
    org: () => rbacOrganization(),
    resource: 'policies',
    authorization: () => bearer(mint(key, { claims: { scope: 'zscloud::12345::ReadOnly' } })),
    expected: {
      status: 403,
      code: 'insufficient_scope',
      challenge: 'Bearer error="insufficient_scope", error_description="This call serves the API resource category policies: it needs one of zscloud::12345::Admin", scope="zscloud::12345::Admin"',
    },
  },
  { name: 'API resource granted only in another organization', org: () => rbacOrganization(), resource: 'policies', authorization: () => bearer(mint(key, { claims: { scope: 'zscloud::12345::ReadOnly zscloud::99999::Admin' } })), expected: { status: 403, code: 'insufficient_scope' } },
  { name: 'disabled server', org: () => organization({}, { enabled: false }), authorization: () => bearer(mint(key)), expected: { status: 401, code: 'server_disabled' } },
  { name: 'suspended organization', org: () => organization({ suspension: { reason: 'terms_violation', since: nowSeconds() } }), authorization: () => bearer(mint(key)), expected: { status: 401, code: 'server_disabled' } },
  { name: 'expired subscription', org: () => organization({ subscriptionValidUntil: nowSeconds() - 1 }), authorization: () => bearer(mint(key)), expected: { status: 401, code: 'server_disabled' } },
  {
    name: 'JWKS down with stale keys still cached',
    prepare: async (guard) => {
      const warm = await guard.verifyRequest({ method: 'GET', url: path, headers: { authorization: `Bearer ${await mint(key)}` } })
      expect(warm.ok).toBe(true)
      jwks.mode = 503
    },
    authorization: () => bearer(mint(key, { claims: { jti: 'fresh' } })),
    expected: { status: 200 },
  },
  { name: 'JWKS down with no keys cached', jwks: { mode: 503 }, authorization: () => bearer(mint(key)), expected: { status: 503, code: 'jwks_unavailable' } },
  { name: 'opaque token, active', org: opaqueOrganization, authorization: opaque('opaque-active', opaqueAnswer()), expected: { status: 200 } },
  { name: 'opaque token, inactive', org: opaqueOrganization, authorization: opaque('opaque-inactive', { active: false }), expected: { status: 401, code: 'token_inactive' } },
  { name: 'opaque token, expired answer', org: opaqueOrganization, authorization: opaque('opaque-expired', opaqueAnswer({ exp: nowSeconds() - 3600 })), expected: { status: 401, code: 'token_expired' } },
  { name: 'opaque token, wrong API role', org: opaqueOrganization, authorization: opaque('opaque-admin', opaqueAnswer({ scope: 'zscloud::12345::Admin' })), expected: { status: 403, code: 'insufficient_scope' } },
  { name: 'opaque token, AS answers 500', org: opaqueOrganization, authorization: opaque('opaque-500', undefined, '500'), expected: { status: 503, code: 'introspection_unavailable' } },
  { name: 'opaque token, AS refuses our credentials', org: opaqueOrganization, authorization: opaque('opaque-401', undefined, '401'), expected: { status: 503, code: 'introspection_unavailable' } },
  // Issue 13: the rest of the introspection answers, and binding read from the answer's `cnf`, in every door.
  { name: 'opaque token, AS answers garbage', org: opaqueOrganization, authorization: opaque('opaque-garbage', undefined, 'garbage'), expected: { status: 503, code: 'introspection_unavailable' } },
  { name: 'opaque token, AS says unsupported_token_type', org: opaqueOrganization, authorization: opaque('opaque-unsupported', undefined, 'unsupported_token_type'), expected: { status: 401, code: 'token_inactive' } },
  // Only the JSON boolean counts: a string "true" is a broken AS (503), never a 200.
  { name: 'opaque token, "active": "true" as a string', org: opaqueOrganization, authorization: opaque('opaque-string-active', undefined, 'string-active'), expected: { status: 503, code: 'introspection_unavailable' } },
  {
    name: 'opaque certificate-bound token with its certificate',
    org: () => opaqueOrganization({ mtls: { mode: 'enabled' } }),
    authorization: () => opaque('opaque-cert-bound', opaqueAnswer({ cnf: { 'x5t#S256': x5tOf(clientCert) } }))(),
    certificate: () => clientCert,
    expected: { status: 200 },
  },
  {
    name: 'opaque certificate-bound token with another certificate',
    org: () => opaqueOrganization({ mtls: { mode: 'enabled' } }),
    authorization: () => opaque('opaque-cert-other', opaqueAnswer({ cnf: { 'x5t#S256': x5tOf(clientCert) } }))(),
    certificate: () => otherClientCert,
    expected: { status: 401, code: 'invalid_binding' },
  },
  {
    name: 'opaque DPoP-bound token with a valid proof',
    org: () => opaqueOrganization({ dpop: { mode: 'enabled' } }),
    authorization: async () => (await opaque('opaque-dpop-bound', opaqueAnswer({ cnf: { jkt: dpopJkt } }))()).replace(/^Bearer /, 'DPoP '),
    dpop: (a) => dpopProof(a),
    expected: { status: 200 },
  },
  // DPoP (RFC 9449): the proof is minted per door, for the URL every door hands the guard.
  { name: 'DPoP-bound token with a valid proof', org: dpopOrganization, authorization: dpopBound, dpop: (a) => dpopProof(a), expected: { status: 200 } },
  { name: 'DPoP-bound token without a proof', org: dpopOrganization, authorization: dpopBound, expected: { status: 401, code: 'invalid_dpop_proof' } },
  { name: 'DPoP proof for another method', org: dpopOrganization, authorization: dpopBound, dpop: (a) => dpopProof(a, { method: 'POST' }), expected: { status: 401, code: 'invalid_dpop_proof' } },
  { name: 'DPoP proof for another URL', org: dpopOrganization, authorization: dpopBound, dpop: (a) => dpopProof(a, { url: `https://evil.example${path}` }), expected: { status: 401, code: 'invalid_dpop_proof' } },
  { name: 'DPoP-bound token sent as Bearer', org: dpopOrganization, authorization: async () => (await dpopBound()).replace(/^DPoP /, 'Bearer '), dpop: (a) => dpopProof(a), expected: { status: 401, code: 'invalid_binding' } },
  { name: 'DPoP-bound token where DPoP is off', authorization: dpopBound, dpop: (a) => dpopProof(a), expected: { status: 401, code: 'missing_token' } },
  // Certificate-bound tokens (RFC 8705): the certificate from the TLS socket (Express), API Gateway's
  // requestContext (Lambda REST and HTTP API), Cloudflare's tlsClientAuth (Web), the request (core).
  { name: 'certificate-bound token with its certificate', org: mtlsOrganization, authorization: certificateBound, certificate: () => clientCert, expected: { status: 200 } },
  { name: 'certificate-bound token with another certificate', org: mtlsOrganization, authorization: certificateBound, certificate: () => otherClientCert, expected: { status: 401, code: 'invalid_binding' } },
  { name: 'certificate-bound token without a certificate', org: mtlsOrganization, authorization: certificateBound, certificate: () => null, expected: { status: 401, code: 'invalid_binding' } },
  { name: 'mtls required: an unbound token is refused, certificate or not', org: () => mtlsOrganization('required'), authorization: () => bearer(mint(key)), certificate: () => clientCert, expected: { status: 401, code: 'invalid_binding' } },
  { name: 'bound by jkt and x5t#S256: proof and certificate', org: bothOrganization, authorization: bothBound, dpop: (a) => dpopProof(a), certificate: () => clientCert, expected: { status: 200 } },
  { name: 'bound by jkt and x5t#S256: proof, other certificate', org: bothOrganization, authorization: bothBound, dpop: (a) => dpopProof(a), certificate: () => otherClientCert, expected: { status: 401, code: 'invalid_binding' } },
  { name: 'bound by jkt and x5t#S256: certificate, no proof', org: bothOrganization, authorization: bothBound, certificate: () => clientCert, expected: { status: 401, code: 'invalid_dpop_proof' } },
  {
    name: 'DPoP nonce about to expire: a fresh one with the 200',
    org: () => dpopOrganization({ requireNonce: true, nonceSecret: contractNonceSecret }),
    authorization: dpopBound,
    // A nonce of two steps ago (60 s steps, 3 accepted): still accepted, in its last step. Not in
    // a step's last two seconds, so the request is checked in the step the nonce was made for.
    dpop: async (a) => {
      if (nowSeconds() % 60 >= 58) await new Promise((resolve) => setTimeout(resolve, 2500))
      const nonce = await createDpopNonces({ secrets: [contractNonceSecret] }).issue(nowSeconds() - 120)
      return signProof(dpopKey, { method: 'GET', url: `${origin}${path}`, accessToken: a.slice(a.indexOf(' ') + 1), iat: nowSeconds() }, { payload: { nonce } })
    },
    expected: { status: 200, nonce: true },
  },
  { name: 'DPoP nonce required and not sent', org: () => dpopOrganization({ requireNonce: true, nonceSecret: 'a contract-test nonce secret of 32+ chars' }), authorization: dpopBound, dpop: (a) => dpopProof(a), expected: { status: 401, code: 'use_dpop_nonce', nonce: true } },
]

describe.each(scenarios)('contract: $name', (scenario) => {
  const answers = new Map<string, Answer>()

  it.each(doors)('through %s', async (door, run) => {
    jwks.keys = (scenario.jwks?.keys?.() ?? [key]).map((k) => k.publicJwk)
    jwks.mode = scenario.jwks?.mode ?? 'ok'
    // A fresh registry per door, so no door benefits from another's caches.
    const registry = createRegistryVerifier({ store: createInMemoryOrganizationStore([(scenario.org ?? organization)()]), jwks: { failureCooldownSeconds: 0, addressPolicy: { developmentLoopback: true } } })
    registries.push(registry)
    const guard = registryGuard(registry, { path: '/orgs/:orgId/*' })
    await scenario.prepare?.(guard)
    // The request each door hands the guard: the url must mean the same everywhere.
    const urls: string[] = []
    const recorded: RequestGuard = { verifyRequest: (request, options) => (urls.push(request.url), guard.verifyRequest(request, options)) }
    const authorization = await scenario.authorization()
    const proof = authorization === undefined ? undefined : await scenario.dpop?.(authorization)
    const headers = { ...(authorization === undefined ? {} : { authorization }), ...(proof === undefined ? {} : { dpop: proof }) }
    const answer = { ...(await run(recorded, headers, scenario.certificate?.(), scenario.resource)), url: urls.at(-1) }
    answers.set(door, answer)
    expect(answer.url).toBe(`${origin}${path}`)
    expect(answer.status).toBe(scenario.expected.status)
    if (scenario.expected.code !== undefined) expect((answer.body as { code?: string }).code).toBe(scenario.expected.code)
    if (answer.status === 401) expect(answer.challenge).toMatch(/^Bearer/)
    if (scenario.expected.challenge !== undefined) expect(answer.challenge).toBe(scenario.expected.challenge)
    if (answer.status === 503) expect(answer.challenge).toBeNull()
    if (answer.status === 200) expect(answer.body).toEqual({ clientId: 'client-1' })
    expect(answer.nonce).toBe(scenario.expected.nonce ?? false)
    // Refusals are never cached; a success is not cached when it hands out a nonce.
    expect(answer.noStore).toBe(answer.status !== 200 || answer.nonce)
  })

  it('every door gave the same answer', () => {
    const core = answers.get('core')
    expect(answers.size).toBe(doors.length)
    for (const [door, answer] of answers) expect({ door, ...answer }).toEqual({ door, ...core })
  })
})

// The url each adapter builds for the same request: the configured public origin wins; otherwise
// only what the platform established (API Gateway's domain name, the local socket, the runtime's
// URL) or a trusted proxy's forwarded headers, never a raw Host header.
describe('contract: TokenRequest.url', () => {
  const recorder = () => {
    const urls: string[] = []
    const guard: RequestGuard = { verifyRequest: async (request) => (urls.push(request.url), { ok: false, error: new MissingTokenError('none'), response: renderChallenge(new MissingTokenError('none')) }) }
    return { urls, guard }
  }
  const spoofing = { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http', forwarded: 'host=evil.example;proto=http' }

  it.each([
    ['configured public origin', { publicOrigin: origin }, spoofing, `${origin}/orgs/12345/reports?a=1`],
    ['nothing configured: the local address, not Host', {}, spoofing, 'local'],
    ['forwarded headers from a peer that is not a trusted proxy are ignored', { trustedProxies: ['10.0.0.0/8'] }, spoofing, 'local'],
    ['a trusted proxy (the test client on 127.0.0.1)', { trustedProxies: ['127.0.0.1'] }, { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com' }, `${origin}/orgs/12345/reports?a=1`],
    ['Host only when the operator opts in', { trustHostHeader: true }, { host: 'api.example.com' }, 'http://api.example.com/orgs/12345/reports?a=1'],
  ] as const)('express: %s', async (_name, options, headers, expected) => {
    const { urls, guard } = recorder()
    const app = express()
    app.use(tokenward({ guard, ...options }))
    const server = createServer(app)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    try {
      // node:http, because fetch does not let a caller set Host.
      await new Promise<void>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path: '/orgs/12345/reports?a=1', headers }, (res) => res.resume().on('end', resolve))
        req.on('error', reject).end()
      })
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
    expect(urls).toEqual([expected === 'local' ? `http://127.0.0.1:${port}/orgs/12345/reports?a=1` : expected])
  })

  const v2 = { version: '2.0', rawPath: path, rawQueryString: 'a=1', headers: spoofing, requestContext: { domainName: 'api.example.com', http: { method: 'GET' } } }
  const v1 = { httpMethod: 'GET', path, headers: spoofing, queryStringParameters: { a: '1' }, requestContext: { domainName: 'api.example.com' } }
  const alb = { requestContext: { elb: { targetGroupArn: 'arn' } }, httpMethod: 'GET', path, headers: spoofing, queryStringParameters: { a: '1' } }
  it.each([
    ['HTTP API: https + domainName + rawPath + rawQueryString', v2, {}, `${origin}/orgs/12345/reports?a=1`],
    ['REST API: https + domainName + path + query', v1, {}, `${origin}/orgs/12345/reports?a=1`],
    ['ALB without publicOrigin: its Host is the client\'s, so no origin is trusted', alb, {}, 'http://localhost/orgs/12345/reports?a=1'],
    ['ALB with publicOrigin', alb, { publicOrigin: origin }, `${origin}/orgs/12345/reports?a=1`],
    ['publicOrigin wins over domainName', v2, { publicOrigin: 'https://public.example' }, 'https://public.example/orgs/12345/reports?a=1'],
  ] as const)('lambda: %s', async (_name, event, options, expected) => {
    const { urls, guard } = recorder()
    await (withLambda(async () => ({ statusCode: 200 }), { guard, ...options }) as (e: unknown, c: unknown) => Promise<unknown>)(event, {})
    expect(urls).toEqual([expected])
  })

  it.each([
    ['the runtime\'s request.url', {}, `${origin}/orgs/12345/reports?a=1`],
    ['publicOrigin replaces the runtime\'s origin', { publicOrigin: 'https://public.example' }, 'https://public.example/orgs/12345/reports?a=1'],
  ] as const)('web: %s', async (_name, options, expected) => {
    const { urls, guard } = recorder()
    await withWeb(() => new Response(), { guard, ...options })(new Request(`${origin}/orgs/12345/reports?a=1`, { headers: spoofing }))
    expect(urls).toEqual([expected])
  })
})
