/**
 * When to try the token endpoint again: the answers worth retrying, `Retry-After` read as RFC
 * 9110 §10.2.3 writes it, and a bounded, jittered exponential backoff. Pure: time and randomness
 * are parameters.
 *
 * @module
 */

/**
 * The backoff settings of a token client.
 *
 * @example
 * ```ts
 * const retry: RetryPolicy = { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 5000, maxRetryAfterSeconds: 30 }
 * ```
 */
export interface RetryPolicy {
  /** Attempts per token request, the first included (1 = no retry). */
  readonly maxAttempts: number
  /** The first backoff step; each retry doubles it. */
  readonly baseDelayMs: number
  /** No backoff step is longer than this. */
  readonly maxDelayMs: number
  /** A `Retry-After` longer than this is not waited for: the request fails at once instead. */
  readonly maxRetryAfterSeconds: number
}

/**
 * The default backoff: 3 attempts, 200 ms doubling up to 5 s (with full jitter over the upper
 * half), and `Retry-After` honoured up to 30 s.
 *
 * @example
 * ```ts
 * createTokenClient({ ...options, retry: { ...defaultRetryPolicy, maxAttempts: 5 } })
 * ```
 */
export const defaultRetryPolicy: RetryPolicy = Object.freeze({ maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 5000, maxRetryAfterSeconds: 30 })

/**
 * True for the statuses that mean "try again later": 429 and every 5xx.
 *
 * @example
 * ```ts
 * isRetryableStatus(503) // true
 * isRetryableStatus(401) // false
 * ```
 */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599)
}

/**
 * A `Retry-After` value in seconds from `now` (ms since the epoch): delay-seconds or an HTTP-date;
 * `undefined` when absent or unreadable. A date in the past is 0.
 *
 * @example
 * ```ts
 * parseRetryAfter('7', Date.now()) // 7
 * parseRetryAfter('Sun, 06 Dec 2026 03:00:10 GMT', Date.parse('2026-12-06T03:00:00Z')) // 10
 * ```
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined
  const text = value.trim()
  if (/^\d{1,10}$/.test(text)) return Number(text)
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text)) return undefined
  const at = Date.parse(text)
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000))
}

/**
 * How long to wait before attempt `attempt + 1` (attempt counts from 1), or `undefined` when no
 * further attempt should be made: attempts exhausted, or the server asked for a longer wait than
 * `maxRetryAfterSeconds`. A `Retry-After` within bounds is honoured exactly; otherwise the wait is
 * `min(maxDelayMs, baseDelayMs · 2^(attempt-1))`, jittered into its upper half by `random` ∈ [0, 1).
 *
 * @example
 * ```ts
 * nextRetryDelayMs(defaultRetryPolicy, 1, undefined, () => 0.5) // 150
 * nextRetryDelayMs(defaultRetryPolicy, 1, 2, Math.random) // 2000
 * nextRetryDelayMs(defaultRetryPolicy, 3, undefined, Math.random) // undefined
 * ```
 */
export function nextRetryDelayMs(policy: RetryPolicy, attempt: number, retryAfterSeconds: number | undefined, random: () => number): number | undefined {
  if (attempt >= policy.maxAttempts) return undefined
  if (retryAfterSeconds !== undefined) return retryAfterSeconds > policy.maxRetryAfterSeconds ? undefined : retryAfterSeconds * 1000
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1))
  const r = Math.min(Math.max(random(), 0), 1)
  return Math.round(step / 2 + (step / 2) * r)
}
