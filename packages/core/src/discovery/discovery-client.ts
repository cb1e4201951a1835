/**
 * The discovery client: fetches an issuer's metadata on demand and caches it like the key set
 * does — freshness from `Cache-Control` within bounds, one fetch in flight, a cooldown after a
 * failure, the last good document served (within a ceiling) while the server fails, and events.
 *
 * @module
 */
import { ConfigError, type ConfigIssue } from '../errors.ts'
import { freshnessFromHeaders } from '../jwks/cache-policy.ts'
import type { AddressPolicy } from '../network/address-policy.ts'
import { type HttpFailureKind, type HttpGet, HttpGetFailure, type TrustMode } from '../platform/types.ts'
import { type DiscoveredMetadata, discoveryUrls, type MetadataProblem, parseAuthorizationServerMetadata } from './metadata.ts'

/**
 * Why discovery failed: the HTTP layer's kind, a non-200 answer, or a document that was not used.
 *
 * @example
 * ```ts
 * if (error instanceof DiscoveryError && error.kind === 'issuer_mismatch') alertOperator()
 * ```
 */
export type DiscoveryFailureKind = HttpFailureKind | 'http_status' | MetadataProblem

/**
 * Metadata was fetched and is now used.
 *
 * @example
 * ```ts
 * onEvent: (e) => { if (e.type === 'discovery_fetched') metrics.gauge('discovery_max_age', e.maxAgeSeconds) }
 * ```
 */
export interface DiscoveryFetchedEvent {
  readonly type: 'discovery_fetched'
  readonly issuer: string
  readonly url: string
  readonly durationMs: number
  /** Freshness lifetime applied, after clamping. */
  readonly maxAgeSeconds: number
}

/**
 * A fetch (of every candidate URL) failed.
 *
 * @example
 * ```ts
 * onEvent: (e) => { if (e.type === 'discovery_fetch_failed') log.warn(`${e.url}: ${e.kind} ${e.message}`) }
 * ```
 */
export interface DiscoveryFetchFailedEvent {
  readonly type: 'discovery_fetch_failed'
  readonly issuer: string
  readonly url: string
  readonly kind: DiscoveryFailureKind
  readonly message: string
  readonly durationMs: number
}

/**
 * The last good metadata is served past its lifetime because fetching failed.
 *
 * @example
 * ```ts
 * onEvent: (e) => { if (e.type === 'discovery_stale_served') log.warn(`metadata ${e.staleSeconds} s past its lifetime`) }
 * ```
 */
export interface DiscoveryStaleServedEvent {
  readonly type: 'discovery_stale_served'
  readonly issuer: string
  /** How long past its lifetime the document is, in seconds. */
  readonly staleSeconds: number
}

/**
 * What a discovery client reports. Events carry URLs and reasons, never documents or secrets.
 *
 * @example
 * ```ts
 * createDiscoveryClient({ issuer, discovery: true, httpGet, onEvent: (e: DiscoveryEvent) => log.info(e.type, e) })
 * ```
 */
export type DiscoveryEvent = DiscoveryFetchedEvent | DiscoveryFetchFailedEvent | DiscoveryStaleServedEvent

/**
 * Discovery could not produce usable metadata and no earlier document is recent enough to use.
 * The consumer decides what it means (for a verifier, an outage: 503 with `Retry-After`).
 *
 * @example
 * ```ts
 * try { await discovery.metadata() } catch (e) { if (e instanceof DiscoveryError) console.warn(e.kind, e.retryAfterSeconds) }
 * ```
 */
