/**
 * The shared introspection cache port: active introspection answers kept for every instance of an
 * API, so a token introspected by one instance is not introspected again by the others. Each
 * verifier always keeps its own in-memory cache in front; this port is the second level, asked
 * only on a local miss. One bounded in-memory implementation here (the reference, and a cache
 * shared by several verifiers of one process); Redis implements the same port and contract
 * (`testing/introspection-cache-contract.test-support.ts`).
 *
 * @module
 */

/**
 * One cached answer: the authorization server's JSON answer (validated again by each verifier
 * that reads it) and when the entry ends.
 *
 * @example
 * ```ts
 * const entry: IntrospectionCacheEntry = { answer: { active: true, exp: 1_800_000_000 }, expiresAtMs: Date.now() + 60_000 }
 * ```
 */
export interface IntrospectionCacheEntry {
  readonly answer: Readonly<Record<string, unknown>>
  /** The entry is gone at this time (ms since the epoch): never later than the token's `exp`. */
  readonly expiresAtMs: number
}

/**
 * Where active introspection answers are shared. Keys are SHA-256 digests (hex) of the token with
 * the endpoint, client and audience it was asked with — never the token itself. When the cache
 * cannot answer, `get` and `set` reject; the verifier then bypasses it (asks the authorization
 * server) and never fails a request because of it.
 *
 * @example
 * ```ts
 * const cache: IntrospectionCache = createMemoryIntrospectionCache()
 * await cache.set(key, { answer, expiresAtMs: Date.now() + 60_000 })
 * const entry = await cache.get(key)
 * ```
 */
export interface IntrospectionCache {
  /** The entry, or `undefined` when there is none (or it has ended). */
  get(key: string): Promise<IntrospectionCacheEntry | undefined>
  /** Stores the entry until its `expiresAtMs`; an entry already ended is not stored. */
  set(key: string, entry: IntrospectionCacheEntry): Promise<void>
}

/**
 * Options of {@link createMemoryIntrospectionCache}.
 *
 * @example
 * ```ts
 * const options: MemoryIntrospectionCacheOptions = { maxEntries: 10_000 }
 * ```
 */
export interface MemoryIntrospectionCacheOptions {
  /** Most entries held; the oldest is dropped past it. Default 10 000. */
  readonly maxEntries?: number | undefined
  /** The clock, in milliseconds since the epoch. Default `Date.now`. */
  readonly now?: (() => number) | undefined
}

/**
 * A bounded in-memory {@link IntrospectionCache}: share one between several verifiers of one
 * process (for example, one per organization). For several processes, use a shared store
 * (`createRedisIntrospectionCache` of `@tokenward/redis`).
 *
 * @example
 * ```ts
 * const introspectionCache = createMemoryIntrospectionCache({ maxEntries: 50_000 })
 * const verifier = createVerifier({ server, organization, introspectionCache })
 * ```
 */
export function createMemoryIntrospectionCache(options: MemoryIntrospectionCacheOptions = {}): IntrospectionCache {
  const maxEntries = options.maxEntries ?? 10_000
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer')
  const now = options.now ?? Date.now
  const entries = new Map<string, IntrospectionCacheEntry>()
  return {
    async get(key) {
      const entry = entries.get(key)
      if (entry === undefined) return undefined
      if (entry.expiresAtMs > now()) return structuredClone(entry)
      entries.delete(key)
      return undefined
    },
    async set(key, entry) {
      if (!(entry.expiresAtMs > now())) return
      entries.delete(key)
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string)
      entries.set(key, structuredClone(entry))
    },
  }
}
