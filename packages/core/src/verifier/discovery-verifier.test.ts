// A server config with `discovery` run by createVerifier against a real metadata endpoint on
// 127.0.0.1: jwksUrl and introspection.endpoint come from the document on first use, cached
// (one fetch for many requests), stale-if-error within the ceiling, and an unreadable or
// foreign document is 503 discovery_unavailable, never 401.
import type { IncomingMessage, ServerResponse } from 'node:http'
import * as Effect from 'effect/Effect'
import type * as Scope from 'effect/Scope'
import { TestClock } from 'effect/testing'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { validateAuthorizationServer } from '../config/authorization-server.ts'
import { isUnavailableError } from '../errors.ts'
import { startHttpServer, type TestServer } from '../platform/tls-fixture.test-support.ts'
import { makeKey, mint, type TestKey } from '../testing/mint.test-support.ts'
import { createVerifier } from './create-verifier.ts'
import { make } from './token-verifier-service.ts'
import type { VerifierEvent } from './types.ts'

let as: TestServer
let key: TestKey
const state = {
  metadata: 'ok' as 'ok' | 'down' | 'other-issuer' | 'no-jwks' | 'moved-jwks',
  metadataFetches: 0,
  keyFetches: { '/keys': 0, '/keys-2': 0 } as Record<string, number>,
  introspections: { '/introspect': 0, '/explicit/introspect': 0 } as Record<string, number>,
}
const handler = (req: IncomingMessage, res: ServerResponse): void => {
  const path = new URL(req.url ?? '/', 'http://x').pathname
  if (path === '/.well-known/oauth-authorization-server') {
    state.metadataFetches++
    if (state.metadata === 'down') return void res.writeHead(503).end()
    const document = {
      issuer: state.metadata === 'other-issuer' ? `${as.origin}/someone-else` : as.origin,
      ...(state.metadata === 'no-jwks' ? {} : { jwks_uri: `${as.origin}${state.metadata === 'moved-jwks' ? '/keys-2' : '/keys'}` }),
      introspection_endpoint: `${as.origin}/introspect`,
      token_endpoint: `${as.origin}/token`,
    }
    return void res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=60' }).end(JSON.stringify(document))
  }
  if (path === '/keys' || path === '/keys-2') {
    state.keyFetches[path] = (state.keyFetches[path] ?? 0) + 1
    return void res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=3600' }).end(JSON.stringify({ keys: [key.publicJwk] }))
  }
  if (path === '/introspect' || path === '/explicit/introspect') {
    state.introspections[path] = (state.introspections[path] ?? 0) + 1
    req.resume()
    req.on('end', () => {
      const now = Math.floor(Date.now() / 1000)
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ active: true, iss: as.origin, client_id: 'orders', sub: 'opaque-caller', scope: 'c::1::R', exp: now + 600 }))
    })
    return
  }
  res.writeHead(404).end()
}

beforeAll(async () => {
  key = await makeKey('RS256', 'k1')
  as = await startHttpServer(handler)
})
afterAll(async () => {
  await as.close()
})
beforeEach(() => {
  state.metadata = 'ok'
  state.metadataFetches = 0
  state.keyFetches = { '/keys': 0, '/keys-2': 0 }
  state.introspections = { '/introspect': 0, '/explicit/introspect': 0 }
})

const organization = { cloud: 'c', orgId: '1', cloudDomain: 'c.net', apiRoles: ['R'] }
const basic = { method: 'client_secret_basic', clientSecret: 'discovery-secret-0123456789' }
const tokenFor = () => mint(key, { claims: { iss: as.origin, aud: 'api://orders', scope: 'c::1::R' } })
const request = (token: string) => ({ method: 'GET', url: 'https://api.example/orders', headers: { authorization: `Bearer ${token}` } })

