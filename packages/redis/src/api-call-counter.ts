/**
 * The API-call counter on Redis: one counter per organization and window, shared by the fleet.
 *
 * @module
 */
import type { ConfigIssue } from '@tokenward/core'
import type { ApiCallCounter } from '@tokenward/core/organization'
import { RegistryConfigError, assertStorableOrgId } from '@tokenward/registry'
import { messageOf, type RedisConnection } from './connection.ts'
import { defaultKeyPrefix, keyPrefixIssues, keysOf } from './keys.ts'

/** Options of {@link createRedisApiCallCounter}. */
export interface RedisApiCallCounterOptions {
  /** The connection (shared with the other Redis stores). */
  readonly connection: RedisConnection
  /** Prefix of every key. Default `tokenward`. */
  readonly keyPrefix?: string | undefined
  /**
   * Each window's counter expires this many seconds after its first call; must be at least the
   * threshold's `windowSeconds`. Default 86 400 (one day).
   */
  readonly expireSeconds?: number | undefined
}

// KEYS[1] the window's counter; ARGV[1] expiry (s). Increment and expiry in one step: a counter
// never outlives its window for want of an EXPIRE after a crash.
const incrementScript = `
local n = redis.call('INCRBY', KEYS[1], 1)
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
`

/**
 * Creates an {@link ApiCallCounter} on Redis: every instance adds to the same counter, so an
 * organization's threshold holds for the whole fleet, and exactly one call across the fleet sees
 * the count that crosses it (`INCRBY` is atomic), so the threshold suspension happens once.
 *
 * Fails **open**: when Redis cannot answer, `increment` resolves to `0` (the call is allowed and
 * nothing is crossed) and a `redis_counter_failed_open` event is reported, so an outage of the
 * counter never refuses paying customers. One round trip per authorized call.
 *
 * @example
 * ```ts
 * const apiCallCounter = createRedisApiCallCounter({ connection, expireSeconds: 7200 })
 * const registry = createRegistryVerifier({ store, apiCallCounter, apiCallThreshold: { maxCalls: 10_000, windowSeconds: 3600 } })
 * ```
 */
export function createRedisApiCallCounter(options: RedisApiCallCounterOptions): ApiCallCounter {
  const prefix = options.keyPrefix ?? defaultKeyPrefix
  const expireSeconds = options.expireSeconds ?? 86_400
  const issues: ConfigIssue[] = keyPrefixIssues(prefix)
  if (!(Number.isSafeInteger(expireSeconds) && expireSeconds >= 1)) issues.push({ path: 'expireSeconds', message: 'must be a positive integer' })
  if (options.connection === undefined || typeof options.connection.script !== 'function') {
    issues.push({ path: 'connection', message: 'must be a RedisConnection (createRedisConnection)' })
  }
  if (issues.length > 0) throw new RegistryConfigError(issues)
  const redis = options.connection
  const keys = keysOf(prefix)
  return {
    async increment(orgId, windowStart) {
      assertStorableOrgId(orgId)
      try {
        return Number(await redis.script(incrementScript, [keys.apiCalls(orgId, windowStart)], [String(expireSeconds)]))
      } catch (e) {
        redis.report({ type: 'redis_counter_failed_open', orgId, message: messageOf(e) })
        return 0
      }
    },
  }
}
