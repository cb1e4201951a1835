/**
 * A bounded cache of successful verifications, so a client that repeats its token (the normal
 * case for client-credentials tokens) pays a map lookup instead of a signature check.
 *
 * Keyed by the whole token string, so distinct tokens can never collide. Failures are never
 * cached. Every hit re-checks `exp` and `nbf` against the current time and that the signing key
 * is still in the authorization server's key set.
 *
 * @module
 */

/** What the cache keeps per token. */
export interface CachedVerification<V> {
  readonly value: V
  /** `exp` in seconds. */
  readonly expiresAt: number
  /** `nbf` in seconds, if the token had one. */
  readonly notBefore: number | undefined
  /** The `kid` of the key that verified it (`undefined` when the token had none). */
  readonly kid: string | undefined
  /** The key-set generation the verification used, to detect key removal cheaply. */
  readonly keyGeneration: number
}

/** Checks an entry is still good to serve: the key it was verified with is still published. */
export type KeyStillPublished = (kid: string | undefined, generation: number) => boolean

/** A bounded cache of verified tokens, evicting (approximately) the least recently used. */
export interface VerifiedTokenCache<V> {
  /** The cached verification if it is still valid at `nowSeconds`; stale entries are evicted. */
  get(token: string, nowSeconds: number, toleranceSeconds: number, keyStillPublished: KeyStillPublished): V | undefined
  set(token: string, entry: CachedVerification<V>): void
  /** Drops every entry (used when the server's configuration changes). */
  clear(): void
  readonly size: number
  readonly maxEntries: number
}

/**
 * Creates an empty cache holding at most `maxEntries` verifications. The oldest entry is evicted
 * first; a hit moves an entry back to the young end once it has aged into the older half.
 *
 * @example
 * ```ts
 * const cache = createVerifiedTokenCache<string>({ maxEntries: 10_000 })
 * cache.set(token, { value: 'client-1', expiresAt: 2_000_000_000, notBefore: undefined, kid: 'k1', keyGeneration: 1 })
 * cache.get(token, Date.now() / 1000, 30, () => true) // 'client-1'
 * ```
 */
export function createVerifiedTokenCache<V>(options: { readonly maxEntries: number }): VerifiedTokenCache<V> {
  const maxEntries = options.maxEntries
  // Each entry remembers when it was last moved to the young end. Moving it (delete + set) on
  // every hit is what a strict LRU does, but V8 makes that slow for a key hit over and over; an
  // entry is moved only once it has aged into the older half, which keeps hot entries away from
  // eviction at the cost of exact recency order among the younger half.
  const entries = new Map<string, { entry: CachedVerification<V>; moved: number }>()
  let clock = 0
  return {
    maxEntries,
    get size() {
      return entries.size
    },
    get(token, nowSeconds, toleranceSeconds, keyStillPublished) {
      const slot = entries.get(token)
      if (slot === undefined) return undefined
      const entry = slot.entry
      if (nowSeconds - toleranceSeconds >= entry.expiresAt || !keyStillPublished(entry.kid, entry.keyGeneration)) {
        entries.delete(token)
        return undefined
      }
      // Not yet valid: keep the entry (it will become valid) but do not serve it now.
      if (entry.notBefore !== undefined && nowSeconds + toleranceSeconds < entry.notBefore) return undefined
      if (slot.moved <= clock - maxEntries / 2) {
        entries.delete(token)
        slot.moved = ++clock
        entries.set(token, slot)
      }
      return entry.value
    },
    set(token, entry) {
      if (maxEntries <= 0) return
      entries.delete(token)
      entries.set(token, { entry, moved: ++clock })
      while (entries.size > maxEntries) {
        const oldest = entries.keys().next()
        if (oldest.done === true) break
        entries.delete(oldest.value)
      }
    },
    clear() {
      entries.clear()
    },
  }
}
