import type { IncomingMessage, ServerResponse } from 'node:http'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { nodeHttpGet } from '../platform/node-http.ts'
import { startHttpServer, type TestServer } from '../platform/tls-fixture.test-support.ts'
import { ConfigError } from '../errors.ts'
import { createDiscoveryClient, DiscoveryError, type DiscoveryClientOptions, type DiscoveryEvent } from './discovery-client.ts'

interface Route {
  status?: number
  body?: unknown
  headers?: Record<string, string>
  delayMs?: number
}
const routes = new Map<string, Route>()
const requested: string[] = []
const handler = (req: IncomingMessage, res: ServerResponse): void => {
  requested.push(req.url ?? '')
  const route = routes.get(req.url ?? '')
  const answer = (): void => {
    if (route === undefined) return void res.writeHead(404).end()
    const body = typeof route.body === 'string' ? route.body : JSON.stringify(route.body)
    res.writeHead(route.status ?? 200, { 'content-type': 'application/json', ...route.headers }).end(body)
  }
  if (route?.delayMs !== undefined) setTimeout(answer, route.delayMs)
  else answer()
}

let server: TestServer
let issuer: string
beforeAll(async () => {
  server = await startHttpServer(handler)
  issuer = `${server.origin}/tenant/1`
})
afterAll(() => server.close())
beforeEach(() => {
  routes.clear()
  requested.length = 0
})

const rfc8414 = '/.well-known/oauth-authorization-server/tenant/1'
const oidc = '/tenant/1/.well-known/openid-configuration'
const documentFor = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  issuer,
  jwks_uri: `${issuer}/jwks`,
  introspection_endpoint: `${issuer}/introspect`,
  token_endpoint: `${issuer}/token`,
  mtls_endpoint_aliases: { introspection_endpoint: `${issuer}/mtls/introspect` },
  ...extra,
})

const setup = (options: Partial<DiscoveryClientOptions> = {}) => {
  let time = 1_800_000_000_000
  const events: DiscoveryEvent[] = []
  const client = createDiscoveryClient({
    issuer,
    discovery: true,
    httpGet: nodeHttpGet,
    clock: { now: () => time },
    onEvent: (e) => events.push(e),
    ...options,
  })
  return { client, events, advance: (seconds: number) => void (time += seconds * 1000) }
}

