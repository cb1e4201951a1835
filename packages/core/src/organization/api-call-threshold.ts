/**
 * The API-call threshold: how many calls an organization may make per fixed time window. Pure
 * decisions; the counting itself is behind the `ApiCallCounter` port. When a call crosses
 * the threshold, the caller applies {@link apiCallThresholdSuspension} with `systemActor`.
 *
 * @module
 */
import { ConfigError, type ConfigIssue } from '../errors.ts'
import type { SuspendCommand } from './organization-command.ts'

/**
 * At most `maxCalls` calls per fixed window of `windowSeconds` (windows start at multiples of
 * `windowSeconds` since the epoch).
 *
 * @example
 * ```ts
 * const threshold: ApiCallThreshold = { maxCalls: 10_000, windowSeconds: 3600 }
 * ```
 */
export interface ApiCallThreshold {
  readonly maxCalls: number
  readonly windowSeconds: number
}

/**
 * The outcome of {@link decideApiCall}.
 *
 * @example
 * ```ts
 * const { allowed, crossed }: ApiCallDecision = decideApiCall(count, threshold)
 * if (!allowed) return new Response('Too many calls', { status: 429 })
 * ```
 */
export interface ApiCallDecision {
  /** False once the count is over the limit (and for an unusable threshold: fails closed). */
  readonly allowed: boolean
  /** True exactly for the first call over the limit in a window: the moment to suspend. */
  readonly crossed: boolean
}

/**
 * Builds a threshold, throwing {@link ConfigError} when `maxCalls` is not a non-negative integer
 * or `windowSeconds` not a positive integer.
 *
 * @example
 * ```ts
 * const threshold = defineApiCallThreshold({ maxCalls: 10_000, windowSeconds: 3600 })
 * ```
 */
export function defineApiCallThreshold(input: ApiCallThreshold): ApiCallThreshold {
  const issues: ConfigIssue[] = []
  if (!Number.isSafeInteger(input.maxCalls) || input.maxCalls < 0) issues.push({ path: 'maxCalls', message: 'must be a non-negative integer' })
  if (!Number.isSafeInteger(input.windowSeconds) || input.windowSeconds <= 0) issues.push({ path: 'windowSeconds', message: 'must be a positive integer' })
  if (issues.length > 0) throw new ConfigError(issues)
  return { maxCalls: input.maxCalls, windowSeconds: input.windowSeconds }
}

/**
 * The start of the fixed window holding `now` (both in seconds since the epoch).
 *
 * @example
 * ```ts
 * windowStart(1_700_000_123, 3600) // 1_699_999_200
 * ```
 */
export function windowStart(now: number, windowSeconds: number): number {
  return Math.floor(now / windowSeconds) * windowSeconds
}

/**
 * Decides a call from the window's count including this call. With an atomic counter exactly one
 * call per window sees `maxCalls + 1`, so exactly one caller suspends the organization.
 *
 * @example
 * ```ts
 * decideApiCall(10, { maxCalls: 10, windowSeconds: 60 }) // { allowed: true, crossed: false }
 * decideApiCall(11, { maxCalls: 10, windowSeconds: 60 }) // { allowed: false, crossed: true }
 * decideApiCall(12, { maxCalls: 10, windowSeconds: 60 }) // { allowed: false, crossed: false }
 * ```
 */
export function decideApiCall(countAfterIncrement: number, threshold: ApiCallThreshold): ApiCallDecision {
  return {
    allowed: countAfterIncrement <= threshold.maxCalls,
    crossed: countAfterIncrement === threshold.maxCalls + 1,
  }
}

/**
 * The command to apply (with `systemActor`) when {@link decideApiCall} reports `crossed`.
 *
 * @example
 * ```ts
 * const count = await counter.increment(org.orgId, windowStart(now, threshold.windowSeconds))
 * const decision = decideApiCall(count, threshold)
 * if (decision.crossed) applyCommand(org, apiCallThresholdSuspension, systemActor, now)
 * ```
 */
export const apiCallThresholdSuspension: SuspendCommand = Object.freeze({ type: 'suspend', reason: 'api_call_threshold_exceeded' })
