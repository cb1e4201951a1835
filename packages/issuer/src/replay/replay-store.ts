/**
 * The replay-store port for client-assertion `jti`s, and its in-memory default.
 *
 * @module
 */
import { createExpiringKeys } from '@tokenward/core'

/**
 * Remembers single-use values until they expire. `claim` answers `true` the first time a key is
 * seen and `false` after; it rejects when it cannot say (the issuer then answers 503: a replay
 * check fails closed).
 *
 * @example
 * ```ts
 * const replay: ReplayStore = createInMemoryReplayStore()
 * await replay.claim('client-a:jti-1', Date.now() + 60_000, Date.now()) // true
 * await replay.claim('client-a:jti-1', Date.now() + 60_000, Date.now()) // false
 * ```
 */
export interface ReplayStore {
  claim(key: string, expiresAtMs: number, nowMs: number): Promise<boolean>
}

/**
 * Options of {@link createInMemoryReplayStore}.
 *
 * @example
 * ```ts
 * const options: InMemoryReplayStoreOptions = { maxEntries: 10_000 }
 * ```
 */
export interface InMemoryReplayStoreOptions {
  /**
   * Most unexpired values held; past it `claim` rejects (fail closed, a 503 with `Retry-After`)
   * rather than forget one. A value is held until its assertion's `exp` plus the clock tolerance,
   * so one process sustains `maxEntries / (assertion lifetime + tolerance)` client assertions per
   * second: with the default, ~5,500/s for 60 s assertions, ~1,500/s for 300 s ones. Each held
   * value costs ~200 bytes (~100 MB when full). Default 500 000.
   */
  readonly maxEntries?: number
}

/**
 * An in-memory {@link ReplayStore} (one process), over core's expiring keys: a value is forgotten
 * as the second it expires in passes, so a claim costs the same with the store empty or full.
 * Instances behind a load balancer need a shared store (`@tokenward/redis`), or an assertion
 * replayed at another instance would pass.
 *
 * @example
 * ```ts
 * const replay = createInMemoryReplayStore({ maxEntries: 10_000 })
 * ```
 */
export function createInMemoryReplayStore(options: InMemoryReplayStoreOptions = {}): ReplayStore {
  const keys = createExpiringKeys(options.maxEntries ?? 500_000)
  return {
    claim: async (key, expiresAtMs, nowMs) => keys.claim(key, expiresAtMs, nowMs) === 'fresh',
  }
}
