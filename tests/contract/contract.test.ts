// One table of scenarios, run through the core and every adapter (Express over real HTTP, Lambda
// with an HTTP API v2 event, Web Request → Response): the same status, the same WWW-Authenticate
// challenge, the same JSON body and the same TokenRequest.url everywhere. Adapters translate;
// they never decide. A second table asserts the url each adapter builds from the same input.
import { createServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { RequestGuard } from '@tokenward/core'
import type { Organization } from '@tokenward/core/organization'
import { MissingTokenError, defineAuthorizationServer, renderChallenge } from '@tokenward/core'
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

interface Answer {
  readonly status: number
  readonly challenge: string | null
  readonly body: unknown
  /** Whether the answer handed the client a `DPoP-Nonce`. */
  readonly nonce: boolean
}
/**
 * A door sends the request with these headers (`authorization`, and `dpop` for DPoP rows); with
 * `resource`, the route declares that API resource category through the adapter's own option.
 */
type Door = (guard: RequestGuard, headers: Readonly<Record<string, string>>, resource?: string) => Promise<Answer>

const path = '/orgs/12345/reports'
const origin = 'https://api.example.com'

const throughCore: Door = async (guard, headers, resource) => {
  const verdict = await guard.verifyRequest({ method: 'GET', url: `${origin}${path}`, headers }, resource === undefined ? undefined : { resource })
  if (verdict.ok) return { status: 200, challenge: null, body: { clientId: verdict.token.clientId }, nonce: false }
  return { status: verdict.response.status, challenge: verdict.response.headers['www-authenticate'] ?? null, body: verdict.response.body, nonce: verdict.response.headers['dpop-nonce'] !== undefined }
}

// One app per route declaration (none, or an API resource category), each built once.
const expressServers = new Map<string, Server>()
let expressGuard: RequestGuard | undefined
const throughExpress: Door = async (guard, headers, resource) => {
  expressGuard = guard
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
  return { status: response.status, challenge: response.headers.get('www-authenticate'), body: await response.json(), nonce: response.headers.has('dpop-nonce') }
}

const throughLambda: Door = async (guard, requestHeaders, resource) => {
  const handler = withLambda(async (_event: unknown, _context: unknown, auth: { clientId: string } | undefined) => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ clientId: auth?.clientId }) }), { guard, apiResource: resource })
  const event = {
    version: '2.0',
    routeKey: 'GET /orgs/{orgId}/reports',
    rawPath: path,
    rawQueryString: '',
    headers: { host: 'api.example.com', ...requestHeaders },
    requestContext: { accountId: '123456789012', apiId: 'api-id', domainName: 'api.example.com', domainPrefix: 'api', http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'agent' }, requestId: 'id', routeKey: 'GET /orgs/{orgId}/reports', stage: '$default', time: '12/Mar/2020:19:03:58 +0000', timeEpoch: 1583348638390 },
    isBase64Encoded: false,
  }
  const result = (await (handler as (e: unknown, c: unknown) => Promise<{ statusCode: number; headers?: Record<string, string>; body?: string }>)(event, {}))
  const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]))
  return { status: result.statusCode, challenge: headers['www-authenticate'] ?? null, body: JSON.parse(result.body ?? 'null'), nonce: headers['dpop-nonce'] !== undefined }
}

const throughWeb: Door = async (guard, headers, resource) => {
  const handler = withWeb((_request: Request, auth) => Response.json({ clientId: auth?.clientId }), { guard, resource })
  const response = await handler(new Request(`${origin}${path}`, { headers }))
  return { status: response.status, challenge: response.headers.get('www-authenticate'), body: await response.json(), nonce: response.headers.has('dpop-nonce') }
}

const doors: [string, Door][] = [
  ['core', throughCore],
  ['express', throughExpress],
  ['lambda', throughLambda],
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
const opaqueOrganization = () =>
  organization({}, { introspection: { endpoint: as.url, clientId: 'tokenward', clientAuthentication: { method: 'client_secret_basic', clientSecret: 'contract-secret' } } })
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
  // DPoP (RFC 9449): the proof is minted per door, for the URL every door hands the guard.
  { name: 'DPoP-bound token with a valid proof', org: dpopOrganization, authorization: dpopBound, dpop: (a) => dpopProof(a), expected: { status: 200 } },
  { name: 'DPoP-bound token without a proof', org: dpopOrganization, authorization: dpopBound, expected: { status: 401, code: 'invalid_dpop_proof' } },
  { name: 'DPoP proof for another method', org: dpopOrganization, authorization: dpopBound, dpop: (a) => dpopProof(a, { method: 'POST' }), expected: { status: 401, code: 'invalid_dpop_proof' } },
  { name: 'DPoP proof for another URL', org: dpopOrganization, authorization: dpopBound, dpop: (a) => dpopProof(a, { url: `https://evil.example${path}` }), expected: { status: 401, code: 'invalid_dpop_proof' } },
  { name: 'DPoP-bound token sent as Bearer', org: dpopOrganization, authorization: async () => (await dpopBound()).replace(/^DPoP /, 'Bearer '), dpop: (a) => dpopProof(a), expected: { status: 401, code: 'invalid_binding' } },
  { name: 'DPoP-bound token where DPoP is off', authorization: dpopBound, dpop: (a) => dpopProof(a), expected: { status: 401, code: 'missing_token' } },
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
    const answer = { ...(await run(recorded, headers, scenario.resource)), url: urls.at(-1) }
    answers.set(door, answer)
    expect(answer.url).toBe(`${origin}${path}`)
    expect(answer.status).toBe(scenario.expected.status)
    if (scenario.expected.code !== undefined) expect((answer.body as { code?: string }).code).toBe(scenario.expected.code)
    if (answer.status === 401) expect(answer.challenge).toMatch(/^Bearer/)
    if (scenario.expected.challenge !== undefined) expect(answer.challenge).toBe(scenario.expected.challenge)
    if (answer.status === 503) expect(answer.challenge).toBeNull()
    if (answer.status === 200) expect(answer.body).toEqual({ clientId: 'client-1' })
    expect(answer.nonce).toBe(scenario.expected.nonce ?? false)
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
