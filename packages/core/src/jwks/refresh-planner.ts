/**
 * The remote key set's refresh planner: pure functions of `(state, now)` that decide whether a
 * caller is served the cached keys, waits for a fetch (joining one or starting one), fails, or is
 * answered at once because an unknown-`kid` refetch is cooling down. No clock, no I/O: the key
 * set (remote-key-set.ts) applies the decision, runs the fetch it launched and settles it.
 *
 * @module
 */
import { JwksUnavailableError } from '../errors.ts'
import type { JwksEvent, JwksFailureKind, JwksFetchReason } from './jwks-event.ts'
import type { JwksSnapshot } from './jwks-snapshot.ts'

/** The planner's settings, in milliseconds where they are durations. */
export interface RefreshSettings {
  /** The JWKS URL without credentials, for events and errors. */
  readonly url: string
  readonly refreshAheadSeconds: number
  /** Between two unknown-`kid` fetches while the server has not answered a conditional request with 304. */
  readonly unknownKidCooldownMs: number
  /** Between two unknown-`kid` fetches once the server has answered a conditional request with 304. */
  readonly revalidatedUnknownKidCooldownMs: number
  readonly failureCooldownMs: number
  readonly maxStaleMs: number
}

/** What the server said to revalidate a response with: sent back as `If-None-Match` / `If-Modified-Since`. */
export interface Validators {
  readonly etag: string | undefined
  readonly lastModified: string | undefined
}

/** The keys in use and what is known about their response. */
export interface LoadedKeys {
  readonly snapshot: JwksSnapshot
  readonly expiresAtMs: number
  readonly maxAgeSeconds: number
  /** The keys' JSON, to tell a changed key set from the same one fetched again. */
  readonly fingerprint: string
  readonly validators: Validators
}

/** A running fetch, as the planner sees it (the key set adds its completion handle). */
export interface FetchInFlight {
  readonly reason: JwksFetchReason
}

/** The latest failed attempt. */
export interface FetchFailureRecord {
  readonly atMs: number
  readonly kind: JwksFailureKind
  readonly message: string
  readonly status: number | undefined
  readonly cause: unknown
}

/** Everything the planner decides from. `F` is the key set's in-flight fetch handle. */
export interface RefreshState<F extends FetchInFlight> {
  readonly loaded: LoadedKeys | undefined
  readonly inFlight: F | undefined
  readonly lastSuccessAtMs: number | undefined
  readonly lastFailure: FetchFailureRecord | undefined
  /** True when the latest finished attempt failed. */
  readonly failing: boolean
  readonly lastUnknownKidFetchAtMs: number | undefined
  /** `lastFailure.atMs` already announced by a `jwks_stale_served` event. */
  readonly staleAnnouncedForMs: number | undefined
  readonly fetchCount: number
  /** The server has answered a conditional request with 304 (and still sends validators). */
  readonly revalidates: boolean
  /** An unknown `kid` was turned away since the last unknown-`kid` fetch started. */
  readonly unknownKidSuppressed: boolean
  /** When the refetch that ends the current unknown-`kid` cooldown is due, if one is scheduled. */
  readonly trailingRefetchAtMs: number | undefined
  readonly closed: boolean
}

/** The empty state of a key set that has fetched nothing yet. */
export const initialRefreshState: RefreshState<never> = {
  loaded: undefined,
  inFlight: undefined,
  lastSuccessAtMs: undefined,
  lastFailure: undefined,
  failing: false,
  lastUnknownKidFetchAtMs: undefined,
  staleAnnouncedForMs: undefined,
  fetchCount: 0,
  revalidates: false,
  unknownKidSuppressed: false,
  trailingRefetchAtMs: undefined,
  closed: false,
}

/** What the caller does now. */
export type RefreshPlan<F extends FetchInFlight> =
  | { readonly _tag: 'serve'; readonly snapshot: JwksSnapshot }
  | { readonly _tag: 'await'; readonly inFlight: F; readonly staleFallback: LoadedKeys | undefined }
  | { readonly _tag: 'fail'; readonly error: JwksUnavailableError }
  | { readonly _tag: 'suppressed'; readonly retryInSeconds: number; readonly error: JwksUnavailableError | undefined }
  | { readonly _tag: 'idle' }

