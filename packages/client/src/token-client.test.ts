// The token client against a real HTTP authorization server and API on 127.0.0.1 whose answers
// each test scripts (outages, 503 with Retry-After, 429, refusals, DPoP nonces), with a clock and
// a sleep the test controls.
import { ConfigError, defineDpopConfig, verifyDpopProof } from '@tokenward/core'
import { afterEach, describe, expect, it } from 'vitest'
import { nodeSignatureProvider } from '../../core/src/platform/node-signature.ts'
import { createTokenClient, type TokenClientEvent, type TokenClientOptions } from './token-client.ts'
import { ApiOriginRefusedError, isTokenClientError, TokenEndpointUnavailableError, TokenRequestRejectedError } from './errors.ts'
import { jwtHeader, jwtPayload, serveLoopback, testClock, tokenAnswer, type LoopbackServer, type SeenRequest } from './testing/loopback-server.test-support.ts'

const servers: LoopbackServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

async function server(handler: (request: SeenRequest) => Response | Promise<Response>): Promise<LoopbackServer> {
  const s = await serveLoopback(handler)
  servers.push(s)
  return s
}

let issued = 0
const nextToken = () => `token-${++issued}`

function client(as: LoopbackServer, clock: ReturnType<typeof testClock>, extra: Partial<TokenClientOptions> = {}) {
  const events: TokenClientEvent[] = []
  const c = createTokenClient({
    tokenEndpoint: `${as.origin}/token`,
    clientId: 'reporting',
    clientAuthentication: { method: 'client_secret_basic', clientSecret: 's3cr3t' },
    clock: clock.now,
    sleep: clock.sleep,
    random: () => 0.5,
    onEvent: (e) => events.push(e),
    apiOrigins: 'any', // the opt-out, out loud: these tests are about tokens, not destinations
    ...extra,
  })
  return { c, events }
}

const form = (r: SeenRequest) => new URLSearchParams(r.body)

describe('createTokenClient: options are checked when built', () => {
  it('names every bad field by its path', () => {
    let error: unknown
    try {
      createTokenClient({
        tokenEndpoint: 'http://as.example/token',
        clientId: '',
        clientAuthentication: { method: 'private_key_jwt', privateKey: 'nope' },
        scope: 'a  b',
        resource: ['https://api.example/#frag'],
        timeoutMs: -1,
        retry: { maxAttempts: 0 },
      } as TokenClientOptions)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).issues.map((i) => i.path).sort()).toEqual(
      ['clientAuthentication.privateKey', 'clientId', 'resource[0]', 'retry.maxAttempts', 'scope', 'timeoutMs', 'tokenEndpoint'].sort(),
    )
  })
  it('needs the issuer as the assertion audience for private_key_jwt unless told to use the token endpoint', async () => {
    const { privateKey } = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])
    const jwk = await crypto.subtle.exportKey('jwk', privateKey)
    expect(() => createTokenClient({ tokenEndpoint: 'https://as.example/token', clientId: 'c', clientAuthentication: { method: 'private_key_jwt', privateKey: jwk as Record<string, string> } })).toThrow(/issuer/)
    expect(() =>
      createTokenClient({ tokenEndpoint: 'https://as.example/token', clientId: 'c', clientAuthentication: { method: 'private_key_jwt', privateKey: jwk as Record<string, string>, assertionAudience: 'token_endpoint' } }),
    ).not.toThrow()
  })
})

describe('getToken: cache, early refresh, single flight', () => {
  it('asks once per (scope, resource) and serves the cached token until the refresh point', async () => {
    const clock = testClock()
    const as = await server(() => tokenAnswer(nextToken(), { expires_in: 600 }))
    const { c } = client(as, clock, { scope: 'read' })
    const a = await c.getToken()
    expect(await c.getToken()).toBe(a)
    expect(as.requests).toHaveLength(1)
    expect(as.requests[0]!.headers.get('authorization')).toBe(`Basic ${btoa('reporting:s3cr3t')}`)
    expect(Object.fromEntries(form(as.requests[0]!))).toEqual({ grant_type: 'client_credentials', scope: 'read' })
    const b = await c.getToken({ scope: 'write' })
    const r = await c.getToken({ resource: 'https://api.example/' })
    expect(new Set([a.accessToken, b.accessToken, r.accessToken]).size).toBe(3)
    expect(form(as.requests[2]!).getAll('resource')).toEqual(['https://api.example/'])
    expect(await c.getToken({ scope: 'write' })).toBe(b)
    expect(as.requests).toHaveLength(3)
    // 600 s token, refreshed 60 s early.
    clock.advance(539_000)
    expect(await c.getToken()).toBe(a)
    clock.advance(1_000)
    const renewed = await c.getToken()
    expect(renewed.accessToken).not.toBe(a.accessToken)
    expect(as.requests).toHaveLength(4)
  })

  it('makes one request however many callers wait', async () => {
    const clock = testClock()
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const as = await server(async () => {
      await gate
      return tokenAnswer(nextToken())
    })
    const { c } = client(as, clock)
    const waiting = Array.from({ length: 20 }, () => c.getToken())
    await new Promise((resolve) => setTimeout(resolve, 50))
    release()
    const tokens = await Promise.all(waiting)
    expect(new Set(tokens.map((t) => t.accessToken)).size).toBe(1)
    expect(as.requests).toHaveLength(1)
  })
})

