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

/** A bounded least-recently-used cache of verified tokens. */
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
 * Creates an empty cache holding at most `maxEntries` verifications; the least recently used entry
 * is evicted first.
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
  const entries = new Map<string, CachedVerification<V>>()
  return {
    maxEntries,
    get size() {
      return entries.size
    },
    get(token, nowSeconds, toleranceSeconds, keyStillPublished) {
      const entry = entries.get(token)
      if (entry === undefined) return undefined
      if (nowSeconds - toleranceSeconds >= entry.expiresAt || !keyStillPublished(entry.kid, entry.keyGeneration)) {
        entries.delete(token)
        return undefined
      }
      // Not yet valid: keep the entry (it will become valid) but do not serve it now.
      if (entry.notBefore !== undefined && nowSeconds + toleranceSeconds < entry.notBefore) return undefined
      // Refresh recency: re-insert at the end of the Map's insertion order.
      entries.delete(token)
      entries.set(token, entry)
      return entry.value
    },
    set(token, entry) {
      if (maxEntries <= 0) return
      entries.delete(token)
      entries.set(token, entry)
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