export class DiscoveryError extends Error {
  readonly _tag = 'DiscoveryError' as const
  readonly code = 'discovery_failed' as const
  constructor(
    readonly kind: DiscoveryFailureKind,
    message: string,
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
  override get name(): string {
    return 'DiscoveryError'
  }
}

/**
 * Options of {@link createDiscoveryClient}.
 *
 * @example
 * ```ts
 * const options: DiscoveryClientOptions = { issuer: 'https://as.example', discovery: true, httpGet: platformHttpGet(), maxStaleSeconds: 3600 }
 * ```
 */
export interface DiscoveryClientOptions {
  /** The configured issuer; the document's `issuer` must equal it exactly. */
  readonly issuer: string
  /** `true` (RFC 8414, then OpenID Connect locations) or the metadata URL. */
  readonly discovery: true | string
  /** The HTTP seam (`platform.httpGet()`). */
  readonly httpGet: HttpGet
  /** Milliseconds since the epoch. Default `Date.now`. */
  readonly clock?: { readonly now: () => number } | undefined
  /** Per-request timeout. Default 5000 ms. */
  readonly timeoutMs?: number | undefined
  /** Largest accepted document. Default 256 KiB. */
  readonly maxBytes?: number | undefined
  readonly certificateValidation?: boolean | undefined
  readonly trustedCertificates?: readonly string[] | undefined
  readonly trustMode?: TrustMode | undefined
  readonly proxy?: URL | undefined
  readonly addressPolicy?: AddressPolicy | undefined
  /** Never refetch more often than this, whatever `Cache-Control` says. Default 60 s. */
  readonly minMaxAgeSeconds?: number | undefined
  /** Never keep a document longer than this without refetching. Default 86400 s. */
  readonly maxMaxAgeSeconds?: number | undefined
  /** Used when the response carries no `max-age`. Default 3600 s. */
  readonly defaultMaxAgeSeconds?: number | undefined
  /** After a failed fetch, wait this long before the next attempt. Default 5 s. */
  readonly failureCooldownSeconds?: number | undefined
  /** How long past its lifetime the last good document may be served while fetches fail. Default 86400 s. */
  readonly maxStaleSeconds?: number | undefined
  /** Receives {@link DiscoveryEvent}s. A callback that throws is ignored. */
  readonly onEvent?: ((event: DiscoveryEvent) => void) | undefined
}

/**
 * A discovery client: the current metadata of one issuer.
 *
 * @example
 * ```ts
 * const { jwksUri } = await discoveryClient.metadata()
 * ```
 */
export interface DiscoveryClient {
  /** The metadata, cached; rejects with {@link DiscoveryError} only when nothing usable is held. */
  metadata(): Promise<DiscoveredMetadata>
  /**
   * The cached metadata while it is within its lifetime, without waiting; `undefined` when
   * {@link DiscoveryClient.metadata} must run (nothing held yet, or the document is due).
   */
  fresh(): DiscoveredMetadata | undefined
}

/**
 * The defaults of {@link createDiscoveryClient}: 5 s timeout, 256 KiB, freshness clamped into
 * [60 s, 1 day] with 1 hour when the server does not say, 5 s between failed attempts, a stale
 * document served for at most a day past its lifetime.
 *
 * @example
 * ```ts
 * createDiscoveryClient({ issuer, discovery: true, httpGet, maxStaleSeconds: discoveryClientDefaults.maxStaleSeconds * 2 })
 * ```
 */
export const discoveryClientDefaults = {
  timeoutMs: 5000,
  maxBytes: 256 * 1024,
  minMaxAgeSeconds: 60,
  maxMaxAgeSeconds: 86_400,
  defaultMaxAgeSeconds: 3600,
  failureCooldownSeconds: 5,
  maxStaleSeconds: 86_400,
} as const

interface Held {
  readonly metadata: DiscoveredMetadata
  readonly expiresAt: number
}

interface Attempt {
  readonly metadata?: DiscoveredMetadata
  readonly maxAgeSeconds?: number
  readonly failure?: { readonly kind: DiscoveryFailureKind; readonly message: string; readonly url: string; readonly cause?: unknown }
}

const absoluteHttpUrl = (value: unknown): boolean => {
  if (typeof value !== 'string' || !URL.canParse(value)) return false
  const url = new URL(value)
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '' && url.password === '' && url.hash === ''
}

/**
 * Every problem with a discovery client's options, by path (`issuer`, `discovery`, durations and
 * sizes). Empty when they are fine.
 *
 * @example
 * ```ts
 * checkDiscoveryClientOptions({ issuer: 'as.example', discovery: true, httpGet }) // [{ path: 'issuer', message: '…' }]
 * ```
 */
export function checkDiscoveryClientOptions(options: DiscoveryClientOptions): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  if (!absoluteHttpUrl(options.issuer) || new URL(options.issuer).search !== '') {
    issues.push({ path: 'issuer', message: 'must be an absolute https: (or http:) URL without query or fragment (the issuer identifier)' })
  }
  if (options.discovery !== true && !absoluteHttpUrl(options.discovery)) {
    issues.push({ path: 'discovery', message: 'must be true or the absolute URL of the metadata document' })
  }
  if (typeof options.httpGet !== 'function') issues.push({ path: 'httpGet', message: 'must be an HttpGet function' })
  const positive: readonly (keyof DiscoveryClientOptions)[] = ['timeoutMs', 'maxBytes', 'minMaxAgeSeconds', 'maxMaxAgeSeconds', 'defaultMaxAgeSeconds']
  for (const name of positive) {
    const value = options[name]
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)) issues.push({ path: name, message: 'must be a positive number' })
  }
  for (const name of ['failureCooldownSeconds', 'maxStaleSeconds'] as const) {
    const value = options[name]
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < 0)) issues.push({ path: name, message: 'must be a number ≥ 0' })
  }
  return issues
}