describe('getToken: outages and backoff', () => {
  it('keeps serving the current token until its real expiry while the AS is down, then fails as unavailable (503), not as a rejection', async () => {
    const clock = testClock()
    const as = await server(() => tokenAnswer(nextToken(), { expires_in: 600 }))
    const { c, events } = client(as, clock)
    const first = await c.getToken()
    await as.close() // the AS goes away after the first token
    servers.splice(servers.indexOf(as), 1)
    clock.advance(560_000) // inside the refresh window
    expect(await c.getToken()).toBe(first)
    expect(events.some((e) => e.type === 'stale_token_served')).toBe(true)
    expect(clock.waits).toEqual([]) // a caller holding a valid token never waits on retries
    clock.advance(39_000) // 1 s before the real expiry, after the pause between renewals
    expect(await c.getToken()).toBe(first)
    clock.advance(1_000) // expired
    const error = await c.getToken().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TokenEndpointUnavailableError)
    expect(error).toMatchObject({ code: 'token_endpoint_unavailable', status: 503, kind: 'network' })
    expect(isTokenClientError(error)).toBe(true)
    expect(clock.waits).toEqual([150, 300]) // 3 attempts: backoff 200 ms then 400 ms, jittered (random 0.5)
  })

  it('pauses renewal attempts while serving the current token, so an outage does not become a request storm', async () => {
    const clock = testClock()
    const as = await server(() => tokenAnswer(nextToken(), { expires_in: 600 }))
    const { c } = client(as, clock)
    await c.getToken()
    as.handle(() => new Response('down', { status: 503, headers: { 'retry-after': '20' } }))
    clock.advance(545_000)
    for (let i = 0; i < 10; i += 1) await c.getToken()
    expect(as.requests).toHaveLength(2) // one renewal attempt, then the 20 s pause the AS asked for
    clock.advance(20_000)
    await c.getToken()
    expect(as.requests).toHaveLength(3)
  })

  it('waits the Retry-After of a 503 and then gets the token', async () => {
    const clock = testClock()
    let calls = 0
    const as = await server(() => (++calls === 1 ? Response.json({ error: 'temporarily_unavailable' }, { status: 503, headers: { 'retry-after': '2' } }) : tokenAnswer(nextToken())))
    const { c, events } = client(as, clock)
    await expect(c.getToken()).resolves.toMatchObject({ tokenType: 'Bearer' })
    expect(clock.waits).toEqual([2000])
    expect(events.filter((e) => e.type === 'token_request_retry')).toHaveLength(1)
  })

  it('gives up at once on a 429 whose Retry-After exceeds the ceiling, carrying it', async () => {
    const clock = testClock()
    const as = await server(() => new Response(null, { status: 429, headers: { 'retry-after': '120' } }))
    const { c } = client(as, clock)
    await expect(c.getToken()).rejects.toMatchObject({ _tag: 'TokenEndpointUnavailableError', kind: 'http_status', retryAfterSeconds: 120 })
    expect(as.requests).toHaveLength(1)
    expect(clock.waits).toEqual([])
  })

  it('retries a 500 a bounded number of times with growing jittered waits', async () => {
    const clock = testClock()
    const as = await server(() => new Response('oops', { status: 500 }))
    const { c } = client(as, clock, { retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 250 }, random: () => 0 })
    await expect(c.getToken()).rejects.toBeInstanceOf(TokenEndpointUnavailableError)
    expect(as.requests).toHaveLength(4)
    expect(clock.waits).toEqual([50, 100, 125])
  })

  it('after failing with no token to serve, repeats that failure for a moment instead of asking again per caller', async () => {
    const clock = testClock()
    const as = await server(() => Response.json({ error: 'invalid_client' }, { status: 401 }))
    const { c } = client(as, clock)
    const first = await c.getToken().catch((e: unknown) => e)
    expect(await c.getToken().catch((e: unknown) => e)).toBe(first)
    expect(as.requests).toHaveLength(1)
    clock.advance(1_000) // 5 × retry.baseDelayMs
    as.handle(() => tokenAnswer(nextToken()))
    await expect(c.getToken()).resolves.toMatchObject({ tokenType: 'Bearer' })
    expect(as.requests).toHaveLength(2)
  })

  it('never retries a refusal, and says what the AS said', async () => {
    const clock = testClock()
    const as = await server(() => Response.json({ error: 'invalid_client', error_description: 'Unknown client' }, { status: 401 }))
    const { c } = client(as, clock)
    const error = await c.getToken().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TokenRequestRejectedError)
    expect(error).toMatchObject({ code: 'token_request_rejected', status: 401, oauthError: 'invalid_client', description: 'Unknown client' })
    expect(String((error as Error).message)).not.toContain('s3cr3t')
    expect(as.requests).toHaveLength(1)
  })
})

