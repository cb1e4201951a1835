/**
 * The memory behind the in-memory replay stores (core's DPoP one, the issuer's client-assertion
 * one): single-use keys held until they expire, with expiry by the second so that forgetting
 * expired keys costs only the keys that expired, whatever the number held.
 *
 * Each key sits in one map (key → expiry, for the lookup) and in the bucket of the second it
 * expires in. As the clock passes a second, that bucket's keys are dropped (those not claimed
 * again meanwhile). A claim therefore costs O(1) amortised, also with the store full: the
 * earlier design swept every held key on each claim once full (~1 ms for 100 000 keys).
 *
 * @module
 */
import type { ReplayVerdict } from './replay-store.ts'

/**
 * Thrown when every slot holds a key that has not expired yet. Forgetting one early would let that
 * value be replayed, so the store refuses instead (503 upstream).
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
    /** Seconds until the next keys expire and slots free. */
    readonly retryAfterSeconds: number,
  ) {
    super(`The replay store holds ${maxEntries} unexpired keys; it refuses new ones for ${retryAfterSeconds} s`)
  }
}

/**
 * Single-use keys with their expiry, bounded.
 *
 * @example
 * ```ts
 * const keys = createExpiringKeys(100_000)
 * keys.claim('jti-1', Date.now() + 60_000, Date.now()) // 'fresh'
 * keys.claim('jti-1', Date.now() + 60_000, Date.now()) // 'replayed'
 * ```
 */
export interface ExpiringKeys {
  /**
   * `replayed` when `key` is held and unexpired at `nowMs`; otherwise `fresh`, and `key` is held
   * until `expiresAtMs`. Throws {@link ReplayStoreFullError} when a new key finds every slot taken
   * by an unexpired one, a `RangeError` for a time that is not a finite number.
   */
  claim(key: string, expiresAtMs: number, nowMs: number): ReplayVerdict
  /** Keys held (expired ones included until their second is swept). */
  readonly size: number
}

/**
 * Creates the memory for at most `maxEntries` unexpired keys.
 *
 * @example
 * ```ts
 * const keys = createExpiringKeys(10_000)
 * ```
 */
export function createExpiringKeys(maxEntries: number): ExpiringKeys {
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer')
  /** key → expiry (ms since the epoch). */
  const entries = new Map<string, number>()
  /** second (expiry rounded up) → the keys put in it; a key claimed again may sit in an older bucket too. */
  const buckets = new Map<number, string[]>()
  /** Every bucket up to this second has been swept. */
  let swept = Number.NEGATIVE_INFINITY

  const sweepBucket = (second: number, nowMs: number): void => {
    const keys = buckets.get(second)
    if (keys === undefined) return
    buckets.delete(second)
    for (const key of keys) {
      const expiresAt = entries.get(key)
      if (expiresAt !== undefined && expiresAt <= nowMs) entries.delete(key)
    }
  }
  const sweep = (nowMs: number): void => {
    const due = Math.floor(nowMs / 1000)
    if (!(due > swept)) return
    // Walk the seconds passed, or the buckets when fewer (a clock that jumped far ahead).
    if (due - swept <= buckets.size) for (let second = swept + 1; second <= due; second++) sweepBucket(second, nowMs)
    else for (const second of [...buckets.keys()]) if (second <= due) sweepBucket(second, nowMs)
    swept = due
  }
  const nextExpiry = (): number => {
    let soonest = Number.POSITIVE_INFINITY
    for (const second of buckets.keys()) if (second < soonest) soonest = second
    return soonest * 1000
  }

  return {
    claim(key, expiresAtMs, nowMs) {
      // A NaN expiry would never compare as unexpired: the key could be replayed at once.
      if (!Number.isFinite(expiresAtMs) || !Number.isFinite(nowMs)) throw new RangeError('expiresAtMs and nowMs must be finite numbers')
      sweep(nowMs)
      const held = entries.get(key)
      if (held !== undefined && held > nowMs) return 'replayed'
      if (held === undefined && entries.size >= maxEntries) {
        throw new ReplayStoreFullError(maxEntries, Math.max(1, Math.ceil((nextExpiry() - nowMs) / 1000)))
      }
      entries.set(key, expiresAtMs)
      // Never a bucket already swept (an expiry in the past, or a clock that went back).
      const second = Math.max(Math.ceil(expiresAtMs / 1000), swept + 1)
      const bucket = buckets.get(second)
      if (bucket === undefined) buckets.set(second, [key])
      else bucket.push(key)
      return 'fresh'
    },
    get size() {
      return entries.size
    },
  }
}