/** A plan, the state that follows it, and what the key set must do besides. */
export interface RefreshDecision<F extends FetchInFlight> {
  readonly plan: RefreshPlan<F>
  readonly next: RefreshState<F>
  /** A fetch this decision started (already `next.inFlight`); the key set runs it. */
  readonly launch: F | undefined
  readonly events: readonly JwksEvent[]
  /** When set, call {@link planTrailingRefetch} at this time. */
  readonly scheduleTrailingRefetchAtMs: number | undefined
}

/** Creates the handle of a fetch the planner launches. */
export type NewFetch<F extends FetchInFlight> = (reason: JwksFetchReason) => F

const maxKidLengthInEvents = 100

const decision = <F extends FetchInFlight>(
  plan: RefreshPlan<F>,
  next: RefreshState<F>,
  extra: { launch?: F; events?: readonly JwksEvent[]; scheduleTrailingRefetchAtMs?: number } = {},
): RefreshDecision<F> => ({
  plan,
  next,
  launch: extra.launch,
  events: extra.events ?? [],
  scheduleTrailingRefetchAtMs: extra.scheduleTrailingRefetchAtMs,
})

/** Seconds for a `Retry-After`: whole, at least 1. */
export const retryAfterSeconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000))

/** The 503 for a failed attempt, retryable after `retryInMs`. */
export const unavailableError = (settings: RefreshSettings, failure: FetchFailureRecord, retryInMs: number): JwksUnavailableError =>
  new JwksUnavailableError(`JWKS fetch failed: ${failure.message} from ${settings.url}`, {
    ...(failure.status === undefined ? {} : { expected: 200, actual: failure.status }),
    cause: failure.cause,
    retryAfterSeconds: retryAfterSeconds(retryInMs),
  })

/** The 503 of a closed key set. */
export const closedError = (settings: RefreshSettings): JwksUnavailableError =>
  new JwksUnavailableError(`JWKS key set for ${settings.url} is closed`, { retryAfterSeconds: 1 })

/** Milliseconds left before another attempt may follow a failure (0 when not failing). */
export const failureCooldownLeft = <F extends FetchInFlight>(s: RefreshState<F>, now: number, settings: RefreshSettings): number =>
  s.failing && s.lastFailure !== undefined ? Math.max(0, s.lastFailure.atMs + settings.failureCooldownMs - now) : 0

/** The unknown-`kid` cooldown in force: short once the server has shown it answers 304. */
export const unknownKidCooldownMs = <F extends FetchInFlight>(s: RefreshState<F>, settings: RefreshSettings): number =>
  s.revalidates ? Math.min(settings.unknownKidCooldownMs, settings.revalidatedUnknownKidCooldownMs) : settings.unknownKidCooldownMs

/** Milliseconds left before the next unknown-`kid` fetch is allowed. */
export const unknownKidCooldownLeft = <F extends FetchInFlight>(s: RefreshState<F>, now: number, settings: RefreshSettings): number =>
  s.lastUnknownKidFetchAtMs === undefined ? 0 : Math.max(0, s.lastUnknownKidFetchAtMs + unknownKidCooldownMs(s, settings) - now)

/** How long before expiry a use starts a background refresh: the setting, at most half the max-age. */
export const refreshAheadMs = (loaded: LoadedKeys, settings: RefreshSettings): number =>
  Math.min(settings.refreshAheadSeconds, loaded.maxAgeSeconds / 2) * 1000

const launchInto = <F extends FetchInFlight>(s: RefreshState<F>, reason: JwksFetchReason, now: number, newFetch: NewFetch<F>): [F, RefreshState<F>] => {
  const inFlight = newFetch(reason)
  const unknownKid = reason === 'unknown_kid'
  return [
    inFlight,
    {
      ...s,
      inFlight,
      fetchCount: s.fetchCount + 1,
      lastUnknownKidFetchAtMs: unknownKid ? now : s.lastUnknownKidFetchAtMs,
      unknownKidSuppressed: unknownKid ? false : s.unknownKidSuppressed,
    },
  ]
}