describe('fetch: the token on API calls', () => {
  it('attaches the token, drops only a token the API refused with invalid_token and retries once', async () => {
    const clock = testClock()
    const as = await server(() => tokenAnswer(nextToken()))
    const refused = new Set<string>()
    const api = await server((r) => {
      const token = r.headers.get('authorization')!.replace(/^Bearer /, '')
      if (refused.has(token) || refused.size === 0) {
        refused.add(token)
        return new Response(null, { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token", error_description="revoked"' } })
      }
      return Response.json({ ok: true, body: r.body })
    })
    const { c, events } = client(as, clock)
    const response = await c.fetch(`${api.origin}/orders`, { method: 'POST', body: 'hello' })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ ok: true, body: 'hello' }) // the body is sent again on the retry
    expect(api.requests).toHaveLength(2)
    expect(as.requests).toHaveLength(2)
    expect(events.filter((e) => e.type === 'token_dropped')).toHaveLength(1)
    // The new token is cached: the next call uses it.
    await c.fetch(`${api.origin}/orders`)
    expect(as.requests).toHaveLength(2)
  })

  it('drops only the refused token: the token cached for another scope stays', async () => {
    const clock = testClock()
    const as = await server((r) => tokenAnswer(`${new URLSearchParams(r.body).get('scope')}-${nextToken()}`))
    const api = await server((r) => (r.headers.get('authorization')!.startsWith('Bearer read-') ? new Response(null, { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } }) : Response.json({ ok: true })))
    const read = client(as, clock, { scope: 'read' }).c
    const write = await read.getToken({ scope: 'write' })
    const firstRead = await read.getToken()
    expect((await read.fetch(`${api.origin}/x`)).status).toBe(401) // refused twice: the retry's new read token too
    expect((await read.getToken()).accessToken).not.toBe(firstRead.accessToken)
    expect(await read.getToken({ scope: 'write' })).toBe(write)
  })

  it('retries invalid_token only once, and leaves other refusals (insufficient_scope, 403) alone', async () => {
    const clock = testClock()
    const as = await server(() => tokenAnswer(nextToken()))
    const api = await server((r) =>
      new URL(r.url).pathname === '/always'
        ? new Response(null, { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } })
        : new Response(null, { status: 403, headers: { 'www-authenticate': 'Bearer error="insufficient_scope"' } }),
    )
    const { c } = client(as, clock)
    expect((await c.fetch(`${api.origin}/always`)).status).toBe(401)
    expect(api.requests).toHaveLength(2)
    expect((await c.fetch(`${api.origin}/scope`)).status).toBe(403)
    expect(api.requests).toHaveLength(3)
    expect(as.requests).toHaveLength(2)
  })
})

