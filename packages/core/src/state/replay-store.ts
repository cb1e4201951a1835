/**
 * The replay store port: remembers single-use values (DPoP proof `jti`s, client-assertion `jti`s)
 * for as long as they could be accepted, and says whether one was seen before. One bounded
 * in-memory implementation here; shared ones (Redis) implement the same port and run the same
 * contract suite (`testing/replay-store-contract.test-support.ts`).
 *
 * @module
 */

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
 * Thrown by the in-memory store when every slot holds a key that has not expired yet. Forgetting
 * one early would let that value be replayed, so the store refuses instead (503 upstream).
 *
 * @example
 * ```ts
 * try { store.remember(key, 60) } catch (e) { if (e instanceof ReplayStoreFullError) console.warn(e.message) }
 * ```
 */
export class ReplayStoreFullError extends Error {
  readonly _tag = 'ReplayStoreFullError' as const
  constructor(
    readonly maxEntries: number,
    /** Seconds until the oldest key expires and a slot frees. */
    readonly retryAfterSeconds: number,
  ) {
    super(`The replay store holds ${maxEntries} unexpired keys; it refuses new ones for ${retryAfterSeconds} s`)
  }
}

/**
 * A bounded in-memory {@link ReplayStore} for one process: keys expire after their TTL; expired
 * keys are swept when the store is full (and lazily when looked up). Several instances behind a
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
  const maxEntries = options.maxEntries ?? 100_000
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer')
  const now = options.now ?? Date.now
  /** key → expiry (ms). Insertion order is expiry order only roughly (TTLs differ), so sweeps scan all. */
  const entries = new Map<string, number>()

  const sweep = (at: number): void => {
    for (const [key, expiresAt] of entries) if (expiresAt <= at) entries.delete(key)
  }

  return {
    remember(key, ttlSeconds) {
      if (!(ttlSeconds > 0) || !Number.isFinite(ttlSeconds)) throw new RangeError('ttlSeconds must be a positive number')
      const at = now()
      const expiresAt = entries.get(key)
      if (expiresAt !== undefined && expiresAt > at) return 'replayed'
      if (expiresAt === undefined && entries.size >= maxEntries) {
        sweep(at)
        if (entries.size >= maxEntries) {
          let soonest = Infinity
          for (const e of entries.values()) soonest = Math.min(soonest, e)
          throw new ReplayStoreFullError(maxEntries, Math.max(1, Math.ceil((soonest - at) / 1000)))
        }
      }
      entries.set(key, at + ttlSeconds * 1000)
      return 'fresh'
    },
  }
}
