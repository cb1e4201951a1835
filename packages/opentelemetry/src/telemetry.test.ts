import { createVerifier, defineAuthorizationServer, type RequestVerdict, type TokenRequest } from '@tokenward/core'
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { createInMemoryOrganizationStore, createRegistryVerifier } from '@tokenward/registry'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeKey, mint, startJwksServer, type JwksServer, type TestKey } from '../../core/src/testing/mint.test-support.ts'
import { createTokenwardTelemetry } from './index.ts'

let key: TestKey
let jwks: JwksServer
beforeAll(async () => {
  key = await makeKey('ES256', 'k1')
  jwks = await startJwksServer([key.publicJwk])
})
afterAll(() => jwks.close())

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
  return { telemetry, points, spans, close: () => Promise.all([meterProvider.shutdown(), tracerProvider.shutdown()]) }
}

const server = () => defineAuthorizationServer({ name: 'Okta1', jwksUrl: `${jwks.url}?secret=never-an-attribute`, issuer: 'https://idp.test', audience: 'api://orders' })
const request = (token: string) => ({ method: 'GET', url: '/reports', headers: { authorization: `Bearer ${token}` } })

describe('createTokenwardTelemetry', () => {
  it('counts verifications by outcome and code, times them, traces each, and never records a token, claim or URL path', async () => {
    const { telemetry, points, spans, close } = sdk()
    const verifier = telemetry.instrument(createVerifier({ server: server(), onEvent: telemetry.onEvent, jwks: { addressPolicy: { developmentLoopback: true } } }))
    const good = await mint(key)
    const expired = await mint(key, { claims: { exp: Math.floor(Date.now() / 1000) - 600 } })
    expect((await verifier.verifyRequest(request(good))).ok).toBe(true)
    expect((await verifier.verifyRequest(request(good))).ok).toBe(true)
    expect((await verifier.verifyRequest(request(expired))).ok).toBe(false)

    const counted = (await points('tokenward.verifications')).map((p) => [p.attributes['tokenward.outcome'], p.attributes['error.type'], p.attributes['tokenward.authorization_server'], p.value])
    expect(counted).toEqual(expect.arrayContaining([['accepted', undefined, 'Okta1', 2], ['rejected', 'token_expired', undefined, 1]]))
    const durations = await points('tokenward.verification.duration')
    expect(durations.reduce((n, p) => n + (p.value as Histogram).count, 0)).toBe(3)
    const fetches = await points('tokenward.jwks.fetches')
    expect(fetches.map((p) => p.attributes)).toEqual([{ 'tokenward.jwks.result': 'fetched', 'tokenward.jwks.reason': 'initial', 'server.address': '127.0.0.1' }])
    expect((await points('tokenward.jwks.fetch.duration')).length).toBe(1)

    const finished = spans.getFinishedSpans()
    expect(finished.map((s) => [s.name, s.attributes['tokenward.outcome']])).toEqual([['tokenward.verify', 'accepted'], ['tokenward.verify', 'accepted'], ['tokenward.verify', 'rejected']])
    const everything = JSON.stringify([counted, fetches.map((p) => p.attributes), finished.map((s) => s.attributes)])
    for (const secret of [good, expired, good.split('.')[1]!, 'never-an-attribute', 'zscloud::12345', 'https://idp.test']) expect(everything).not.toContain(secret)
    await verifier.close()
    await close()
  })

  it('an unreachable key set is "unavailable" (503) with a failed fetch and an error span; Redis events become counters', async () => {
    const { telemetry, points, spans, close } = sdk()
    const down = await startJwksServer([key.publicJwk])
    down.mode = 500
    const verifier = telemetry.instrument(
      createVerifier({
        server: defineAuthorizationServer({ name: 'Down', jwksUrl: down.url, issuer: 'https://idp.test', audience: 'api://orders' }),
        onEvent: telemetry.onEvent,
        jwks: { addressPolicy: { developmentLoopback: true } },
      }),
    )
    const verdict = await verifier.verifyRequest(request(await mint(key)))
    expect(verdict.ok ? 200 : verdict.response.status).toBe(503)
    expect((await points('tokenward.verifications')).map((p) => [p.attributes['tokenward.outcome'], p.attributes['error.type']])).toEqual([['unavailable', 'jwks_unavailable']])
    expect((await points('tokenward.jwks.fetches')).map((p) => [p.attributes['tokenward.jwks.result'], p.attributes['error.type']])).toEqual([['failed', 'http_status']])
    expect(spans.getFinishedSpans()[0]!.status.code).toBe(2) // SpanStatusCode.ERROR

    telemetry.onEvent({ type: 'redis_error', operation: 'get', message: 'x' } as { type: string })
    telemetry.onEvent({ type: 'redis_counter_failed_open', orgId: 'acme', message: 'x' } as { type: string })
    telemetry.onEvent({ type: 'something_new' })
    expect((await points('tokenward.redis.errors')).map((p) => [p.attributes, p.value])).toEqual([[{ 'tokenward.redis.operation': 'get' }, 1]])
    expect((await points('tokenward.redis.counter_failed_open')).map((p) => [p.attributes, p.value])).toEqual([[{ 'tokenward.organization': 'acme' }, 1]])
    await verifier.close()
    await down.close()
    await close()
  })

  it('passes the organization of a registry-style target, and rethrows what the verifier throws', async () => {
    const { telemetry, points, close } = sdk()
    const fake = {
      async verifyRequest(_request: TokenRequest, target: { orgId: string }): Promise<RequestVerdict> {
        throw new Error(`closed ${target.orgId}`)
      },
    }
    const wrapped = telemetry.instrument(fake)
    await expect(wrapped.verifyRequest(request('x'), { orgId: 'acme' })).rejects.toThrow('closed acme')
    expect((await points('tokenward.verifications')).map((p) => p.attributes)).toEqual([{ 'tokenward.outcome': 'unavailable', 'error.type': 'exception', 'tokenward.organization': 'acme' }])
    // The registry verifier fits as it is.
    const registry = telemetry.instrument(createRegistryVerifier({ store: createInMemoryOrganizationStore(), keyRefresh: false }))
    const verdict = await registry.verifyRequest(request('x'), { orgId: 'ghost' })
    expect(verdict.ok).toBe(false)
    expect((await points('tokenward.verifications')).map((p) => p.attributes)).toContainEqual({ 'tokenward.outcome': 'rejected', 'error.type': 'server_disabled', 'tokenward.organization': 'ghost' })
    await registry.close()
    await close()
  })
})