describe('fetch: where tokens may go', () => {
  it('sends no token over plain http to a non-loopback host, nor outside apiOrigins', async () => {
    const clock = testClock()
    const as = await server(() => tokenAnswer(nextToken()))
    const api = await server(() => Response.json({ ok: true }))
    const seen: string[] = []
    const { c } = client(as, clock, { apiOrigins: [api.origin], fetch: async (input, init) => (seen.push(new Request(input, init).url), globalThis.fetch(input, init)) })
    await expect(c.fetch('http://api.example.com/orders')).rejects.toThrow(/https only/)
    await expect(c.fetch('https://evil.example.com/orders')).rejects.toThrow(/apiOrigins/)
    expect(seen.filter((u) => !u.startsWith(as.origin))).toEqual([])
    expect((await c.fetch(`${api.origin}/orders`)).status).toBe(200)
    expect(() => createTokenClient({ tokenEndpoint: 'https://as.example/token', clientId: 'c', clientAuthentication: { method: 'client_secret_basic', clientSecret: 's' }, apiOrigins: ['https://api.example.com/'] })).toThrow(/apiOrigins\[0\]/)
    expect(() => createTokenClient({ tokenEndpoint: 'https://as.example/token', clientId: 'c', clientAuthentication: { method: 'client_secret_basic', clientSecret: 's' }, apiOrigins: 'all' as never })).toThrow(/apiOrigins/)
  })

  it('sends no token anywhere when apiOrigins is not given (secure default), with a typed refusal; getToken still works', async () => {
    const clock = testClock()
    const as = await server(() => tokenAnswer(nextToken()))
    const api = await server(() => Response.json({ ok: true }))
    const { c } = client(as, clock, { apiOrigins: undefined })
    const refusal = await c.fetch(`${api.origin}/orders`).catch((e: unknown) => e)
    expect(refusal).toBeInstanceOf(ApiOriginRefusedError)
    expect(refusal).toMatchObject({ _tag: 'ApiOriginRefusedError', code: 'api_origin_refused', reason: 'no_api_origins', origin: api.origin })
    expect(isTokenClientError(refusal)).toBe(true)
    expect(api.requests).toHaveLength(0)
    expect((await c.getToken()).accessToken).toMatch(/^token-/)
    await expect(c.fetch('https://evil.example.com/x')).rejects.toMatchObject({ reason: 'no_api_origins' })
    const listed = client(as, clock, { apiOrigins: [api.origin] }).c
    await expect(listed.fetch('https://evil.example.com/x')).rejects.toMatchObject({ reason: 'origin_not_allowed', origin: 'https://evil.example.com' })
    await expect(listed.fetch('http://api.example.com/x')).rejects.toMatchObject({ reason: 'insecure_transport' })
    // The explicit opt-out sends to any https (or loopback) origin.
    expect((await client(as, clock, { apiOrigins: 'any' }).c.fetch(`${api.origin}/orders`)).status).toBe(200)
  })

  it('never follows a redirect with the token attached, also through an injected fetch', async () => {
    const clock = testClock()
    const as = await server(() => tokenAnswer(nextToken()))
    const elsewhere = await server(() => Response.json({ stolen: true }))
    const api = await server(() => new Response(null, { status: 302, headers: { location: `${elsewhere.origin}/collect` } }))
    const injected: RequestRedirect[] = []
    const { c } = client(as, clock, { apiOrigins: [api.origin], fetch: async (input, init) => (injected.push(new Request(input, init).redirect), globalThis.fetch(input, init)) })
    const response = await c.fetch(`${api.origin}/orders`)
    expect(response.status).toBe(302)
    expect(response.headers.get('location')).toBe(`${elsewhere.origin}/collect`)
    expect(api.requests[0]!.headers.get('authorization')).toMatch(/^Bearer token-/)
    expect(elsewhere.requests).toHaveLength(0)
    expect(injected.at(-1)).toBe('manual')
    // With the default fetch too.
    const plain = client(as, clock, { apiOrigins: [api.origin] }).c
    expect((await plain.fetch(`${api.origin}/again`)).status).toBe(302)
    expect(elsewhere.requests).toHaveLength(0)
  })
})

