// The bridge's newer instruments, each fed by the real component that emits the event: the
// verified-token cache (hit ratio), the DPoP replay store failing (503), discovery against a
// metadata server on 127.0.0.1, introspection against a fake AS on 127.0.0.1, and the issuer's
// token endpoint. Read back with the SDK's in-memory reader; no token, claim, subject, secret or
// URL path is ever an attribute.
import { createVerifier, defineAddressPolicy, discoverServerConfig, platformHttpGet, type Jwk } from '@tokenward/core'
import { createInMemoryClientStore, createIssuer, defineApiClient } from '@tokenward/issuer'
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeAs } from '../../core/src/introspection/fake-as.test-support.ts'
import { makeDpopKey, signProof } from '../../core/src/testing/dpop-proof.test-support.ts'
import { makeKey, mint, type TestKey } from '../../core/src/testing/mint.test-support.ts'
import { form, makeClientKeys, signAssertion } from '../../issuer/src/testing/issuer-fixture.test-support.ts'
import { jwkThumbprint } from '@tokenward/core'
import { createTokenwardTelemetry } from './index.ts'

let key: TestKey
beforeAll(async () => {
  key = await makeKey('ES256', 'k1')
})

function sdk() {
  const reader = new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), exportIntervalMillis: 3_600_000 })
  const meterProvider = new MeterProvider({ readers: [reader] })
  const spans = new InMemorySpanExporter()
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] })
  const telemetry = createTokenwardTelemetry({ meter: meterProvider.getMeter('test'), tracer: tracerProvider.getTracer('test') })
  const points = async (name: string): Promise<DataPoint<number | Histogram>[]> => {
    const { resourceMetrics } = await reader.collect()
    return resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).filter((m) => m.descriptor.name === name).flatMap((m) => m.dataPoints as DataPoint<number | Histogram>[])
  }
  const everything = async (): Promise<string> => {
    const { resourceMetrics } = await reader.collect()
    return JSON.stringify([resourceMetrics.scopeMetrics.flatMap((s) => s.metrics.flatMap((m) => m.dataPoints.map((p) => p.attributes))), spans.getFinishedSpans().map((s) => s.attributes)])
  }
  return { telemetry, points, spans, everything, close: () => Promise.all([meterProvider.shutdown(), tracerProvider.shutdown()]) }
}

