/**
 * The port that counts API calls per organization and window, and an in-memory implementation
 * for one process (a shared store such as Redis implements the same port for a cluster).
 *
 * @module
 */
import { ConfigError } from '../errors.ts'

/**
 * Counts calls per organization and fixed window. `increment` must be atomic: concurrent calls in
 * one window get distinct counts.
 *
 * @example
 * ```ts
 * const redisCounter: ApiCallCounter = {
 *   async increment(orgId, windowStart) {
 *     const key = `calls:${orgId}:${windowStart}`
 *     const n = await redis.incr(key)
 *     if (n === 1) await redis.expire(key, 2 * 3600)
 *     return n
 *   },
 * }
 * ```
 */
export interface ApiCallCounter {
  /** Adds one call to `orgId`'s window starting at `windowStart` and returns the window's count including it. */
  increment(orgId: string, windowStart: number): Promise<number>
}

/**
 * Options of {@link createInMemoryApiCallCounter}.
 *
 * @example
 * ```ts
 * const counter = createInMemoryApiCallCounter({ maxOrganizations: 10_000 })
 * ```
 */
export interface InMemoryApiCallCounterOptions {
  /** Organizations tracked at once; beyond it the one whose window started longest ago is dropped. Default 100000. */
  readonly maxOrganizations?: number
}

/**
 * An in-memory {@link ApiCallCounter} for one process. It keeps only each organization's current
 * window (a newer window replaces the old one; a call stamped with an older window counts toward
 * the current one) and at most `maxOrganizations` organizations, so memory stays bounded (dropping an organization
 * restarts its count, so size it above the number of organizations active in one window).
 * Throws {@link ConfigError} for an invalid option.
 *
 * @example
 * ```ts
 * const counter = createInMemoryApiCallCounter()
 * await counter.increment('12345', windowStart(now, 60)) // 1
 * await counter.increment('12345', windowStart(now, 60)) // 2
 * ```
 */
export function createInMemoryApiCallCounter(options: InMemoryApiCallCounterOptions = {}): ApiCallCounter {
  const maxOrganizations = options.maxOrganizations ?? 100_000
  if (!Number.isSafeInteger(maxOrganizations) || maxOrganizations < 1) {
    throw new ConfigError([{ path: 'maxOrganizations', message: 'must be a positive integer' }])
  }
  /** orgId → its current window; Map order is the order the windows started in. */
  const windows = new Map<string, { start: number; count: number }>()
  return {
    increment(orgId, start) {
      const current = windows.get(orgId)
      if (current !== undefined && start <= current.start) {
        current.count += 1
        return Promise.resolve(current.count)
      }
      windows.delete(orgId)
      while (windows.size >= maxOrganizations) {
        const oldest = windows.keys().next()
        if (oldest.done === true) break
        windows.delete(oldest.value)
      }
      windows.set(orgId, { start, count: 1 })
      return Promise.resolve(1)
    },
  }
}
