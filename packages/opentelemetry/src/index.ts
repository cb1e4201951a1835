/**
 * `@tokenward/opentelemetry`: tokenward's events and verdicts as OpenTelemetry metrics and spans,
 * built on `@opentelemetry/api` only (bring your own SDK and exporter). Without it, `onEvent` stays
 * the zero-dependency path.
 *
 * What is never an attribute: a token, a secret, a claim value, a JWKS URL's path or query (only
 * its host, as `server.address`). Client ID and organization are.
 *
 * @example
 * ```ts
 * import { metrics, trace } from '@opentelemetry/api'
 * import { createTokenwardTelemetry } from '@tokenward/opentelemetry'
 *
 * const telemetry = createTokenwardTelemetry({ meter: metrics.getMeter('my-api'), tracer: trace.getTracer('my-api') })
 * const registry = telemetry.instrument(createRegistryVerifier({ store, onEvent: telemetry.onEvent }))
 * ```
 *
 * @module
 */
import { SpanKind, SpanStatusCode, type Attributes, type Meter, type Tracer } from '@opentelemetry/api'
import type { RequestVerdict } from '@tokenward/core'

/** Options of {@link createTokenwardTelemetry}. */
export interface TokenwardTelemetryOptions {
  /** Where the counters and histograms are created. */
  readonly meter: Meter
  /** When given, each instrumented verification is one span (`tokenward.verify`). */
  readonly tracer?: Tracer | undefined
  /** The clock for durations, in milliseconds. Default `performance.now`. */
  readonly now?: (() => number) | undefined
}

/**
 * Anything with the `verifyRequest` of tokenward's verifiers: `createVerifier` (core) and
 * `createRegistryVerifier` (registry, whose second argument names the organization).
 *
 * @example
 * ```ts
 * const v: VerifiesRequests = createVerifier({ server })
 * ```
 */
export interface VerifiesRequests {
  verifyRequest(request: never, target: never): Promise<RequestVerdict>
}

/**
 * The bridge: `onEvent` takes the events of verifiers, key sets, the registry and the Redis
 * stores; `instrument` wraps a verifier so each verification is counted, timed and traced.
 *
 * @example
 * ```ts
 * const telemetry = createTokenwardTelemetry({ meter })
 * const verifier = telemetry.instrument(createVerifier({ server, onEvent: telemetry.onEvent }))
 * ```
 */
export interface TokenwardTelemetry {
  /** Pass as `onEvent` (of a verifier, the registry verifier, or `createRedisConnection`). Never throws. */
  readonly onEvent: (event: { readonly type: string }) => void
  /** The same verifier, with `verifyRequest` measured. */
  instrument<V extends VerifiesRequests>(verifier: V): V
}

/**
 * Creates the instruments (names below; durations in seconds, as the OpenTelemetry semantic
 * conventions ask; `error.type` carries tokenward's stable error code):
 *
 * | instrument | kind | attributes |
 * |---|---|---|
 * | `tokenward.verifications` | counter | `tokenward.outcome` (`accepted`, `rejected`, `unavailable`), `error.type`, `tokenward.authorization_server`, `tokenward.organization`, `tokenward.client_id` |
 * | `tokenward.verification.duration` | histogram, s | `tokenward.outcome`, `error.type`, `tokenward.organization` |
 * | `tokenward.jwks.fetches` | counter | `tokenward.jwks.result` (`fetched`, `not_modified`, `failed`), `tokenward.jwks.reason`, `error.type`, `server.address` |
 * | `tokenward.jwks.fetch.duration` | histogram, s | as above |
 * | `tokenward.jwks.stale_served` | counter | `server.address` |
 * | `tokenward.jwks.refetch_suppressed` | counter | `server.address` |
 * | `tokenward.redis.errors` | counter | `tokenward.redis.operation` |
 * | `tokenward.redis.counter_failed_open` | counter | `tokenward.organization` |
 * | `tokenward.redis.feed_resynchronised` | counter | — |
 * | `tokenward.verification.cache` | counter | `tokenward.cache.result` (`hit`, `miss`), `tokenward.organization`: accepted verifications, so hits ÷ (hits + misses) is the cache hit ratio |
 * | `tokenward.replay_store.errors` | counter | `tokenward.organization`: verifications refused with 503 `replay_unavailable` (the replay store could not answer) |
 * | `tokenward.discovery.fetches` | counter | `tokenward.discovery.result` (`fetched`, `failed`), `error.type`, `server.address` |
 * | `tokenward.discovery.fetch.duration` | histogram, s | as above |
 * | `tokenward.discovery.stale_served` | counter | — |
 * | `tokenward.introspection.requests` | counter | `tokenward.introspection.outcome` (`active`, `inactive`, `refused`, `unavailable`, `misconfigured`), `tokenward.authorization_server`, `http.response.status_code`, `server.address` |
 * | `tokenward.introspection.duration` | histogram, s | as above |
 * | `tokenward.token_requests` | counter | `tokenward.outcome` (`issued`, `rejected`, `unavailable`), `error.type`, `tokenward.client_auth.method`, `tokenward.organization`, `tokenward.client_id` (the issuer's `onEvent`) |
 *
 * Each span carries `tokenward.stage`: the pipeline stage that refused the request, or `authorize`
 * (the last one) when it was accepted. Never an attribute: the introspection event's token
 * fingerprint and subject, the issued token's `jti`, scope and audience.
 *
 * @example
 * ```ts
 * const telemetry = createTokenwardTelemetry({ meter: metrics.getMeter('api'), tracer: trace.getTracer('api') })
 * ```
 */
