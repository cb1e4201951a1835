/**
 * A throttle on failed client authentication at the token endpoint: after `maxFailures` failures
 * for one client ID within `windowSeconds`, that client ID is refused for `lockoutSeconds` without
 * any key or secret check (so guessing a secret costs the issuer nothing). Time is a parameter;
 * memory is bounded by `maxTrackedClients`.
 *
 * @module
 */
import type { ConfigIssue } from '@tokenward/core'

/**
 * Settings of the failed-authentication throttle ({@link IssuerOptions.failedAuthenticationThrottle}).
 *
 * @example
 * ```ts
 * const throttle: FailedAuthenticationThrottleOptions = { maxFailures: 10, windowSeconds: 60, lockoutSeconds: 300 }
 * ```
 */
export interface FailedAuthenticationThrottleOptions {
  /** Failures within the window that lock the client ID. Default 10. */
  readonly maxFailures?: number | undefined
  /** The window failures are counted in. Default 60 s. */
  readonly windowSeconds?: number | undefined
  /** How long a locked client ID is refused. Default 300 s. */
  readonly lockoutSeconds?: number | undefined
  /** Client IDs tracked at most (unknown IDs included); the oldest are forgotten first. Default 10000. */
  readonly maxTrackedClients?: number | undefined
}

interface Standing {
  failures: number[]
  lockedUntil: number
}

/** The throttle's state and rules (module-internal to the issuer). */
export interface AuthThrottle {
  /** Seconds until `clientId` may try again, or `undefined` when it may now. */
  lockedFor(clientId: string, now: number): number | undefined
  recordFailure(clientId: string, now: number): void
  recordSuccess(clientId: string): void
}

/** Every problem with the throttle options, by path. */
export function checkThrottleOptions(input: unknown, path: string): ConfigIssue[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return [{ path, message: 'must be an object or false' }]
  const issues: ConfigIssue[] = []
  const o = input as Record<string, unknown>
  const known = ['maxFailures', 'windowSeconds', 'lockoutSeconds', 'maxTrackedClients']
  for (const key of Object.keys(o)) if (!known.includes(key)) issues.push({ path: `${path}.${key}`, message: `is not a member (members: ${known.join(', ')})` })
  const int = (name: string, min: number, max: number): void => {
    const v = o[name]
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)) issues.push({ path: `${path}.${name}`, message: `must be an integer from ${min} to ${max}` })
  }
  int('maxFailures', 1, 1000)
  int('windowSeconds', 1, 86_400)
  int('lockoutSeconds', 1, 86_400)
  int('maxTrackedClients', 1, 10_000_000)
  return issues
}

/** Builds the throttle from checked options. */
export function createAuthThrottle(options: FailedAuthenticationThrottleOptions): AuthThrottle {
  const maxFailures = options.maxFailures ?? 10
  const windowMs = (options.windowSeconds ?? 60) * 1000
  const lockoutMs = (options.lockoutSeconds ?? 300) * 1000
  const maxTracked = options.maxTrackedClients ?? 10_000
  const standings = new Map<string, Standing>()
  return {
    lockedFor(clientId, now) {
      const s = standings.get(clientId)
      return s !== undefined && s.lockedUntil > now ? Math.ceil((s.lockedUntil - now) / 1000) : undefined
    },
    recordFailure(clientId, now) {
      let s = standings.get(clientId)
      if (s === undefined) {
        if (standings.size >= maxTracked) standings.delete(standings.keys().next().value!)
        s = { failures: [], lockedUntil: 0 }
      } else standings.delete(clientId) // re-inserted below: the map stays in order of last failure
      standings.set(clientId, s)
      s.failures = s.failures.filter((at) => at > now - windowMs)
      s.failures.push(now)
      if (s.failures.length >= maxFailures) {
        s.lockedUntil = now + lockoutMs
        s.failures = []
      }
    },
    recordSuccess(clientId) {
      standings.delete(clientId)
    },
  }
}
