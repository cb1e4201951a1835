/**
 * The inline key set in Effect form: keys written into the configuration, never fetched.
 *
 * @module
 */
import * as Effect from 'effect/Effect'
import type { Jwk } from '../jose/jwk.ts'
import { inlineKeySetStatus, inlineSnapshot, type KeySet } from './key-set.ts'

/**
 * A key set for keys written into the configuration (`jwks: { keys: [...] }`): never fetches,
 * never goes stale, and `refreshForUnknownKid` returns the same keys.
 *
 * @example
 * ```ts
 * const keySet = makeStaticKeySet(config.jwks.keys)
 * const snapshot = await Effect.runPromise(keySet.current)
 * const status = await Effect.runPromise(keySet.status) // { source: 'inline', fetchCount: 0, … }
 * ```
 */
export function makeStaticKeySet(keys: readonly Jwk[]): KeySet {
  const snapshot = inlineSnapshot(keys)
  const current = Effect.succeed(snapshot)
  return {
    current,
    refreshForUnknownKid: () => current,
    peek: current,
    peekAt: () => snapshot,
    freshAt: () => snapshot,
    status: Effect.sync(() => inlineKeySetStatus(snapshot)),
  }
}