describe('a server with discovery: the config', () => {
  it('may omit jwksUrl and introspection.endpoint, and a built config validates to itself (stored and re-read)', () => {
    const input = { name: 'Disc1', issuer: 'https://as.example/tenant', discovery: true, tokenEndpoint: 'https://as.example/token', introspection: { clientId: 'rs', clientAuthentication: basic } }
    const built = validateAuthorizationServer(input)
    expect(built.ok).toBe(true)
    if (!built.ok) return
    expect(built.config).toMatchObject({ discovery: true, tokenEndpoint: 'https://as.example/token', jwksUrl: undefined })
    expect(built.config.introspection?.endpoint).toBeUndefined()
    const again = validateAuthorizationServer(built.config)
    expect(again.ok && again.config).toEqual(built.config)
    const stored = validateAuthorizationServer(JSON.parse(JSON.stringify({ ...input, discovery: 'https://as.example/.well-known/oauth-authorization-server/tenant' })))
    expect(stored.ok && stored.config.discovery).toBe('https://as.example/.well-known/oauth-authorization-server/tenant')
  })

  it('names every bad field by path: discovery without issuer, a templated issuer, a bad metadata URL or token endpoint', () => {
    const paths = (input: Record<string, unknown>) => {
      const r = validateAuthorizationServer(input)
      return r.ok ? [] : r.issues.map((i) => i.path)
    }
    expect(paths({ name: 'D', discovery: true })).toEqual(['issuer'])
    expect(paths({ name: 'D', discovery: true, issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0' })).toEqual(['issuer'])
    expect(paths({ name: 'D', discovery: 'http://as.example/metadata', issuer: 'https://as.example' })).toEqual(['discovery'])
    expect(paths({ name: 'D', discovery: 'yes', issuer: 'https://as.example' })).toEqual(['discovery'])
    expect(paths({ name: 'D', discovery: true, issuer: 'https://as.example', tokenEndpoint: 'ftp://as.example/token' })).toEqual(['tokenEndpoint'])
    // Without discovery the key source and the introspection endpoint stay required.
    expect(paths({ name: 'D', issuer: 'https://as.example' })).toEqual(['jwksUrl'])
    expect(paths({ name: 'D', issuer: 'https://as.example', introspection: { clientId: 'rs', clientAuthentication: basic } })).toEqual(['introspection.endpoint'])
  })

})

describe('a server with discovery: the Effect door runs the same discovering engine', () => {
  const run = <A, E>(program: Effect.Effect<A, E, Scope.Scope>) => Effect.runPromiseExit(Effect.scoped(program))

  it('reads jwksUrl from the metadata on first use, once for many verifications', async () => {
    const token = await tokenFor()
    const exit = await run(
      Effect.gen(function* () {
        const verifier = yield* make({ server: { name: 'EffDisc1', issuer: as.origin, discovery: true, audience: 'api://orders' }, organization })
        const first = yield* verifier.verify(token)
        const second = yield* verifier.verifyRequest(request(token))
        return [first.issuer, second.issuer, verifier.config.discovery]
      }),
    )
    expect(exit._tag === 'Success' && exit.value).toEqual([as.origin, as.origin, true])
    expect(state.metadataFetches).toBe(1)
    expect(state.keyFetches['/keys']).toBe(1)
  })

  it('fills introspection.endpoint for an introspection-only server', async () => {
    const exit = await run(
      Effect.gen(function* () {
        const verifier = yield* make({ server: { name: 'EffDisc2', issuer: as.origin, discovery: true, introspection: { clientId: 'rs', clientAuthentication: basic } }, organization })
        return (yield* verifier.verify('opaque-token-effect')).subject
      }),
    )
    expect(exit._tag === 'Success' && exit.value).toBe('opaque-caller')
    expect(state.introspections['/introspect']).toBe(1)
  })

  it('an unreachable metadata endpoint fails verify and warm with DiscoveryUnavailableError (503), never a 401', async () => {
    state.metadata = 'down'
    const token = await tokenFor()
    const exit = await run(
      Effect.gen(function* () {
        const verifier = yield* make({ server: { name: 'EffDisc3', issuer: as.origin, discovery: true } })
        const warmed = yield* Effect.flip(verifier.warm)
        const verified = yield* Effect.flip(verifier.verify(token))
        const status = yield* verifier.status
        return { warmed, verified, status }
      }),
    )
    expect(exit._tag).toBe('Success')
    if (exit._tag !== 'Success') return
    expect(exit.value.warmed).toMatchObject({ _tag: 'DiscoveryUnavailableError', status: 503 })
    expect(isUnavailableError(exit.value.verified)).toBe(true)
    expect(exit.value.verified).toMatchObject({ code: 'discovery_unavailable', status: 503 })
    expect(exit.value.status.lastFailure?.reason).toContain('could not be read')
    expect(state.keyFetches['/keys']).toBe(0)
  })

  it('time comes from the fiber Clock: a TestClock far in the future makes a fresh token expired', async () => {
    const token = await tokenFor()
    const exit = await run(
      Effect.gen(function* () {
        yield* TestClock.setTime(Date.now() + 24 * 3600_000)
        const verifier = yield* make({ server: { name: 'EffDisc4', issuer: as.origin, discovery: true } })
        return yield* Effect.flip(verifier.verify(token))
      }).pipe(Effect.provide(TestClock.layer())),
    )
    expect(exit._tag === 'Success' && exit.value.code).toBe('token_expired')
  })
})

describe('a server with discovery: createVerifier', () => {
  it('reads jwksUrl from the metadata on first use, once for many verifications', async () => {
    const events: VerifierEvent[] = []
    const verifier = createVerifier({ server: { name: 'Disc2', issuer: as.origin, audience: 'api://orders', discovery: true }, organization, onEvent: (e) => events.push(e) })
    const token = await tokenFor()
    for (let i = 0; i < 5; i++) expect((await verifier.verify(token)).clientId).toBe('client-1')
    const verdict = verifier.verifyRequestNow(request(token))
    // Fresh metadata and a cached token: the answer comes without waiting.
    expect(verdict instanceof Promise).toBe(false)
    expect(state.metadataFetches).toBe(1)
    expect(state.keyFetches['/keys']).toBe(1)
    expect(events.filter((e) => e.type === 'discovery_fetched')).toEqual([expect.objectContaining({ issuer: as.origin, maxAgeSeconds: 60 })])
    await verifier.close()
  })

  it('an unreachable metadata endpoint with nothing cached is 503 discovery_unavailable with Retry-After, never 401', async () => {
    state.metadata = 'down'
    const events: VerifierEvent[] = []
    const verifier = createVerifier({ server: { name: 'Disc3', issuer: as.origin, discovery: true }, onEvent: (e) => events.push(e) })
    const verdict = await verifier.verifyRequest(request(await tokenFor()))
    expect(verdict.ok).toBe(false)
    if (verdict.ok) return
    expect(verdict.error).toMatchObject({ _tag: 'DiscoveryUnavailableError', code: 'discovery_unavailable', reason: 'discovery', status: 503, stage: 'server' })
    expect(isUnavailableError(verdict.error)).toBe(true)
    expect(verdict.response.status).toBe(503)
    expect(verdict.response.headers['retry-after']).toBeDefined()
    expect(events).toContainEqual(expect.objectContaining({ type: 'discovery_fetch_failed', kind: 'http_status' }))
    await expect(verifier.verify(await tokenFor())).rejects.toMatchObject({ code: 'discovery_unavailable' })
    expect((await verifier.status()).lastFailure?.reason).toContain('could not be read')
    await verifier.close()
  })

  it('a document naming another issuer is not used: 503 and an issuer_mismatch event', async () => {
    state.metadata = 'other-issuer'
    const events: VerifierEvent[] = []
    const verifier = createVerifier({ server: { name: 'Disc4', issuer: as.origin, discovery: true }, onEvent: (e) => events.push(e) })
    await expect(verifier.verify(await tokenFor())).rejects.toMatchObject({ code: 'discovery_unavailable', status: 503 })
    expect(events).toContainEqual(expect.objectContaining({ type: 'discovery_fetch_failed', kind: 'issuer_mismatch' }))
    expect(state.keyFetches['/keys']).toBe(0)
    await verifier.close()
  })

  it('a document without a jwks_uri, where the config needs one, is 503 with an invalid_document event', async () => {
    state.metadata = 'no-jwks'
    const events: VerifierEvent[] = []
    const verifier = createVerifier({ server: { name: 'Disc5', issuer: as.origin, discovery: true }, onEvent: (e) => events.push(e) })
    await expect(verifier.verify(await tokenFor())).rejects.toMatchObject({ code: 'discovery_unavailable' })
    await expect(verifier.verify(await tokenFor())).rejects.toMatchObject({ code: 'discovery_unavailable' })
    // Reported once for the same document, not on every request.
    expect(events.filter((e) => e.type === 'discovery_fetch_failed')).toEqual([expect.objectContaining({ kind: 'invalid_document', message: expect.stringContaining('jwks_uri') })])
    await verifier.close()
  })

  it('serves the last good document while the endpoint fails, up to the ceiling; then 503', async () => {
    let clock = Date.now()
    const events: VerifierEvent[] = []
    const verifier = createVerifier({
      server: { name: 'Disc6', issuer: as.origin, discovery: true },
      clock: () => clock,
      jwks: { maxStaleSeconds: 120, failureCooldownSeconds: 0 },
      onEvent: (e) => events.push(e),
    })
    const token = await tokenFor()
    await verifier.verify(token)
    state.metadata = 'down'
    clock += 90_000 // the document (max-age 60) is 30 s past its lifetime
    expect((await verifier.verify(token)).clientId).toBe('client-1')
    expect(events).toContainEqual(expect.objectContaining({ type: 'discovery_stale_served', staleSeconds: 30 }))
    clock += 120_000 // 150 s past: beyond the ceiling
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'discovery_unavailable', status: 503 })
    await verifier.close()
  })

  it('a new document with another jwks_uri moves the verifier to it; explicit values always win', async () => {
    let clock = Date.now()
    const verifier = createVerifier({ server: { name: 'Disc7', issuer: as.origin, discovery: true }, clock: () => clock })
    const token = await tokenFor()
    await verifier.verify(token)
    state.metadata = 'moved-jwks'
    clock += 61_000
    await verifier.verify(await tokenFor())
    expect(state.keyFetches).toMatchObject({ '/keys': 1, '/keys-2': 1 })
    await verifier.close()

    const explicit = createVerifier({ server: { name: 'Disc8', issuer: as.origin, discovery: true, jwksUrl: `${as.origin}/keys-2` } })
    await explicit.verify(token)
    expect(state.keyFetches).toMatchObject({ '/keys': 1, '/keys-2': 2 })
    await explicit.close()
  })

  it('fills introspection.endpoint for an introspection-only server; an explicit endpoint wins', async () => {
    const discovered = createVerifier({ server: { name: 'Disc9', issuer: as.origin, discovery: true, introspection: { clientId: 'rs', clientAuthentication: basic } }, organization })
    expect((await discovered.verify('opaque-token-1')).subject).toBe('opaque-caller')
    const explicit = createVerifier({
      server: { name: 'Disc10', issuer: as.origin, discovery: true, introspection: { endpoint: `${as.origin}/explicit/introspect`, clientId: 'rs', clientAuthentication: basic } },
      organization,
    })
    expect((await explicit.verify('opaque-token-2')).subject).toBe('opaque-caller')
    expect(state.introspections).toEqual({ '/introspect': 1, '/explicit/introspect': 1 })
    await discovered.close()
    await explicit.close()
  })

  it('a disabled server refuses without reading the metadata', async () => {
    const verifier = createVerifier({ server: { name: 'Disc11', issuer: as.origin, discovery: true, enabled: false } })
    await expect(verifier.verify(await tokenFor())).rejects.toMatchObject({ code: 'server_disabled' })
    const verdict = await verifier.verifyRequest({ method: 'GET', url: 'https://api.example/', headers: {} })
    expect(verdict.ok === false && verdict.error.code).toBe('missing_token')
    expect(state.metadataFetches).toBe(0)
    await verifier.close()
  })
})
