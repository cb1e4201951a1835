/**
 * The replay store port: remembers single-use values (DPoP proof `jti`s, client-assertion `jti`s)
 * for as long as they could be accepted, and says whether one was seen before. One bounded
 * in-memory implementation here; shared ones (Redis) implement the same port and run the same
 * contract suite (`testing/replay-store-contract.test-support.ts`).
 *
 * @module
 */
import { createExpiringKeys } from './expiring-keys.ts'

export { createExpiringKeys, ReplayStoreFullError, type ExpiringKeys } from './expiring-keys.ts'

/**
 * What a replay store answers: `fresh` (first sighting, now remembered) or `replayed`.
 *
 * @example
 * ```ts
 * const verdict: ReplayVerdict = await store.remember('dpop:abc', 130)
 * ```
 */
export type ReplayVerdict = 'fresh' | 'replayed'

/**
 * Remembers keys for a while. `remember` must be atomic: of two concurrent calls with one key,
 * exactly one answers `fresh`. When it cannot answer (unreachable, full) it rejects or throws;
 * callers then refuse the request with 503 `replay_unavailable` — a replay check fails closed.
 *
 * @example
 * ```ts
 * const store: ReplayStore = createMemoryReplayStore()
 * if ((await store.remember(key, 130)) === 'replayed') refuse()
 * ```
 */
export interface ReplayStore {
  /** Records `key` for `ttlSeconds` (a positive number) and says whether it was already there. */
  remember(key: string, ttlSeconds: number): ReplayVerdict | Promise<ReplayVerdict>
}

/**
 * Options of {@link createMemoryReplayStore}.
 *
 * @example
 * ```ts
 * const options: MemoryReplayStoreOptions = { maxEntries: 50_000, now: () => Date.now() }
 * ```
 */
export interface MemoryReplayStoreOptions {
  /** Most keys held at once (default 100 000). When full of unexpired keys, `remember` throws. */
  readonly maxEntries?: number | undefined
  /** The clock, in milliseconds since the epoch. Default `Date.now`. */
  readonly now?: (() => number) | undefined
}

/**
 * A bounded in-memory {@link ReplayStore} for one process: keys expire after their TTL and are
 * forgotten as their second passes ({@link createExpiringKeys}), so memory follows the keys alive. Several instances behind a
 * load balancer need a shared store instead, or a replay may land on another instance.
 *
 * @example
 * ```ts
 * const store = createMemoryReplayStore({ maxEntries: 10_000 })
 * store.remember('k', 60) // 'fresh'
 * store.remember('k', 60) // 'replayed'
 * ```
 */
export function createMemoryReplayStore(options: MemoryReplayStoreOptions = {}): ReplayStore {
  const keys = createExpiringKeys(options.maxEntries ?? 100_000)
  const now = options.now ?? Date.now
  return {
    remember(key, ttlSeconds) {
      if (!(ttlSeconds > 0) || !Number.isFinite(ttlSeconds)) throw new RangeError('ttlSeconds must be a positive number')
      const at = now()
      return keys.claim(key, at + ttlSeconds * 1000, at)
    },
  }
}
