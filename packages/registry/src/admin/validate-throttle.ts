/**
 * The per-organization throttle of "Validate": a token bucket per organization, so one tenant's
 * button-mashing (or script) cannot make the service fetch without bound, nor slow other tenants.
 *
 * @module
 */

/**
 * How often an organization may run "Validate": up to `burst` calls at once, then one more every
 * `refillSeconds`.
 *
 * @example
 * ```ts
 * const rule: ValidateThrottleOptions = { burst: 10, refillSeconds: 6 } // 10 at once, then 10 a minute
 * ```
 */
export interface ValidateThrottleOptions {
  /** Calls allowed at once (the bucket's size). Default 10. */
  readonly burst?: number | undefined
  /** Seconds until one more call is allowed. Default 6. */
  readonly refillSeconds?: number | undefined
}

/**
 * {@link ValidateThrottleOptions} with the defaults filled in.
 *
 * @example
 * ```ts
 * const rule: ThrottleRule = { burst: 10, refillSeconds: 6 }
 * ```
 */
export interface ThrottleRule {
  readonly burst: number
  readonly refillSeconds: number
}

/** One organization's bucket: how many calls are left, as of when. */
export interface TokenBucket {
  readonly tokens: number
  readonly atMs: number
}

/** The answer of {@link takeToken}. */
export type TokenDecision =
  | { readonly allowed: true; readonly bucket: TokenBucket }
  | { readonly allowed: false; readonly bucket: TokenBucket; readonly retryAfterSeconds: number }

/**
 * Takes one call from a bucket (a fresh organization starts full). Pure: time is a parameter.
 *
 * @example
 * ```ts
 * const first = takeToken(undefined, Date.now(), { burst: 1, refillSeconds: 6 }) // allowed
 * takeToken(first.bucket, Date.now(), { burst: 1, refillSeconds: 6 }) // { allowed: false, retryAfterSeconds: 6, … }
 * ```
 */
export function takeToken(bucket: TokenBucket | undefined, nowMs: number, rule: ThrottleRule): TokenDecision {
  const elapsed = bucket === undefined ? Infinity : Math.max(0, nowMs - bucket.atMs) / 1000
  const tokens = Math.min(rule.burst, (bucket?.tokens ?? rule.burst) + elapsed / rule.refillSeconds)
  if (tokens >= 1) return { allowed: true, bucket: { tokens: tokens - 1, atMs: nowMs } }
  return { allowed: false, bucket: { tokens, atMs: nowMs }, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) * rule.refillSeconds)) }
}

/** A set of buckets, one per organization. */
export interface ValidateThrottle {
  /** Takes one call for `orgId`: `undefined` when allowed, else the seconds to wait. */
  take(orgId: string, nowMs: number): number | undefined
}

/**
 * Builds the per-organization throttle. Buckets live in memory (per process); once more than
 * `maxOrganizations` are tracked, the ones that have refilled completely are forgotten (they
 * would start full anyway).
 *
 * @example
 * ```ts
 * const throttle = createValidateThrottle({ burst: 10, refillSeconds: 6 })
 * throttle.take('acme', Date.now()) // undefined: go ahead
 * ```
 */
export function createValidateThrottle(rule: ThrottleRule, maxOrganizations = 10_000): ValidateThrottle {
  const buckets = new Map<string, TokenBucket>()
  return {
    take(orgId, nowMs) {
      const decision = takeToken(buckets.get(orgId), nowMs, rule)
      buckets.set(orgId, decision.bucket)
      if (buckets.size > maxOrganizations) {
        for (const [id, bucket] of buckets) {
          if (bucket.tokens + (nowMs - bucket.atMs) / 1000 / rule.refillSeconds >= rule.burst) buckets.delete(id)
        }
      }
      return decision.allowed ? undefined : decision.retryAfterSeconds
    },
  }
}