describe('DPoP', () => {
  const dpopConfig = defineDpopConfig({ mode: 'required' })

  it('answers the AS nonce once, gets a DPoP token, and signs API proofs with htm, htu, ath and the API nonce', async () => {
    const clock = testClock(Date.now())
    const as = await server((r) => {
      const proof = r.headers.get('dpop')
      if (proof === null) return Response.json({ error: 'invalid_dpop_proof' }, { status: 400 })
      if (jwtPayload(proof).nonce !== 'as-nonce-1') return Response.json({ error: 'use_dpop_nonce' }, { status: 400, headers: { 'dpop-nonce': 'as-nonce-1' } })
      return tokenAnswer(nextToken(), { token_type: 'DPoP' })
    })
    const api = await server(async (r) => {
      const proof = r.headers.get('dpop')!
      if (jwtPayload(proof).nonce !== 'rs-nonce-1') {
        return new Response(null, { status: 401, headers: { 'www-authenticate': 'DPoP error="use_dpop_nonce", error_description="nonce"', 'dpop-nonce': 'rs-nonce-1' } })
      }
      const token = r.headers.get('authorization')!.replace(/^DPoP /, '')
      const checked = await verifyDpopProof({ method: r.method, url: r.url, headers: r.headers }, { config: dpopConfig, accessToken: token, now: Math.floor(Date.now() / 1000), signature: nodeSignatureProvider })
      return Response.json({ ok: checked.ok, jkt: checked.ok ? checked.value.jkt : checked.error.message })
    })
    const { c } = client(as, clock, { dpop: true })
    const token = await c.getToken()
    expect(token.tokenType).toBe('DPoP')
    expect(as.requests).toHaveLength(2)
    const asProof = as.requests[1]!.headers.get('dpop')!
    expect(jwtHeader(asProof)).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256' } })
    expect(jwtHeader(asProof).jwk).not.toHaveProperty('d')
    expect(jwtPayload(asProof)).toMatchObject({ htm: 'POST', htu: `${as.origin}/token`, nonce: 'as-nonce-1' })
    expect(jwtPayload(asProof)).not.toHaveProperty('ath')

    const response = await c.fetch(`${api.origin}/orders?page=2`)
    expect(await response.json()).toMatchObject({ ok: true })
    expect(api.requests).toHaveLength(2)
    expect(api.requests[1]!.headers.get('authorization')).toBe(`DPoP ${token.accessToken}`)
    expect(jwtPayload(api.requests[1]!.headers.get('dpop')!)).toMatchObject({ htm: 'GET', htu: `${api.origin}/orders`, nonce: 'rs-nonce-1' })
    // The nonce is remembered per origin: the next call needs no challenge.
    await c.fetch(`${api.origin}/orders`)
    expect(api.requests).toHaveLength(3)
    // Each proof is fresh.
    expect(new Set(api.requests.map((r) => jwtPayload(r.headers.get('dpop')!).jti)).size).toBe(3)
  })

  it('answers use_dpop_nonce only once', async () => {
    const clock = testClock(Date.now())
    let n = 0
    const as = await server(() => Response.json({ error: 'use_dpop_nonce' }, { status: 400, headers: { 'dpop-nonce': `n-${++n}` } }))
    const { c } = client(as, clock, { dpop: true })
    await expect(c.getToken()).rejects.toMatchObject({ _tag: 'TokenRequestRejectedError', oauthError: 'use_dpop_nonce' })
    expect(as.requests).toHaveLength(2)
  })

  it('refuses a Bearer token when DPoP was asked for (a server without DPoP would silently downgrade)', async () => {
    const clock = testClock(Date.now())
    const as = await server(() => tokenAnswer(nextToken()))
    const { c } = client(as, clock, { dpop: true })
    await expect(c.getToken()).rejects.toMatchObject({ _tag: 'TokenEndpointUnavailableError', kind: 'unsupported' })
  })
})

describe('discovery', () => {
  it('finds the token endpoint in the RFC 8414 metadata of the issuer', async () => {
    const clock = testClock()
    const as = await server((r) =>
      new URL(r.url).pathname === '/.well-known/oauth-authorization-server/tenant'
        ? Response.json({ issuer: `${as.origin}/tenant`, token_endpoint: `${as.origin}/tenant/oauth/token` })
        : new URL(r.url).pathname === '/tenant/oauth/token'
          ? tokenAnswer(nextToken())
          : new Response(null, { status: 404 }),
    )
    const c = createTokenClient({ issuer: `${as.origin}/tenant`, clientId: 'reporting', clientAuthentication: { method: 'client_secret_post', clientSecret: 'x y' }, clock: clock.now })
    await expect(c.getToken()).resolves.toMatchObject({ tokenType: 'Bearer' })
    expect(Object.fromEntries(form(as.requests[1]!))).toEqual({ grant_type: 'client_credentials', client_id: 'reporting', client_secret: 'x y' })
  })
  it('reports metadata it cannot read as unavailable', async () => {
    const clock = testClock()
    const as = await server(() => new Response(null, { status: 500 }))
    const c = createTokenClient({ issuer: as.origin, clientId: 'reporting', clientAuthentication: { method: 'client_secret_post', clientSecret: 'x' }, clock: clock.now })
    await expect(c.getToken()).rejects.toMatchObject({ _tag: 'TokenEndpointUnavailableError', kind: 'discovery' })
  })
})
