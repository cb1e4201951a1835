/**
 * The key-set contract the Effect verifier reads keys through. The snapshots it serves are in
 * `jwks-snapshot.ts` (re-exported here).
 *
 * @module
 */
import type * as Effect from 'effect/Effect'
import type { JwksUnavailableError } from '../errors.ts'
import type { JwksSnapshot, KeySetStatus } from './jwks-snapshot.ts'

export { inlineKeySetStatus, inlineSnapshot, snapshotOf, type JwksSnapshot, type KeySetStatus } from './jwks-snapshot.ts'

/** Where the verifier gets keys. Implementations: {@link makeStaticKeySet} and `makeRemoteKeySet`. */
export interface KeySet {
  /**
   * Current keys. First call fetches (single flight). Serves cached keys while fresh; starts a
   * background refresh when within refresh-ahead of expiry; after a failed refresh keeps serving
   * the last good keys until max-stale past expiry, then fails with {@link JwksUnavailableError}
   * (503, with `retryAfterSeconds`).
   */
  readonly current: Effect.Effect<JwksSnapshot, JwksUnavailableError>
  /**
   * Called when a token's `kid` is not in the snapshot: refetch now (joining any in-flight fetch)
   * unless an unknown-kid refetch already happened within the cooldown, in which case the current
   * snapshot is returned at once, a `jwks_refetch_suppressed` event emitted, and one refetch
   * scheduled for the end of the cooldown.
   */
  readonly refreshForUnknownKid: (kid: string) => Effect.Effect<JwksSnapshot, JwksUnavailableError>
  /** The last good snapshot without any I/O, or `undefined` (for verified-token cache hits). */
  readonly peek: Effect.Effect<JwksSnapshot | undefined>
  /**
   * The same as {@link KeySet.peek}, synchronously, at the given time (epoch milliseconds): the
   * verified-token cache's hot path reads it without entering the Effect runtime.
   */
  readonly peekAt: (nowMs: number) => JwksSnapshot | undefined
  /**
   * The snapshot `current` would serve at `nowMs` without any action (no fetch, no refresh to
   * start), synchronously; `undefined` whenever `current` has work to do. The verifier's hot path
   * uses it and falls back to `current` otherwise.
   */
  readonly freshAt: (nowMs: number) => JwksSnapshot | undefined
  readonly status: Effect.Effect<KeySetStatus>
}
