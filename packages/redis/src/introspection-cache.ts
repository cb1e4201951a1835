/**
 * Core's shared introspection cache on Redis: one key per answer, expiring with the entry.
 *
 * @module
 */
import type { IntrospectionCache, IntrospectionCacheEntry } from '@tokenward/core'
import { messageOf, type RedisConnection } from './connection.ts'
import { checkStoreOptions } from './store-options.ts'

/**
 * Options of {@link createRedisIntrospectionCache}.
 *
 * @example
 * ```ts
 * const options: RedisIntrospectionCacheOptions = { connection, keyPrefix: 'orders-api' }
 * ```
 */
export interface RedisIntrospectionCacheOptions {
  /** The connection (shared with the other Redis stores). */
  readonly connection: RedisConnection
  /** Prefix of every key. Default `tokenward`. */
  readonly keyPrefix?: string | undefined
}

/**
 * Creates core's `IntrospectionCache` on Redis: pass it as `introspectionCache` to
 * `createVerifier` and a token introspected by one instance is answered from Redis by the others.
 * Each entry is one key `<prefix>:introspection:{<digest>}` (the digest core computes; never the
 * token), `SET … PX` with the entry's own remaining lifetime.
 *
 * **Bypassed when Redis is unreachable**: `get` and `set` reject (reporting `redis_error`) and the
 * verifier asks the authorization server instead; no request fails because of the cache. A down
 * Redis adds at most the command timeout to a local miss.
 *
 * @example
 * ```ts
 * const verifier = createVerifier({ server, organization, introspectionCache: createRedisIntrospectionCache({ connection }) })
 * ```
 */
export function createRedisIntrospectionCache(options: RedisIntrospectionCacheOptions): IntrospectionCache {
  const { redis, keys } = checkStoreOptions(options)
  const keyOf = (digest: string): string => {
    // Core hands SHA-256 hex digests; anything else is refused rather than put in a key.
    if (!/^[0-9a-f]{64}$/.test(digest)) throw new RangeError('An introspection cache key must be a SHA-256 hex digest')
    return keys.introspection(digest)
  }
  const reported = async <T>(operation: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call()
    } catch (e) {
      redis.report({ type: 'redis_error', operation, message: messageOf(e) })
      throw e
    }
  }
  return {
    async get(digest) {
      const text = await reported('introspection cache get', () => redis.command(['GET', keyOf(digest)]))
      if (text === null || text === undefined) return undefined
      return JSON.parse(String(text)) as IntrospectionCacheEntry
    },
    async set(digest, entry) {
      const ttlMs = Math.floor(entry.expiresAtMs - Date.now())
      if (!(ttlMs > 0)) return
      await reported('introspection cache set', () => redis.command(['SET', keyOf(digest), JSON.stringify(entry), 'PX', String(ttlMs)]))
    },
  }
}
