/**
 * The snapshots both key sets serve, and what a key set reports: types and pure functions only,
 * with nothing of the Effect runtime, so the pure verification pipeline can read them.
 *
 * @module
 */
import type { Jwk } from '../jose/jwk.ts'

/** One immutable view of an authorization server's keys. */
export interface JwksSnapshot {
  /** The keys, frozen, in document order. */
  readonly keys: readonly Jwk[]
  /** Every string `kid` in {@link JwksSnapshot.keys}. */
  readonly kids: ReadonlySet<string>
  /** When these keys were obtained (epoch milliseconds, from the effect `Clock`; 0 for inline keys). */
  readonly fetchedAtMs: number
  /**
   * Increases by one whenever the key material changes (a refetch that returns the same keys keeps
   * the generation), so imported-key caches can be keyed on it.
   */
  readonly generation: number
}

/** What an admin UI or health check shows about a key set. */
export interface KeySetStatus {
  /** The JWKS URL, or `'inline'` for keys written into the configuration. */
  readonly source: string
  readonly lastSuccessfulFetchAt: Date | undefined
  /** The most recent failed fetch, even when a later one succeeded. */
  readonly lastFailure: { readonly at: Date; readonly reason: string } | undefined
  /** HTTP requests made so far. */
  readonly fetchCount: number
  /** Keys in the current snapshot (0 before the first successful fetch). */
  readonly keyCount: number
  /** True when the current keys are past their max-age (they may still be served while the provider fails). */
  readonly stale: boolean
}

/**
 * Builds a frozen {@link JwksSnapshot}. The key objects are frozen in place, not copied, so pass
 * keys the snapshot may own; an already frozen array (a previous snapshot's `keys`) is reused as
 * is, which keeps caches keyed on key-object identity warm across refetches of unchanged keys.
 *
 * @example
 * ```ts
 * const snapshot = snapshotOf([{ kty: 'EC', kid: 'a', crv: 'P-256', x: '…', y: '…' }], Date.now(), 1)
 * snapshot.kids.has('a') // true
 * ```
 */
export function snapshotOf(keys: readonly Jwk[], fetchedAtMs: number, generation: number): JwksSnapshot {
  const frozen = Object.isFrozen(keys) ? keys : Object.freeze(keys.map((key) => Object.freeze(key)))
  const kids = new Set<string>()
  for (const key of frozen) if (typeof key.kid === 'string') kids.add(key.kid)
  return Object.freeze({ keys: frozen, kids, fetchedAtMs, generation })
}

/**
 * The snapshot of keys written into the configuration (`jwks: { keys: [...] }`): copies of the
 * caller's key objects, frozen, so the configuration stays the caller's to change.
 *
 * @example
 * ```ts
 * const snapshot = inlineSnapshot(config.jwks.keys)
 * snapshot.generation // 1, for ever
 * ```
 */
export function inlineSnapshot(keys: readonly Jwk[]): JwksSnapshot {
  return snapshotOf(keys.map((key) => ({ ...key })), 0, 1)
}

/**
 * What {@link KeySet.status} reports for inline keys: never fetched, never stale.
 *
 * @example
 * ```ts
 * inlineKeySetStatus(inlineSnapshot(keys)) // { source: 'inline', fetchCount: 0, keyCount: 1, … }
 * ```
 */
export function inlineKeySetStatus(snapshot: JwksSnapshot): KeySetStatus {
  return { source: 'inline', lastSuccessfulFetchAt: undefined, lastFailure: undefined, fetchCount: 0, keyCount: snapshot.keys.length, stale: false }
}
