// withTokenward through a real core verifier: one table of requests and the answers they get,
// then optional auth, pass-through arguments, and what propagates.
import { createVerifier, type Jwk, type VerifiedAccessToken, type Verifier } from '@tokenward/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeKey, mint, now, type TestKey } from '../../core/src/testing/mint.test-support.ts'
import { withTokenward } from './index.ts'

const organization = { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly', 'Admin'] }
const url = 'https://api.test/orders'
let key: TestKey
let verifier: Verifier
let unreachable: Verifier

beforeAll(async () => {
  key = await makeKey('ES256', 'k1')
  verifier = createVerifier({ server: { name: 'Test', jwks: { keys: [key.publicJwk as Jwk] }, issuer: 'https://idp.test' }, organization })
  unreachable = createVerifier({
    server: { name: 'Down', jwksUrl: 'http://127.0.0.1:1/jwks', issuer: 'https://idp.test' },
    organization,
    jwks: { timeoutMs: 1000 },
  })
})
afterAll(async () => {
  await verifier.close()
  await unreachable.close()
})

const bearer = (token: string): HeadersInit => ({ authorization: `Bearer ${token}` })
/** A handler that reports what it received. */
const echo = (_request: Request, auth: VerifiedAccessToken | undefined): Response =>
  Response.json({ clientId: auth?.clientId ?? null, adminId: auth?.authorization?.adminId ?? null })

interface Case {
  readonly name: string
  readonly headers: () => Promise<HeadersInit>
  readonly guard?: () => Verifier
  readonly requiredRoles?: readonly string[]
  readonly optional?: boolean
  readonly status: number
  readonly code?: string
  readonly challenge?: RegExp
  readonly body?: unknown
}

const cases: readonly Case[] = [
  { name: 'valid token', headers: async () => bearer(await mint(key)), status: 200, body: { clientId: 'client-1', adminId: 'oauth-ReadOnly$@12345.zscloud.net' } },
  { name: 'missing token', headers: async () => ({}), status: 401, code: 'missing_token', challenge: /^Bearer$/ },
  { name: 'another scheme', headers: async () => ({ authorization: 'Basic dTpw' }), status: 401, code: 'missing_token', challenge: /^Bearer$/ },
  { name: 'expired token', headers: async () => bearer(await mint(key, { claims: { exp: now() - 3600, iat: now() - 7200 } })), status: 401, code: 'token_expired', challenge: /^Bearer error="invalid_token", error_description="/ },
  { name: 'bad signature', headers: async () => bearer(`${(await mint(key)).slice(0, -4)}AAAA`), status: 401, code: 'invalid_signature', challenge: /error="invalid_token"/ },
  { name: 'role not allowed on this handler', headers: async () => bearer(await mint(key)), requiredRoles: ['Admin'], status: 403, code: 'insufficient_scope', challenge: /error="insufficient_scope"/ },
  { name: 'required role present', headers: async () => bearer(await mint(key, { claims: { scope: 'zscloud::12345::Admin' } })), requiredRoles: ['Admin'], status: 200, body: { clientId: 'client-1', adminId: 'oauth-Admin$@12345.zscloud.net' } },
  { name: 'two Authorization headers', headers: async () => [['authorization', `Bearer ${await mint(key)}`], ['authorization', 'Bearer other']], status: 400, code: 'invalid_request', challenge: /error="invalid_request"/ },
  { name: 'identity provider unreachable', headers: async () => bearer(await mint(key)), guard: () => unreachable, status: 503, code: 'jwks_unavailable' },
  // Optional auth lets only a missing token through.
  { name: 'optional: missing token', headers: async () => ({}), optional: true, status: 200, body: { clientId: null, adminId: null } },
  { name: 'optional: valid token', headers: async () => bearer(await mint(key)), optional: true, status: 200, body: { clientId: 'client-1', adminId: 'oauth-ReadOnly$@12345.zscloud.net' } },
  { name: 'optional: expired token', headers: async () => bearer(await mint(key, { claims: { exp: now() - 3600, iat: now() - 7200 } })), optional: true, status: 401, code: 'token_expired' },
  { name: 'optional: two Authorization headers', headers: async () => [['authorization', 'Bearer a'], ['authorization', 'Bearer b']], optional: true, status: 400, code: 'invalid_request' },
  { name: 'optional: identity provider unreachable', headers: async () => bearer(await mint(key)), guard: () => unreachable, optional: true, status: 503, code: 'jwks_unavailable' },
]

describe('withTokenward', () => {
  it.each(cases)('$name → $status', async (c) => {
    let calls = 0
    const handler = withTokenward(
      (request: Request, auth: VerifiedAccessToken | undefined) => {
        calls++
        return echo(request, auth)
      },
      { guard: (c.guard ?? (() => verifier))(), optional: c.optional, requiredRoles: c.requiredRoles },
    )
    const response = await handler(new Request(url, { headers: await c.headers() }))
    expect(response.status).toBe(c.status)
    const body = (await response.json()) as Record<string, unknown>
    if (c.status === 200) {
      expect(calls).toBe(1)
      expect(body).toEqual(c.body)
      return
    }
    // A refused request never reaches the handler and gets the core's rendered answer.
    expect(calls).toBe(0)
    expect(body['code']).toBe(c.code)
    expect(response.headers.get('content-type')).toBe('application/json')
    expect(response.headers.get('cache-control')).toBe('no-store')
    if (c.status === 503) {
      expect(body['error']).toBe('temporarily_unavailable')
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      expect(response.headers.get('www-authenticate')).toBeNull()
    } else {
      expect(response.headers.get('www-authenticate')).toMatch(c.challenge ?? /^Bearer/)
      expect(response.headers.get('retry-after')).toBeNull()
    }
  })

  it('passes the arguments after the request through (Workers env/ctx, Bun server)', async () => {
    const env = { REGION: 'eu' }
    const ctx = { waitUntil: (_p: Promise<unknown>) => {} }
    const handler = withTokenward(
      (request: Request, auth: VerifiedAccessToken, e: typeof env, c: typeof ctx) => Response.json({ url: request.url, client: auth.clientId, region: e.REGION, same: c === ctx }),
      { guard: verifier },
    )
    const response = await handler(new Request(url, { headers: bearer(await mint(key)) }), env, ctx)
    expect(await response.json()).toEqual({ url, client: 'client-1', region: 'eu', same: true })
  })

  it('hands the handler the same Request object', async () => {
    const request = new Request(url, { method: 'POST', headers: bearer(await mint(key)), body: '{"a":1}' })
    const handler = withTokenward(async (r: Request) => new Response(String(r === request && (await r.text()) === '{"a":1}')), { guard: verifier })
    expect(await (await handler(request)).text()).toBe('true')
  })

  it('lets errors of the guard and of the handler propagate', async () => {
    const broken = { verifyRequest: () => Promise.reject(new Error('store down')) }
    await expect(withTokenward(() => new Response('ok'), { guard: broken })(new Request(url))).rejects.toThrow('store down')
    const throwing = withTokenward(() => {
      throw new Error('handler bug')
    }, { guard: verifier })
    await expect(throwing(new Request(url, { headers: bearer(await mint(key)) }))).rejects.toThrow('handler bug')
  })

  it('checks its options when built, not on the first request', () => {
    expect(() => withTokenward(() => new Response(), {} as never)).toThrow(/options.guard/)
    expect(() => withTokenward(() => new Response(), { guard: verifier, requiredRoles: 'Admin' as never })).toThrow(/requiredRoles/)
    expect(() => withTokenward(() => new Response(), { guard: verifier, publicOrigin: 'api.example.com' })).toThrow(/publicOrigin/)
  })
})
