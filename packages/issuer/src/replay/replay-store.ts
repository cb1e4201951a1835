/**
 * The replay-store port for client-assertion `jti`s, and its in-memory default.
 *
 * @module
 */

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
  /** Most unexpired values held; past it `claim` rejects (fail closed) rather than forget. Default 100 000. */
  readonly maxEntries?: number
}

/**
 * An in-memory {@link ReplayStore} (one process). Expired values are swept as new ones arrive.
 *
 * @example
 * ```ts
 * const replay = createInMemoryReplayStore({ maxEntries: 10_000 })
 * ```
 */
export function createInMemoryReplayStore(options: InMemoryReplayStoreOptions = {}): ReplayStore {
  const maxEntries = options.maxEntries ?? 100_000
  const seen = new Map<string, number>()
  const sweep = (nowMs: number): void => {
    for (const [key, expiresAt] of seen) if (expiresAt <= nowMs) seen.delete(key)
  }
  let lastSweep = 0
  return {
    async claim(key, expiresAtMs, nowMs) {
      const known = seen.get(key)
      if (known !== undefined && known > nowMs) return false
      if (seen.size >= maxEntries || nowMs - lastSweep > 10_000) {
        sweep(nowMs)
        lastSweep = nowMs
        if (seen.size >= maxEntries) throw new Error(`The replay store holds ${maxEntries} unexpired values`)
      }
      seen.set(key, expiresAtMs)
      return true
    },
  }
}
