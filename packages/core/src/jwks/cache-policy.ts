/**
 * How long a fetched JWK Set stays fresh, from the response's `Cache-Control` and `Age` headers.
 *
 * @module
 */
import type { ResponseHeaders } from '../platform/types.ts'

/** Bounds and fallback for JWK Set freshness, in seconds. */
export interface FreshnessPolicy {
  /** Never refetch more often than this, whatever the server says. Default 60. */
  readonly minMaxAgeSeconds?: number
  /** Never keep keys longer than this without refetching. Default 86400 (one day). */
  readonly maxMaxAgeSeconds?: number
  /** Used when the response carries no `max-age`. Default 600 (ten minutes). */
  readonly defaultMaxAgeSeconds?: number
}

/** Where {@link Freshness.maxAgeSeconds} came from. */
export type FreshnessSource = 'max-age' | 'no-cache' | 'invalid' | 'default'

/** How long a response may be used, already clamped into the policy's bounds. */
export interface Freshness {
  readonly maxAgeSeconds: number
  readonly source: FreshnessSource
}

/**
 * The policy used when a field is not given: refetch at most every minute, at least once a day,
 * every ten minutes when the server does not say.
 *
 * @example
 * ```ts
 * freshnessFromHeaders(headers, { ...defaultFreshnessPolicy, maxMaxAgeSeconds: 3600 })
 * ```
 */
export const defaultFreshnessPolicy: Required<FreshnessPolicy> = {
  minMaxAgeSeconds: 60,
  maxMaxAgeSeconds: 86_400,
  defaultMaxAgeSeconds: 600,
}

const secondsValue = /^(?:\d+|"\d+")$/

/**
 * Freshness lifetime of a JWK Set response, clamped into
 * `[minMaxAgeSeconds, maxMaxAgeSeconds]`.
 *
 * - `Cache-Control: max-age=N` (token or quoted form) gives `N`, minus the `Age` header when a
 *   cache in between already held the response (RFC 9111 §4.2.3).
 * - `no-store` or `no-cache` gives the minimum.
 * - A `max-age` that is present but unreadable, or given twice, gives the minimum (RFC 9111
 *   §4.2.1 lets a cache treat such a response as stale).
 * - No `max-age` at all gives `defaultMaxAgeSeconds`. `s-maxage` and `Expires` are ignored.
 *
 * @example
 * ```ts
 * freshnessFromHeaders(new Headers({ 'cache-control': 'public, max-age=3600' }))
 * // { maxAgeSeconds: 3600, source: 'max-age' }
 * freshnessFromHeaders(new Headers({ 'cache-control': 'no-store' }))
 * // { maxAgeSeconds: 60, source: 'no-cache' }
 * freshnessFromHeaders(new Headers(), { defaultMaxAgeSeconds: 300 })
 * // { maxAgeSeconds: 300, source: 'default' }
 * ```
 */
export function freshnessFromHeaders(headers: ResponseHeaders, policy: FreshnessPolicy = {}): Freshness {
  const min = policy.minMaxAgeSeconds ?? defaultFreshnessPolicy.minMaxAgeSeconds
  const max = Math.max(min, policy.maxMaxAgeSeconds ?? defaultFreshnessPolicy.maxMaxAgeSeconds)
  const clamp = (seconds: number): number => Math.min(max, Math.max(min, seconds))

  const directives = (headers.get('cache-control') ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')

  let noCache = false
  let invalid = false
  let maxAge: number | undefined
  for (const directive of directives) {
    const eq = directive.indexOf('=')
    const name = (eq === -1 ? directive : directive.slice(0, eq)).trim().toLowerCase()
    if (name === 'no-store' || name === 'no-cache') noCache = true
    if (name !== 'max-age') continue
    const raw = eq === -1 ? '' : directive.slice(eq + 1).trim()
    if (!secondsValue.test(raw) || maxAge !== undefined) {
      invalid = true
      continue
    }
    maxAge = Number(raw.replaceAll('"', ''))
  }

  if (noCache) return { maxAgeSeconds: min, source: 'no-cache' }
  if (invalid) return { maxAgeSeconds: min, source: 'invalid' }
  if (maxAge === undefined) return { maxAgeSeconds: clamp(policy.defaultMaxAgeSeconds ?? defaultFreshnessPolicy.defaultMaxAgeSeconds), source: 'default' }

  const ageHeader = headers.get('age')?.trim()
  const age = ageHeader !== undefined && /^\d+$/.test(ageHeader) ? Number(ageHeader) : 0
  return { maxAgeSeconds: clamp(maxAge - age), source: 'max-age' }
}
