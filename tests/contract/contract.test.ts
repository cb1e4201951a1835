// One table of scenarios, run through the core and every adapter (Express over real HTTP, Lambda
// with an HTTP API v2 event, Web Request → Response): the same status, the same WWW-Authenticate
// challenge and the same JSON body everywhere. Adapters translate; they never decide.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Organization, RequestGuard } from '@tokenward/core'
import { defineAuthorizationServer } from '@tokenward/core'
import { tokenward } from '@tokenward/express'
import { withTokenward as withLambda } from '@tokenward/lambda'
import { createInMemoryOrganizationStore, createRegistryVerifier, registryGuard, type RegistryVerifier } from '@tokenward/registry'
import { withTokenward as withWeb } from '@tokenward/web'
import express from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { b64, makeKey, mint, startJwksServer, type JwksServer, type TestKey } from '../../packages/core/src/testing/mint.test-support.ts'

interface Answer {
  readonly status: number
  readonly challenge: string | null
  readonly body: unknown
}
type Door = (guard: RequestGuard, authorization: string | undefined) => Promise<Answer>

const path = '/orgs/12345/reports'

const throughCore: Door = async (guard, authorization) => {
  const verdict = await guard.verifyRequest({ method: 'GET', url: path, headers: authorization === undefined ? {} : { authorization } })
  if (verdict.ok) return { status: 200, challenge: null, body: { clientId: verdict.token.clientId } }
  return { status: verdict.response.status, challenge: verdict.response.headers['www-authenticate'] ?? null, body: verdict.response.body }
}

let expressServer: Server | undefined
let expressGuard: RequestGuard | undefined
const throughExpress: Door = async (guard, authorization) => {
  expressGuard = guard
  if (expressServer === undefined) {
    const app = express()
    // The guard changes per scenario; the adapter is built once, as in a real app.
    // verifyRequestNow is forwarded when the guard has it, so the table covers Express's same-tick path.
    const dynamic: RequestGuard = {
      verifyRequest: (request, options) => expressGuard!.verifyRequest(request, options),
      verifyRequestNow: (request, options) => (expressGuard!.verifyRequestNow ?? expressGuard!.verifyRequest).call(expressGuard, request, options),
    }
    app.get('/orgs/:orgId/reports', tokenward({ guard: dynamic }), (req, res) => {
      res.json({ clientId: req.auth?.clientId })
    })
    expressServer = createServer(app)
    await new Promise<void>((resolve) => expressServer!.listen(0, '127.0.0.1', resolve))
  }
  const { port } = expressServer.address() as AddressInfo
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers: authorization === undefined ? {} : { authorization } })
  return { status: response.status, challenge: response.headers.get('www-authenticate'), body: await response.json() }
}

const throughLambda: Door = async (guard, authorization) => {
  const handler = withLambda(async (_event: unknown, _context: unknown, auth: { clientId: string } | undefined) => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ clientId: auth?.clientId }) }), { guard })
  const event = {
    version: '2.0',
    routeKey: 'GET /orgs/{orgId}/reports',
    rawPath: path,
    rawQueryString: '',
    headers: { host: 'api.example.com', ...(authorization === undefined ? {} : { authorization }) },
    requestContext: { accountId: '123456789012', apiId: 'api-id', domainName: 'api.example.com', domainPrefix: 'api', http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'agent' }, requestId: 'id', routeKey: 'GET /orgs/{orgId}/reports', stage: '$default', time: '12/Mar/2020:19:03:58 +0000', timeEpoch: 1583348638390 },
    isBase64Encoded: false,
  }
  const result = (await (handler as (e: unknown, c: unknown) => Promise<{ statusCode: number; headers?: Record<string, string>; body?: string }>)(event, {}))
  const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]))
  return { status: result.statusCode, challenge: headers['www-authenticate'] ?? null, body: JSON.parse(result.body ?? 'null') }
}

const throughWeb: Door = async (guard, authorization) => {
  const handler = withWeb((_request: Request, auth) => Response.json({ clientId: auth?.clientId }), { guard })
  const response = await handler(new Request(`https://api.example.com${path}`, { headers: authorization === undefined ? {} : { authorization } }))
  return { status: response.status, challenge: response.headers.get('www-authenticate'), body: await response.json() }
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
const registries: RegistryVerifier[] = []

beforeAll(async () => {
  key = await makeKey('ES256', 'k1')
  rotated = await makeKey('ES256', 'k2')
  stranger = await makeKey('ES256', 'k1')
  jwks = await startJwksServer([key.publicJwk])
})
afterAll(async () => {
  await Promise.all(registries.map((r) => r.close()))
  await jwks.close()
  await new Promise<void>((resolve) => (expressServer === undefined ? resolve() : expressServer.close(() => resolve())))
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

interface Scenario {
  readonly name: string
  readonly org?: () => Organization
  readonly authorization: () => Promise<string | undefined>
  /** Runs before the request, with the guard (e.g. to warm the key cache, then break the JWKS). */
  readonly prepare?: (guard: RequestGuard) => Promise<void>
  readonly jwks?: { keys?: () => TestKey[]; mode?: JwksServer['mode'] }
  readonly expected: { readonly status: number; readonly code?: string }
}

const bearer = async (t: Promise<string>) => `Bearer ${await t}`
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
    const answer = await run(guard, await scenario.authorization())
    answers.set(door, answer)
    expect(answer.status).toBe(scenario.expected.status)
    if (scenario.expected.code !== undefined) expect((answer.body as { code?: string }).code).toBe(scenario.expected.code)
    if (answer.status === 401) expect(answer.challenge).toMatch(/^Bearer/)
    if (answer.status === 503) expect(answer.challenge).toBeNull()
    if (answer.status === 200) expect(answer.body).toEqual({ clientId: 'client-1' })
  })

  it('every door gave the same answer', () => {
    const core = answers.get('core')
    expect(answers.size).toBe(doors.length)
    for (const [door, answer] of answers) expect({ door, ...answer }).toEqual({ door, ...core })
  })
})
