/**
 * Replay stores on Redis: core's {@link ReplayStore} (DPoP proof `jti`s) and the issuer's
 * {@link ClientAssertionReplayStore} (client-assertion `jti`s), each one `SET key 1 NX PX ttl`.
 *
 * @module
 */
import type { ReplayStore, ReplayVerdict } from '@tokenward/core'
import type { ReplayStore as ClientAssertionReplayStore } from '@tokenward/issuer'
import { createHash } from 'node:crypto'
import { storeCommand, type RedisConnection } from './connection.ts'
import { checkStoreOptions } from './store-options.ts'

/**
 * Options of {@link createRedisReplayStore} and {@link createRedisClientAssertionReplayStore}.
 *
 * @example
 * ```ts
 * const options: RedisReplayStoreOptions = { connection, keyPrefix: 'orders-api' }
 * ```
 */
export interface RedisReplayStoreOptions {
  /** The connection (shared with the other Redis stores). */
  readonly connection: RedisConnection
  /** Prefix of every key. Default `tokenward`. */
  readonly keyPrefix?: string | undefined
}

/** SHA-256 of the value, base64url: fixed length, no braces (the hash tag stays intact), no raw `jti` in Redis. */
const digest = (value: string): string => createHash('sha256').update(value).digest('base64url')

/** `SET key 1 NX PX ttl`: `true` when this call set it (first sighting), `false` when it was there. */
async function setOnce(redis: RedisConnection, operation: string, key: string, ttlMs: number): Promise<boolean> {
  const reply = await storeCommand(redis, operation, () => redis.command(['SET', key, '1', 'NX', 'PX', String(ttlMs)]))
  return reply !== null && reply !== undefined
}

/**
 * Creates core's {@link ReplayStore} on Redis, so a DPoP proof accepted by one instance is refused
 * by every other: `remember` is one `SET <key> 1 NX PX <ttl>` (atomic, so of two instances racing
 * with one proof exactly one answers `fresh`), and the key expires with the proof's own lifetime.
 * Keys are `<prefix>:replay:{<SHA-256 of the replay key>}`: hash-tagged per key (so Redis Cluster
 * spreads them) and never the raw value.
 *
 * Fails **closed**: when Redis cannot answer within the command timeout, `remember` rejects with
 * `StoreUnavailableError`, and the verifier answers 503 `replay_unavailable` with `Retry-After`,
 * never an acceptance. Options are checked first (`RegistryConfigError` names each bad field).
 *
 * @example
 * ```ts
 * import { createVerifier } from '@tokenward/core'
 * const replayStore = createRedisReplayStore({ connection })
 * const verifier = createVerifier({ server, organization, replayStore })
 * ```
 */
export function createRedisReplayStore(options: RedisReplayStoreOptions): ReplayStore {
  const { redis, keys } = checkStoreOptions(options)
  return {
    async remember(key, ttlSeconds): Promise<ReplayVerdict> {
      if (!(ttlSeconds > 0) || !Number.isFinite(ttlSeconds)) throw new RangeError('ttlSeconds must be a positive number')
      const fresh = await setOnce(redis, 'replay remember', keys.replay(digest(key)), Math.ceil(ttlSeconds * 1000))
      return fresh ? 'fresh' : 'replayed'
    },
  }
}

/**
 * Creates the issuer's client-assertion replay store on Redis (the same `SET NX PX` as
 * {@link createRedisReplayStore}, under `<prefix>:client-assertion:{<SHA-256>}`), so an assertion
 * used at one instance's token endpoint is refused at every other until it expires. Fails closed:
 * when Redis cannot answer, `claim` rejects and the token endpoint answers 503.
 *
 * @example
 * ```ts
 * import { createIssuer } from '@tokenward/issuer'
 * const issuer = createIssuer({ ...options, replayStore: createRedisClientAssertionReplayStore({ connection }) })
 * ```
 */
export function createRedisClientAssertionReplayStore(options: RedisReplayStoreOptions): ClientAssertionReplayStore {
  const { redis, keys } = checkStoreOptions(options)
  return {
    async claim(key, expiresAtMs, nowMs) {
      // An assertion already past its expiry is refused by the endpoint's own checks; it is still
      // remembered for a moment so the answer stays consistent with the in-memory store.
      const ttlMs = Math.max(1, Math.ceil(expiresAtMs - nowMs))
      if (!Number.isFinite(ttlMs)) throw new RangeError('expiresAtMs and nowMs must be finite numbers')
      return setOnce(redis, 'client assertion replay claim', keys.clientAssertion(digest(key)), ttlMs)
    },
  }
}