/** Serves expired keys because the provider fails; announces it once per failed attempt. */
export const serveStale = <F extends FetchInFlight>(s: RefreshState<F>, loaded: LoadedKeys, now: number, settings: RefreshSettings): [JwksEvent[], RefreshState<F>] => {
  const failure = s.lastFailure
  if (failure === undefined || s.staleAnnouncedForMs === failure.atMs) return [[], s]
  const event: JwksEvent = {
    type: 'jwks_stale_served',
    url: settings.url,
    staleForSeconds: Math.floor((now - loaded.expiresAtMs) / 1000),
    message: failure.message,
  }
  return [[event], { ...s, staleAnnouncedForMs: failure.atMs }]
}

/**
 * The keys for a token whose `kid` is known (or absent): fresh keys are served (starting a
 * background refresh within the refresh-ahead window), expired ones are refetched while the caller
 * waits, and while the provider fails the last good keys are served up to `maxStaleMs` past expiry.
 *
 * @example
 * ```ts
 * const { plan, next, launch } = planCurrent(state, Date.now(), settings, (reason) => ({ reason }))
 * ```
 */
export function planCurrent<F extends FetchInFlight>(s: RefreshState<F>, now: number, settings: RefreshSettings, newFetch: NewFetch<F>): RefreshDecision<F> {
  if (s.closed) return decision({ _tag: 'fail', error: closedError(settings) }, s)
  const loaded = s.loaded
  const coolingDown = failureCooldownLeft(s, now, settings) > 0

  if (loaded !== undefined && now < loaded.expiresAtMs) {
    const serve: RefreshPlan<F> = { _tag: 'serve', snapshot: loaded.snapshot }
    if (now < loaded.expiresAtMs - refreshAheadMs(loaded, settings) || s.inFlight !== undefined || coolingDown) return decision(serve, s)
    const [launch, next] = launchInto(s, 'scheduled', now, newFetch)
    return decision(serve, next, { launch })
  }

  if (loaded !== undefined && now < loaded.expiresAtMs + settings.maxStaleMs && s.failing) {
    // Stale-if-error: answer at once, retry in the background once the cooldown allows.
    const [events, announced] = serveStale(s, loaded, now, settings)
    const serve: RefreshPlan<F> = { _tag: 'serve', snapshot: loaded.snapshot }
    if (s.inFlight !== undefined || coolingDown) return decision(serve, announced, { events })
    const [launch, next] = launchInto(announced, 'scheduled', now, newFetch)
    return decision(serve, next, { launch, events })
  }

  const staleFallback = loaded !== undefined && now < loaded.expiresAtMs + settings.maxStaleMs ? loaded : undefined
  if (s.inFlight !== undefined) return decision({ _tag: 'await', inFlight: s.inFlight, staleFallback }, s)
  if (coolingDown && s.lastFailure !== undefined) {
    return decision({ _tag: 'fail', error: unavailableError(settings, s.lastFailure, failureCooldownLeft(s, now, settings)) }, s)
  }
  const [launch, next] = launchInto(s, loaded === undefined ? 'initial' : 'scheduled', now, newFetch)
  return decision({ _tag: 'await', inFlight: launch, staleFallback }, next, { launch })
}

/**
 * The keys for a token whose `kid` is not among them: join a running fetch, else refetch at once,
 * at most once per unknown-`kid` cooldown (30 s, 5 s once the server has answered a conditional
 * request with 304). Within the cooldown the caller is answered at once with the current keys
 * (`suppressed`: the token is refused, never held), and the first such caller schedules one
 * refetch for the moment the cooldown ends, so that a key rotation hidden behind a flood of forged
 * `kid`s is picked up then, while the flood costs one fetch per cooldown. While the provider fails
 * the answer is the 503 instead (an unknown key during an outage is an outage, not a bad token).
 *
 * @example
 * ```ts
 * const d = planUnknownKid(state, Date.now(), 'kid-2', settings, (reason) => ({ reason }))
 * if (d.scheduleTrailingRefetchAtMs !== undefined) setTimer(d.scheduleTrailingRefetchAtMs)
 * ```
 */