describe('createDiscoveryClient', () => {
  it('fetches RFC 8414 metadata with the well-known path inserted before the issuer path', async () => {
    routes.set(rfc8414, { body: documentFor() })
    const { client, events } = setup()
    const metadata = await client.metadata()
    expect(requested).toEqual([rfc8414])
    expect(metadata).toMatchObject({
      issuer,
      jwksUri: `${issuer}/jwks`,
      introspectionEndpoint: `${issuer}/introspect`,
      tokenEndpoint: `${issuer}/token`,
      mtlsEndpointAliases: { introspection_endpoint: `${issuer}/mtls/introspect` },
      source: `${server.origin}${rfc8414}`,
    })
    expect(events).toMatchObject([{ type: 'discovery_fetched', url: `${server.origin}${rfc8414}`, maxAgeSeconds: 3600 }])
  })

  it('falls back to the OpenID Connect location when RFC 8414 answers 404, or names another issuer', async () => {
    routes.set(oidc, { body: documentFor() })
    expect((await setup().client.metadata()).source).toBe(`${server.origin}${oidc}`)
    expect(requested).toEqual([rfc8414, oidc])
    requested.length = 0
    routes.set(rfc8414, { body: documentFor({ issuer: `${issuer}/` }) })
    expect((await setup().client.metadata()).source).toBe(`${server.origin}${oidc}`)
    expect(requested).toEqual([rfc8414, oidc])
  })

  it('reports an issuer mismatch at one location over a 404 at the other', async () => {
    routes.set(rfc8414, { body: documentFor({ issuer: 'https://other.example' }) })
    await expect(setup().client.metadata()).rejects.toMatchObject({ kind: 'issuer_mismatch' })
    expect(requested).toEqual([rfc8414, oidc])
  })

  it('does not use a document whose issuer differs: DiscoveryError issuer_mismatch', async () => {
    routes.set(rfc8414, { body: documentFor({ issuer: 'https://evil.example/tenant/1' }) })
    routes.set(oidc, { body: documentFor({ issuer: `${issuer}/` }) })
    const { client, events } = setup()
    const error = await client.metadata().then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(DiscoveryError)
    expect(error).toMatchObject({ kind: 'issuer_mismatch', code: 'discovery_failed' })
    expect(events.at(-1)).toMatchObject({ type: 'discovery_fetch_failed', kind: 'issuer_mismatch' })
  })

  it('a 5xx at the RFC 8414 location is an outage: the OIDC location is not tried', async () => {
    routes.set(rfc8414, { status: 503, body: '' })
    routes.set(oidc, { body: documentFor() })
    await expect(setup().client.metadata()).rejects.toMatchObject({ kind: 'http_status' })
    expect(requested).toEqual([rfc8414])
  })

  it('uses an explicit metadata URL only', async () => {
    routes.set('/meta.json', { body: documentFor() })
    const { client } = setup({ discovery: `${server.origin}/meta.json` })
    expect((await client.metadata()).source).toBe(`${server.origin}/meta.json`)
    expect(requested).toEqual(['/meta.json'])
  })

  it('keeps the document for its Cache-Control lifetime, clamped into bounds', async () => {
    routes.set(rfc8414, { body: documentFor(), headers: { 'cache-control': 'max-age=120' } })
    const { client, advance, events } = setup()
    await client.metadata()
    advance(119)
    await client.metadata()
    expect(requested).toHaveLength(1)
    advance(2)
    routes.set(rfc8414, { body: documentFor(), headers: { 'cache-control': 'max-age=5' } })
    await client.metadata()
    expect(requested).toHaveLength(2)
    expect(events.map((e) => (e.type === 'discovery_fetched' ? e.maxAgeSeconds : e.type))).toEqual([120, 60])
    advance(59)
    await client.metadata()
    expect(requested).toHaveLength(2)
  })

  it('shares one fetch between concurrent callers', async () => {
    routes.set(rfc8414, { body: documentFor(), delayMs: 100 })
    const { client } = setup()
    const all = await Promise.all(Array.from({ length: 10 }, () => client.metadata()))
    expect(new Set(all).size).toBe(1)
    expect(requested).toHaveLength(1)
  })

  it('serves the last good document while fetches fail, within the ceiling, with a cooldown between attempts', async () => {
    routes.set(rfc8414, { body: documentFor(), headers: { 'cache-control': 'max-age=60' } })
    const { client, advance, events } = setup({ maxStaleSeconds: 600, failureCooldownSeconds: 30 })
    const good = await client.metadata()
    routes.set(rfc8414, { status: 500, body: 'down' })
    advance(61)
    expect(await client.metadata()).toBe(good)
    expect(events.slice(1).map((e) => e.type)).toEqual(['discovery_fetch_failed', 'discovery_stale_served'])
    advance(10) // within the cooldown: no request
    expect(await client.metadata()).toBe(good)
    expect(requested).toHaveLength(2)
    advance(600) // past the ceiling (60 s lifetime + 600 s)
    const error = await client.metadata().then(() => undefined, (e: unknown) => e)
    expect(error).toMatchObject({ _tag: 'DiscoveryError', kind: 'http_status', retryAfterSeconds: 30 })
    expect(requested).toHaveLength(3)
    // Within the next cooldown the failure is answered without a request, with the time left.
    advance(20)
    await expect(client.metadata()).rejects.toMatchObject({ retryAfterSeconds: 10 })
    expect(requested).toHaveLength(3)
    // Once the server is back, the next attempt after the cooldown recovers.
    routes.set(rfc8414, { body: documentFor() })
    advance(11)
    expect((await client.metadata()).issuer).toBe(issuer)
  })

  it('reports a transport failure by kind, without a stale copy to fall back to', async () => {
    const { client } = setup({ discovery: 'http://127.0.0.1:1/meta', timeoutMs: 500 })
    await expect(client.metadata()).rejects.toMatchObject({ kind: 'network' })
  })
})

describe('createDiscoveryClient options are checked when built', () => {
  it('names every bad option by path', () => {
    let error: unknown
    try {
      createDiscoveryClient({ issuer: 'as.example', discovery: 'not a url' as string, httpGet: nodeHttpGet, timeoutMs: 0, maxStaleSeconds: -1 })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).issues.map((i) => i.path)).toEqual(['issuer', 'discovery', 'timeoutMs', 'maxStaleSeconds'])
  })
})