export function createTokenwardTelemetry(options: TokenwardTelemetryOptions): TokenwardTelemetry {
  const { meter, tracer } = options
  const now = options.now ?? (() => performance.now())
  const verifications = meter.createCounter('tokenward.verifications', { description: 'Token verifications, by outcome' })
  const verificationDuration = meter.createHistogram('tokenward.verification.duration', { description: 'Time to decide one request', unit: 's' })
  const jwksFetches = meter.createCounter('tokenward.jwks.fetches', { description: 'JWKS requests, by result' })
  const jwksDuration = meter.createHistogram('tokenward.jwks.fetch.duration', { description: 'Time of one JWKS request', unit: 's' })
  const staleServed = meter.createCounter('tokenward.jwks.stale_served', { description: 'Verifications that used keys past their max-age because a refresh failed' })
  const refetchSuppressed = meter.createCounter('tokenward.jwks.refetch_suppressed', { description: 'Unknown-kid refetches held back by the cooldown' })
  const redisErrors = meter.createCounter('tokenward.redis.errors', { description: 'Redis commands or subscriptions that failed' })
  const failedOpen = meter.createCounter('tokenward.redis.counter_failed_open', { description: 'API calls let through uncounted because Redis could not answer' })
  const resynchronised = meter.createCounter('tokenward.redis.feed_resynchronised', { description: 'Change-feed resynchronisations after a lost subscription' })
  const cache = meter.createCounter('tokenward.verification.cache', { description: 'Accepted verifications, by whether the verified-token cache answered' })
  const replayErrors = meter.createCounter('tokenward.replay_store.errors', { description: 'Verifications refused with 503 because the replay store could not answer' })
  const discoveryFetches = meter.createCounter('tokenward.discovery.fetches', { description: 'Authorization-server metadata requests, by result' })
  const discoveryDuration = meter.createHistogram('tokenward.discovery.fetch.duration', { description: 'Time of one metadata request', unit: 's' })
  const discoveryStale = meter.createCounter('tokenward.discovery.stale_served', { description: 'Metadata served past its lifetime because a refresh failed' })
  const introspections = meter.createCounter('tokenward.introspection.requests', { description: 'Introspection requests, by outcome' })
  const introspectionDuration = meter.createHistogram('tokenward.introspection.duration', { description: 'Time of one introspection request', unit: 's' })
  const tokenRequests = meter.createCounter('tokenward.token_requests', { description: 'Token endpoint requests, by outcome' })

  const onEvent = (event: { readonly type: string }): void => {
    try {
      const e = event as { readonly type: string } & Record<string, unknown>
      const host = typeof e['url'] === 'string' ? hostOf(e['url']) : undefined
      const jwks = (result: string): Attributes => ({
        'tokenward.jwks.result': result,
        ...(typeof e['reason'] === 'string' ? { 'tokenward.jwks.reason': e['reason'] } : {}),
        ...(typeof e['kind'] === 'string' ? { 'error.type': e['kind'] } : {}),
        ...(host === undefined ? {} : { 'server.address': host }),
      })
      switch (e.type) {
        case 'jwks_fetched':
        case 'jwks_not_modified':
        case 'jwks_fetch_failed': {
          const attributes = jwks(e.type === 'jwks_fetched' ? 'fetched' : e.type === 'jwks_not_modified' ? 'not_modified' : 'failed')
          jwksFetches.add(1, attributes)
          if (typeof e['durationMs'] === 'number') jwksDuration.record(e['durationMs'] / 1000, attributes)
          return
        }
        case 'jwks_stale_served':
          staleServed.add(1, host === undefined ? {} : { 'server.address': host })
          return
        case 'jwks_refetch_suppressed':
          refetchSuppressed.add(1, host === undefined ? {} : { 'server.address': host })
          return
        case 'redis_error':
          redisErrors.add(1, typeof e['operation'] === 'string' ? { 'tokenward.redis.operation': e['operation'] } : {})
          return
        case 'redis_counter_failed_open':
          failedOpen.add(1, typeof e['orgId'] === 'string' ? { 'tokenward.organization': e['orgId'] } : {})
          return
        case 'redis_feed_resynchronised':
          resynchronised.add(1)
          return
        case 'discovery_fetched':
        case 'discovery_fetch_failed': {
          const attributes: Attributes = {
            'tokenward.discovery.result': e.type === 'discovery_fetched' ? 'fetched' : 'failed',
            ...(typeof e['kind'] === 'string' ? { 'error.type': e['kind'] } : {}),
            ...(host === undefined ? {} : { 'server.address': host }),
          }
          discoveryFetches.add(1, attributes)
          if (typeof e['durationMs'] === 'number') discoveryDuration.record(e['durationMs'] / 1000, attributes)
          return
        }
        case 'discovery_stale_served':
          discoveryStale.add(1)
          return
        case 'introspection': {
          // Never the token fingerprint or the subject (a claim value).
          const attributes: Attributes = {
            ...(typeof e['outcome'] === 'string' ? { 'tokenward.introspection.outcome': e['outcome'] } : {}),
            ...(typeof e['authorizationServer'] === 'string' ? { 'tokenward.authorization_server': e['authorizationServer'] } : {}),
            ...(typeof e['status'] === 'number' ? { 'http.response.status_code': e['status'] } : {}),
            ...(host === undefined ? {} : { 'server.address': host }),
          }
          introspections.add(1, attributes)
          if (typeof e['latencyMs'] === 'number') introspectionDuration.record(e['latencyMs'] / 1000, attributes)
          return
        }
        case 'token_request':
          // Never the issued token's jti, its scope or audience.
          tokenRequests.add(1, {
            ...(typeof e['outcome'] === 'string' ? { 'tokenward.outcome': e['outcome'] } : {}),
            ...(typeof e['error'] === 'string' ? { 'error.type': e['error'] } : {}),
            ...(typeof e['method'] === 'string' ? { 'tokenward.client_auth.method': e['method'] } : {}),
            ...(typeof e['orgId'] === 'string' ? { 'tokenward.organization': e['orgId'] } : {}),
            ...(typeof e['clientId'] === 'string' ? { 'tokenward.client_id': e['clientId'] } : {}),
          })
          return
      }
    } catch {
      // Telemetry must never break a request.
    }
  }

  const record = (verdict: RequestVerdict | undefined, orgId: string | undefined, startedMs: number): Attributes => {
    const organization = orgId === undefined ? {} : { 'tokenward.organization': orgId }
    let attributes: Attributes
    if (verdict === undefined) attributes = { 'tokenward.outcome': 'unavailable', 'error.type': 'exception', ...organization }
    else if (verdict.ok) {
      attributes = {
        'tokenward.outcome': 'accepted',
        'tokenward.authorization_server': verdict.token.authorizationServer,
        'tokenward.client_id': verdict.token.clientId,
        ...organization,
      }
    } else {
      attributes = { 'tokenward.outcome': verdict.error.status === 503 ? 'unavailable' : 'rejected', 'error.type': verdict.error.code, ...organization }
    }
    verifications.add(1, attributes)
    if (verdict?.ok === true) cache.add(1, { 'tokenward.cache.result': verdict.token.fromCache ? 'hit' : 'miss', ...organization })
    else if (verdict?.ok === false && verdict.error.code === 'replay_unavailable') replayErrors.add(1, organization)
    const { 'tokenward.authorization_server': _server, 'tokenward.client_id': _client, ...timed } = attributes
    verificationDuration.record((now() - startedMs) / 1000, timed)
    return attributes
  }

  return {
    onEvent,
    instrument(verifier) {
      const original = verifier.verifyRequest.bind(verifier) as (request: unknown, target?: unknown) => Promise<RequestVerdict>
      const measured = async (request: unknown, target?: unknown): Promise<RequestVerdict> => {
        const orgId = typeof (target as { orgId?: unknown } | undefined)?.orgId === 'string' ? (target as { orgId: string }).orgId : undefined
        const startedMs = now()
        const run = async (): Promise<{ verdict: RequestVerdict | undefined; error: unknown; attributes: Attributes }> => {
          try {
            const verdict = await original(request, target)
            return { verdict, error: undefined, attributes: record(verdict, orgId, startedMs) }
          } catch (error) {
            return { verdict: undefined, error, attributes: record(undefined, orgId, startedMs) }
          }
        }
        if (tracer === undefined) {
          const r = await run()
          if (r.verdict === undefined) throw r.error
          return r.verdict
        }
        return tracer.startActiveSpan('tokenward.verify', { kind: SpanKind.INTERNAL }, async (span) => {
          const r = await run()
          span.setAttributes(r.attributes)
          if (r.verdict !== undefined) span.setAttribute('tokenward.stage', r.verdict.ok ? 'authorize' : r.verdict.error.stage)
          if (r.attributes['tokenward.outcome'] === 'unavailable') span.setStatus({ code: SpanStatusCode.ERROR, message: String(r.attributes['error.type']) })
          span.end()
          if (r.verdict === undefined) throw r.error
          return r.verdict
        })
      }
      return new Proxy(verifier, {
        get(target, property, receiver) {
          return property === 'verifyRequest' ? measured : Reflect.get(target, property, receiver)
        },
      })
    },
  }
}

/** The host of a URL, or `undefined`: never its path or query, which may carry secrets. */
function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname
  } catch {
    return undefined
  }
}
