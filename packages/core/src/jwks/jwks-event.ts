/**
 * What a remote key set reports to the user's logger or metrics. Events carry URLs (without
 * credentials), counts, durations and `kid`s, never key material.
 *
 * @module
 */
import type { HttpFailureKind } from '../platform/types.ts'

/** Why a fetch happened: the first use, an expiring/expired cache, or a token with an unseen `kid`. */
export type JwksFetchReason = 'initial' | 'scheduled' | 'unknown_kid'

/**
 * Why a fetch failed: an {@link HttpFailureKind} from the HTTP layer, `http_status` (anything but
 * 200), `invalid_body` (not a JWK Set), `no_keys` (a JWK Set without one well-formed key),
 * `closed` (the key set's scope closed while the fetch ran), or `internal` (a defect, such as an
 * injected `HttpGet` or `Clock` that throws).
 */
export type JwksFailureKind = HttpFailureKind | 'http_status' | 'invalid_body' | 'no_keys' | 'closed' | 'internal'

/** Keys were fetched and installed. */
export interface JwksFetchedEvent {
  readonly type: 'jwks_fetched'
  readonly url: string
  readonly reason: JwksFetchReason
  readonly keyCount: number
  /** Keys in the document that were dropped as malformed. */
  readonly droppedKeyCount: number
  readonly durationMs: number
  /** Freshness lifetime applied, after clamping. */
  readonly maxAgeSeconds: number
  readonly generation: number
  /** False when the fetch returned the keys already held. */
  readonly changed: boolean
}

/**
 * A conditional refetch was answered `304 Not Modified`: the keys held are still current and their
 * lifetime was renewed, without importing them again. From then on the unknown-`kid` cooldown is
 * the short one (`revalidatedUnknownKidCooldownSeconds`).
 */
export interface JwksNotModifiedEvent {
  readonly type: 'jwks_not_modified'
  readonly url: string
  readonly reason: JwksFetchReason
  readonly durationMs: number
  /** Freshness lifetime applied, after clamping (the 304's own, else the previous response's). */
  readonly maxAgeSeconds: number
  /** The generation of the keys kept. */
  readonly generation: number
}

/** A fetch failed; cached keys, if any, are kept. */
export interface JwksFetchFailedEvent {
  readonly type: 'jwks_fetch_failed'
  readonly url: string
  readonly reason: JwksFetchReason
  readonly kind: JwksFailureKind
  /** The precise cause, e.g. `HTTP 500`, `timed out after 5000 ms`. */
  readonly message: string
  readonly durationMs: number
}

/** Expired keys are being served because the provider is failing (once per failed fetch). */
export interface JwksStaleServedEvent {
  readonly type: 'jwks_stale_served'
  readonly url: string
  /** How far past their max-age the served keys are. */
  readonly staleForSeconds: number
  /** The failure that forced it. */
  readonly message: string
}

/**
 * An unknown-`kid` refetch was skipped because one happened within the cooldown; the token was
 * answered with the keys held. One refetch follows when the cooldown ends (`retryInSeconds`).
 */
export interface JwksRefetchSuppressedEvent {
  readonly type: 'jwks_refetch_suppressed'
  readonly url: string
  /** The token's `kid`, cut to 100 characters. */
  readonly kid: string
  readonly retryInSeconds: number
}

/**
 * Every event a remote key set emits through its `onEvent` option.
 *
 * @example
 * ```ts
 * const onEvent = (event: JwksEvent) => {
 *   if (event.type === 'jwks_fetch_failed') logger.warn({ url: event.url, kind: event.kind }, event.message)
 *   else logger.debug(event)
 * }
 * ```
 */
export type JwksEvent = JwksFetchedEvent | JwksNotModifiedEvent | JwksFetchFailedEvent | JwksStaleServedEvent | JwksRefetchSuppressedEvent
