/**
 * A bounded cache of successful verifications, so a client that repeats its token (the normal
 * case for client-credentials tokens) pays a map lookup instead of a signature check.
 *
 * An entry is found by a fingerprint of the end of the token's signature and served only when the
 * whole token matches, so one token is never answered with another's verification (two tokens
 * sharing a fingerprint share one slot: the later verified replaces the earlier). Finding it this
 * way spares hashing the whole ~1 KB token for every lookup. Failures are never cached. Every hit re-checks `exp` and `nbf` against the current time and that the signing key
 * is still in the authorization server's key set.
 *
 * Admission: a verified token goes in (evicting the least recently used once the cache is full)
 * only the second time it is verified, whether or not the cache has room. Its first sighting
 * allocates nothing and retains nothing: it is remembered as a 32-bit fingerprint in a fixed table
 * of integers. A stream of tokens that never come back (every request with a fresh token) then
 * costs the cache a lookup and a table write each, with no entries, no evictions and no garbage,
 * and cannot push out the tokens that do come back; a repeated token is served from the cache from
 * its third verification on. A fingerprint collision only lets a token in on its first
 * verification.
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
  /**
   * Records that `token` was just verified and says whether to {@link set} it: true when it is
   * cached already or was verified before (its second sighting). False for a first sighting, which
   * only writes its fingerprint into the admission table; callers build no entry then.
   */
  admit(token: string): boolean
  /** Stores a verification (call after {@link admit} said yes), evicting the least recently used when full. */
  set(token: string, entry: CachedVerification<V>): void
  /** Drops every entry (used when the server's configuration changes). */
  clear(): void
  readonly size: number
  readonly maxEntries: number
}

/** One cached token, linked into the recency list (most recent at the head). */
interface Slot<V> {
  /** The slot's key in the map: {@link slotKey} of the token. */
  readonly key: number
  readonly token: string
  entry: CachedVerification<V>
  newer: Slot<V> | undefined
  older: Slot<V> | undefined
}

/**
 * Creates an empty cache holding at most `maxEntries` verifications, evicting the least recently
 * used. Every operation is O(1): a map finds the entry, a doubly linked list keeps the recency
 * order. (Evicting through the map's own insertion order is not: V8 leaves a hole for every
 * deleted entry until the table is rebuilt, and `keys().next()` walks those holes, which cost
 * ~8 µs per insertion into a full cache of 10,000 tokens.)
 *
 * @example
 * ```ts
 * const cache = createVerifiedTokenCache<string>({ maxEntries: 10_000 })
 * const entry = { value: 'client-1', expiresAt: 2_000_000_000, notBefore: undefined, kid: 'k1', keyGeneration: 1 }
 * cache.admit(token) // false: first sighting, nothing stored
 * cache.admit(token) // true: verified again, store it
 * cache.set(token, entry)
 * cache.get(token, Date.now() / 1000, 30, () => true) // 'client-1'
 * ```
 */
export function createVerifiedTokenCache<V>(options: { readonly maxEntries: number }): VerifiedTokenCache<V> {
  const maxEntries = options.maxEntries
  const entries = new Map<number, Slot<V>>()
  let newest: Slot<V> | undefined
  let oldest: Slot<V> | undefined

  const unlink = (slot: Slot<V>): void => {
    if (slot.newer === undefined) newest = slot.older
    else slot.newer.older = slot.older
    if (slot.older === undefined) oldest = slot.newer
    else slot.older.newer = slot.newer
    slot.newer = slot.older = undefined
  }
  const linkNewest = (slot: Slot<V>): void => {
    slot.older = newest
    slot.newer = undefined
    if (newest === undefined) oldest = slot
    else newest.newer = slot
    newest = slot
  }
  const remove = (slot: Slot<V>): void => {
    unlink(slot)
    entries.delete(slot.key)
  }
  // Fingerprints of tokens verified once: direct-mapped, a new one overwriting whatever shared its
  // slot. Made with the first verification.
  let seen: Int32Array | undefined

  return {
    maxEntries,
    get size() {
      return entries.size
    },
    get(token, nowSeconds, toleranceSeconds, keyStillPublished) {
      const slot = entries.get(slotKey(token))
      if (slot === undefined || slot.token !== token) return undefined
      const entry = slot.entry
      if (nowSeconds - toleranceSeconds >= entry.expiresAt || !keyStillPublished(entry.kid, entry.keyGeneration)) {
        remove(slot)
        return undefined
      }
      // Not yet valid: keep the entry (it will become valid) but do not serve it now.
      if (entry.notBefore !== undefined && nowSeconds + toleranceSeconds < entry.notBefore) return undefined
      if (slot !== newest) {
        unlink(slot)
        linkNewest(slot)
      }
      return entry.value
    },
    admit(token) {
      if (maxEntries <= 0) return false
      const print = fingerprint(token)
      const cached = entries.get(print & 0x3fffffff)
      if (cached !== undefined && cached.token === token) return true
      seen ??= new Int32Array(doorkeeperSlots(maxEntries))
      const slot = print & (seen.length - 1)
      if (seen[slot] === print) return true
      seen[slot] = print
      return false
    },
    set(token, entry) {
      if (maxEntries <= 0) return
      const key = slotKey(token)
      const existing = entries.get(key)
      if (existing !== undefined && existing.token === token) {
        existing.entry = entry
        if (existing !== newest) {
          unlink(existing)
          linkNewest(existing)
        }
        return
      }
      // Another token with the same key gives up its slot: the cache does not grow.
      if (existing !== undefined) remove(existing)
      const slot: Slot<V> = { key, token, entry, newer: undefined, older: undefined }
      entries.set(key, slot)
      linkNewest(slot)
      while (entries.size > maxEntries && oldest !== undefined) remove(oldest)
    },
    clear() {
      entries.clear()
      newest = oldest = undefined
    },
  }
}

/** The map key of a token: its fingerprint as a small integer (V8 keeps those unboxed). */
const slotKey = (token: string): number => fingerprint(token) & 0x3fffffff

/**
 * Slots of the admission table: a power of two at least twice `maxEntries` (so that most of a
 * window of single sightings fits), at most 2^20 (4 MiB).
 *
 * @internal Exported for the cache's model-based test.
 */
export function doorkeeperSlots(maxEntries: number): number {
  let slots = 1024
  while (slots < 2 * maxEntries && slots < 1 << 20) slots *= 2
  return slots
}

/**
 * A non-zero 32-bit fingerprint of a token: FNV-1a over its length and its last twelve characters
 * (all of them when it is shorter). For a verified token those are the end of the signature, which
 * the issuer's key makes unpredictable: 72 bits in, at least 60 of them random (an Ed25519
 * signature's last byte is small).
 *
 * @internal Exported for the cache's model-based test.
 */
export function fingerprint(token: string): number {
  let hash = Math.imul(0x811c9dc5 ^ token.length, 0x01000193)
  for (let i = Math.max(0, token.length - 12); i < token.length; i++) hash = Math.imul(hash ^ token.charCodeAt(i), 0x01000193)
  return hash === 0 ? 1 : hash
}