export function planUnknownKid<F extends FetchInFlight>(
  s: RefreshState<F>,
  now: number,
  kid: string,
  settings: RefreshSettings,
  newFetch: NewFetch<F>,
): RefreshDecision<F> {
  if (s.closed) return decision({ _tag: 'fail', error: closedError(settings) }, s)
  if (s.loaded?.snapshot.kids.has(kid) === true) return decision({ _tag: 'serve', snapshot: s.loaded.snapshot }, s)
  if (s.inFlight !== undefined) return decision({ _tag: 'await', inFlight: s.inFlight, staleFallback: undefined }, s)
  const kidCooldownLeft = unknownKidCooldownLeft(s, now, settings)
  const failCooldownLeft = failureCooldownLeft(s, now, settings)
  if (kidCooldownLeft > 0 || failCooldownLeft > 0) {
    const waitMs = Math.max(kidCooldownLeft, failCooldownLeft)
    const retryInSeconds = retryAfterSeconds(waitMs)
    const error = s.failing && s.lastFailure !== undefined ? unavailableError(settings, s.lastFailure, waitMs) : undefined
    const event: JwksEvent = { type: 'jwks_refetch_suppressed', url: settings.url, kid: kid.slice(0, maxKidLengthInEvents), retryInSeconds }
    const plan: RefreshPlan<F> = { _tag: 'suppressed', retryInSeconds, error }
    // During an outage the failure cooldown paces the retries; a trailing refetch is only for a
    // healthy server whose unknown-kid refetches are being held back.
    if (error !== undefined) return decision(plan, s, { events: [event] })
    const dueAtMs = now + waitMs
    const schedule = s.trailingRefetchAtMs === undefined
    const next: RefreshState<F> = { ...s, unknownKidSuppressed: true, trailingRefetchAtMs: schedule ? dueAtMs : s.trailingRefetchAtMs }
    return decision(plan, next, { events: [event], ...(schedule ? { scheduleTrailingRefetchAtMs: dueAtMs } : {}) })
  }
  const [launch, next] = launchInto(s, 'unknown_kid', now, newFetch)
  return decision({ _tag: 'await', inFlight: launch, staleFallback: undefined }, next, { launch })
}

/**
 * The refetch scheduled by {@link planUnknownKid} for the end of a cooldown, now due. It starts an
 * unknown-`kid` fetch (which opens the next cooldown) when an unknown `kid` was turned away since
 * the last one and nothing else is fetching; it is rescheduled when the cooldown was extended (the
 * server started answering 304 does the opposite: it only shortens it), and dropped while the
 * provider fails, is already being fetched from, or the key set is closed.
 *
 * @example
 * ```ts
 * const d = planTrailingRefetch(state, Date.now(), settings, (reason) => ({ reason }))
 * if (d.launch !== undefined) run(d.launch)
 * ```
 */
export function planTrailingRefetch<F extends FetchInFlight>(s: RefreshState<F>, now: number, settings: RefreshSettings, newFetch: NewFetch<F>): RefreshDecision<F> {
  const idle: RefreshPlan<F> = { _tag: 'idle' }
  const cleared: RefreshState<F> = { ...s, trailingRefetchAtMs: undefined }
  if (s.closed || !s.unknownKidSuppressed || s.inFlight !== undefined || failureCooldownLeft(s, now, settings) > 0) return decision(idle, cleared)
  const left = unknownKidCooldownLeft(s, now, settings)
  if (left > 0) return decision(idle, { ...s, trailingRefetchAtMs: now + left }, { scheduleTrailingRefetchAtMs: now + left })
  const [launch, next] = launchInto(cleared, 'unknown_kid', now, newFetch)
  return decision(idle, next, { launch })
}

/**
 * The request headers that revalidate the loaded keys: `If-None-Match` with the last `ETag`,
 * `If-Modified-Since` with the last `Last-Modified`; none before the first response.
 *
 * @example
 * ```ts
 * conditionalHeaders({ ...loaded, validators: { etag: '"v7"', lastModified: undefined } })
 * // { 'if-none-match': '"v7"' }
 * ```
 */
export function conditionalHeaders(loaded: LoadedKeys | undefined): Readonly<Record<string, string>> | undefined {
  const etag = loaded?.validators.etag
  const lastModified = loaded?.validators.lastModified
  if (etag === undefined && lastModified === undefined) return undefined
  return {
    ...(etag === undefined ? {} : { 'if-none-match': etag }),
    ...(lastModified === undefined ? {} : { 'if-modified-since': lastModified }),
  }
}