const organization = { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly'] }
const url = 'https://api.example.test/orders'
const count = (ps: DataPoint<number | Histogram>[], attribute: string): Record<string, number> =>
  Object.fromEntries(ps.map((p) => [String(p.attributes[attribute]), p.value as number]))

describe('createTokenwardTelemetry: cache, replay store, discovery, introspection, token endpoint', () => {
  it('counts cache hits and misses of accepted verifications (the hit ratio) and puts the deciding stage on each span', async () => {
    const { telemetry, points, spans, close } = sdk()
    const verifier = telemetry.instrument(createVerifier({ server: { name: 'Okta1', jwks: { keys: [key.publicJwk as Jwk] }, issuer: 'https://idp.test', audience: 'api://orders' }, organization }))
    const token = await mint(key)
    for (let i = 0; i < 4; i++) expect((await verifier.verifyRequest({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } })).ok).toBe(true)
    const expired = await mint(key, { claims: { exp: Math.floor(Date.now() / 1000) - 600 } })
    expect((await verifier.verifyRequest({ method: 'GET', url, headers: { authorization: `Bearer ${expired}` } })).ok).toBe(false)
    // The cache admits a token on its second verification: served from it from the third on.
    expect(count(await points('tokenward.verification.cache'), 'tokenward.cache.result')).toEqual({ miss: 2, hit: 2 })
    expect(spans.getFinishedSpans().map((s) => s.attributes['tokenward.stage'])).toEqual(['authorize', 'authorize', 'authorize', 'authorize', 'jwt'])
    await verifier.close()
    await close()
  })

  it('counts replay-store failures (503 replay_unavailable), never an accepted proof', async () => {
    const { telemetry, points, everything, close } = sdk()
    const client = await makeDpopKey('ES256')
    const jkt = (await jwkThumbprint(client.publicJwk as Record<string, unknown>))!
    const verifier = telemetry.instrument(
      createVerifier({
        server: { name: 'Bound', jwks: { keys: [key.publicJwk as Jwk] }, issuer: 'https://idp.test', audience: 'api://orders', dpop: { mode: 'enabled' } },
        organization,
        replayStore: { remember: () => Promise.reject(new Error('Redis down')) },
      }),
    )
    const token = await mint(key, { claims: { cnf: { jkt } } })
    const proof = await signProof(client, { method: 'GET', url, accessToken: token, iat: Math.floor(Date.now() / 1000) })
    const verdict = await verifier.verifyRequest({ method: 'GET', url, headers: { authorization: `DPoP ${token}`, dpop: proof } })
    expect(verdict).toMatchObject({ ok: false, error: { code: 'replay_unavailable', status: 503 } })
    expect((await points('tokenward.replay_store.errors')).map((p) => p.value)).toEqual([1])
    expect(await points('tokenward.verification.cache')).toEqual([])
    const all = await everything()
    for (const secret of [token, proof, jkt]) expect(all).not.toContain(secret)
    await verifier.close()
    await close()
  })

  it('counts and times discovery fetches (fetched and failed) by host, never the metadata path', async () => {
    const { telemetry, points, everything, close } = sdk()
    let fail = false
    const server = createServer((req, res) => {
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      if (fail || req.url !== '/.well-known/oauth-authorization-server') {
        res.writeHead(500).end()
        return
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: origin, jwks_uri: `${origin}/jwks` }))
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      const options = { httpGet: platformHttpGet(), addressPolicy: defineAddressPolicy({ developmentLoopback: true }), onEvent: telemetry.onEvent }
      const filled = await discoverServerConfig({ name: 'Disc', issuer: origin, discovery: true, audience: 'api://orders' }, options)
      expect(filled.jwksUrl).toBe(`${origin}/jwks`)
      fail = true
      await expect(discoverServerConfig({ name: 'Disc', issuer: origin, discovery: true, audience: 'api://orders' }, options)).rejects.toThrow()
      const fetches = await points('tokenward.discovery.fetches')
      expect(fetches.map((p) => [p.attributes['tokenward.discovery.result'], p.attributes['error.type'], p.attributes['server.address'], p.value])).toEqual([
        ['fetched', undefined, '127.0.0.1', 1],
        ['failed', 'http_status', '127.0.0.1', 1],
      ])
      expect((await points('tokenward.discovery.fetch.duration')).reduce((n, p) => n + (p.value as Histogram).count, 0)).toBe(2)
      expect(await everything()).not.toContain('well-known')
    } finally {
      await new Promise((r) => server.close(r))
      await close()
    }
  })

  it('counts and times introspection requests by outcome and status, never the token fingerprint or subject', async () => {
    const { telemetry, points, everything, close } = sdk()
    const as = await startFakeAs()
    try {
      as.answers.set('opaque-1', { active: true, iss: 'https://as.test', aud: 'https://api.test', client_id: 'orders', sub: 'alice@example.com', scope: 'zscloud::12345::ReadOnly', exp: Math.floor(Date.now() / 1000) + 600 })
      const verifier = telemetry.instrument(
        createVerifier({
          server: { name: 'OpaqueAS', issuer: 'https://as.test', audience: 'https://api.test', introspection: { endpoint: as.url, clientId: 'api', clientAuthentication: { method: 'client_secret_basic', clientSecret: 'top-secret-value-0123456789' } } },
          organization,
          onEvent: telemetry.onEvent,
          jwks: { addressPolicy: { developmentLoopback: true } },
        }),
      )
      const ask = (token: string) => verifier.verifyRequest({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } })
      expect((await ask('opaque-1')).ok).toBe(true)
      expect((await ask('opaque-1')).ok).toBe(true) // cached: no second request
      expect((await ask('unknown-2')).ok).toBe(false)
      const requests = await points('tokenward.introspection.requests')
      expect(requests.map((p) => [p.attributes['tokenward.introspection.outcome'], p.attributes['tokenward.authorization_server'], p.attributes['http.response.status_code'], p.attributes['server.address'], p.value])).toEqual([
        ['active', 'OpaqueAS', 200, '127.0.0.1', 1],
        ['inactive', 'OpaqueAS', 200, '127.0.0.1', 1],
      ])
      expect((await points('tokenward.introspection.duration')).reduce((n, p) => n + (p.value as Histogram).count, 0)).toBe(2)
      expect(count(await points('tokenward.verification.cache'), 'tokenward.cache.result')).toEqual({ miss: 1, hit: 1 })
      const all = await everything()
      for (const secret of ['opaque-1', 'alice@example.com', 'top-secret-value', new URL(as.url).pathname === '/' ? 'never' : new URL(as.url).pathname]) expect(all).not.toContain(secret)
      await verifier.close()
    } finally {
      await as.close()
      await close()
    }
  })

  it('counts token endpoint requests by outcome, method and client, never the issued jti or scope', async () => {
    const { telemetry, points, everything, close } = sdk()
    const keys = await makeClientKeys('c-1')
    const issuerId = 'https://auth.example.com'
    const issuer = createIssuer({
      issuer: issuerId,
      organization: { ...organization, apiRoles: ['ReadOnly'] },
      clients: createInMemoryClientStore([['12345', defineApiClient({ clientId: 'reporting', roles: ['ReadOnly'], authentication: { method: 'private_key_jwt', publicKey: keys.publicPem } })]]),
      resources: ['https://api.example.com/'],
      onEvent: telemetry.onEvent,
    })
    const post = async (overrides: Record<string, unknown> = {}) => {
      const assertion = await signAssertion(keys, { clientId: 'reporting', audience: issuerId }, overrides)
      const body = form({ grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion, scope: 'zscloud::12345::ReadOnly' })
      return issuer.handle(new Request(`${issuerId}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }))
    }
    const issued = await post()
    expect(issued.status).toBe(200)
    const { access_token: accessToken } = (await issued.json()) as { access_token: string }
    expect((await post({ aud: 'https://elsewhere.example' })).status).toBe(401)
    const requests = await points('tokenward.token_requests')
    expect(requests.map((p) => [p.attributes['tokenward.outcome'], p.attributes['error.type'], p.attributes['tokenward.client_auth.method'], p.attributes['tokenward.client_id'], p.attributes['tokenward.organization'], p.value])).toEqual([
      ['issued', undefined, 'private_key_jwt', 'reporting', '12345', 1],
      ['rejected', 'invalid_client', 'private_key_jwt', 'reporting', '12345', 1],
    ])
    const jti = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()).jti as string
    const all = await everything()
    for (const secret of [accessToken, jti, 'zscloud::12345::ReadOnly']) expect(all).not.toContain(secret)
    await issuer.close()
    await close()
  })
})