const withoutCredentials = (url: URL): string => {
  const copy = new URL(url)
  copy.username = ''
  copy.password = ''
  return copy.href
}

/**
 * Creates a discovery client for one issuer. The first `metadata()` fetches; later calls use the
 * cached document until its lifetime (from `Cache-Control: max-age`, clamped) ends; concurrent
 * calls share one fetch. With `discovery: true` the RFC 8414 location is tried first and the
 * OpenID Connect one when it answers 4xx or with a document that cannot be used (another
 * issuer, not JSON); a transport failure or 5xx stops there (an outage, not a missing document).
 * When fetching fails, the last good document is served up to `maxStaleSeconds` past its
 * lifetime, and no new attempt is made within `failureCooldownSeconds` of a failure.
 *
 * @example
 * ```ts
 * const discovery = createDiscoveryClient({ issuer: 'https://as.example', discovery: true, httpGet: platform.httpGet() })
 * const { jwksUri, introspectionEndpoint, mtlsEndpointAliases } = await discovery.metadata()
 * ```
 */
export function createDiscoveryClient(options: DiscoveryClientOptions): DiscoveryClient {
  const issues = checkDiscoveryClientOptions(options)
  if (issues.length > 0) throw new ConfigError(issues)
  const urls = discoveryUrls(options.issuer, options.discovery)
  const now = options.clock?.now ?? Date.now
  const settings = { ...discoveryClientDefaults, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) }
  const emit = (event: DiscoveryEvent): void => {
    try {
      options.onEvent?.(event)
    } catch {
      // An observer never changes the outcome.
    }
  }

  let held: Held | undefined
  let inFlight: Promise<DiscoveredMetadata> | undefined
  let lastFailure: { readonly at: number; readonly error: DiscoveryError } | undefined

  const fetchOne = async (url: URL): Promise<Attempt> => {
    const shown = withoutCredentials(url)
    try {
      const response = await options.httpGet({
        url,
        timeoutMs: settings.timeoutMs,
        maxBytes: settings.maxBytes,
        certificateValidation: options.certificateValidation ?? true,
        trustedCertificates: options.trustedCertificates,
        trustMode: options.trustMode,
        proxy: options.proxy,
        addressPolicy: options.addressPolicy,
      })
      if (response.status !== 200) return { failure: { kind: 'http_status', message: `HTTP ${response.status} from ${shown}`, url: shown } }
      const parsed = parseAuthorizationServerMetadata(response.body, options.issuer)
      if (!parsed.ok) return { failure: { kind: parsed.error.problem, message: parsed.error.message, url: shown } }
      const freshness = freshnessFromHeaders(response.headers, settings)
      return { metadata: Object.freeze({ ...parsed.value, source: shown }), maxAgeSeconds: freshness.maxAgeSeconds }
    } catch (cause) {
      const failure = cause instanceof HttpGetFailure ? cause : new HttpGetFailure('network', 'network error: the HTTP client failed', { cause })
      return { failure: { kind: failure.kind, message: failure.message, url: shown, cause } }
    }
  }

  const fetchMetadata = async (): Promise<DiscoveredMetadata> => {
    const started = now()
    const failures: NonNullable<Attempt['failure']>[] = []
    for (const url of urls) {
      const attempt = await fetchOne(url)
      if (attempt.metadata !== undefined) {
        const maxAgeSeconds = attempt.maxAgeSeconds as number
        held = { metadata: attempt.metadata, expiresAt: now() + maxAgeSeconds * 1000 }
        lastFailure = undefined
        emit({ type: 'discovery_fetched', issuer: options.issuer, url: attempt.metadata.source as string, durationMs: now() - started, maxAgeSeconds })
        return attempt.metadata
      }
      const failure = attempt.failure as NonNullable<Attempt['failure']>
      failures.push(failure)
      // Only a missing or unusable document sends us to the next location; an outage stops here.
      const missing = failure.kind === 'issuer_mismatch' || failure.kind === 'invalid_document' || (failure.kind === 'http_status' && /^HTTP 4/.test(failure.message))
      if (!missing) break
    }
    // A document that was found but not usable says more than the 404 of the other location.
    const last = failures.find((f) => f.kind === 'issuer_mismatch' || f.kind === 'invalid_document') ?? (failures.at(-1) as NonNullable<Attempt['failure']>)
    const message = failures.map((f) => f.message).join('; ')
    emit({ type: 'discovery_fetch_failed', issuer: options.issuer, url: last.url, kind: last.kind, message, durationMs: now() - started })
    const error = new DiscoveryError(last.kind, `discovery for ${options.issuer} failed: ${message}`, settings.failureCooldownSeconds, { cause: last.cause })
    lastFailure = { at: now(), error }
    return staleOr(error)
  }

  const staleOr = (error: DiscoveryError): DiscoveredMetadata => {
    const at = now()
    if (held !== undefined && at <= held.expiresAt + settings.maxStaleSeconds * 1000) {
      emit({ type: 'discovery_stale_served', issuer: options.issuer, staleSeconds: Math.max(0, Math.round((at - held.expiresAt) / 1000)) })
      return held.metadata
    }
    throw error
  }

  return {
    fresh: () => (held !== undefined && now() < held.expiresAt ? held.metadata : undefined),
    metadata: async () => {
      const at = now()
      if (held !== undefined && at < held.expiresAt) return held.metadata
      if (inFlight !== undefined) return inFlight
      if (lastFailure !== undefined && at < lastFailure.at + settings.failureCooldownSeconds * 1000) {
        const remaining = Math.max(1, Math.ceil((lastFailure.at + settings.failureCooldownSeconds * 1000 - at) / 1000))
        const cooling = new DiscoveryError(lastFailure.error.kind, lastFailure.error.message, remaining, { cause: lastFailure.error })
        if (held !== undefined && at <= held.expiresAt + settings.maxStaleSeconds * 1000) return held.metadata
        throw cooling
      }
      inFlight = fetchMetadata().finally(() => {
        inFlight = undefined
      })
      return inFlight
    },
  }
}
