/**
 * The remote key set: a JWKS URL fetched on demand, cached by max-age, refreshed ahead of expiry,
 * refetched once per cooldown for unknown `kid`s, and served stale (within a ceiling) while the
 * provider fails. Time comes from the effect `Clock` only.
 *
 * @module
 */
import * as Clock from 'effect/Clock'
import * as Deferred from 'effect/Deferred'
import * as Duration from 'effect/Duration'
import * as Effect from 'effect/Effect'
import * as Exit from 'effect/Exit'
import * as Option from 'effect/Option'
import * as Ref from 'effect/Ref'
import * as Result from 'effect/Result'
import * as Scope from 'effect/Scope'
import { ConfigError, type ConfigIssue, JwksUnavailableError } from '../errors.ts'
import { type HttpGet, HttpGetFailure, type HttpGetRequest, type ResponseHeaders } from '../platform/types.ts'
import { type Jwk } from '../jose/jwk.ts'
import { defaultFreshnessPolicy, freshnessFromHeaders, type FreshnessPolicy } from './cache-policy.ts'
import type { JwksEvent, JwksFailureKind, JwksFetchReason } from './jwks-event.ts'
import { decodeJwkSet } from './jwk-set.ts'
import { type JwksSnapshot, type KeySet, type KeySetStatus, snapshotOf } from './key-set.ts'
import {
  closedError,
  conditionalHeaders,
  type FetchFailureRecord,
  type FetchInFlight,
  initialRefreshState,
  type LoadedKeys,
  planCurrent,
  planTrailingRefetch,
  planUnknownKid,
  type RefreshDecision,
  type RefreshPlan,
  type RefreshSettings,
  type RefreshState,
  refreshAheadMs,
  serveStale,
  unavailableError,
  type Validators,
} from './refresh-planner.ts'

// The key-set contract (key-set.ts) and the inline key set (static-key-set.ts) live in their own
// modules; they are re-exported here so callers import everything about key sets from one module.
export { type JwksSnapshot, type KeySet, type KeySetStatus } from './key-set.ts'
export { makeStaticKeySet } from './static-key-set.ts'
export type { JwksEvent, JwksFailureKind, JwksFetchReason } from './jwks-event.ts'

/** Options of {@link makeRemoteKeySet}. Every duration has a default; see each field. */
export interface RemoteKeySetOptions extends FreshnessPolicy {
  /** The JWKS URL (`https:`; plain `http:` is the caller's decision, e.g. for loopback development). */
  readonly url: URL
  /** The HTTP seam (`platform.httpGet()`, or a fake in tests). */
  readonly httpGet: HttpGet
  /** Whole-request timeout. Default 5000 ms. */
  readonly timeoutMs?: number
  /** Largest accepted body. Default 524288 (512 KiB). */
  readonly maxBytes?: number
  /** Check the server's certificate. Default `true`. */
  readonly certificateValidation?: boolean
  /** Extra CA certificates (PEM) to trust. */
  readonly trustedCertificates?: readonly string[]
  /** Refresh in the background this long before the keys expire (at most half the max-age). Default 30 s. */
  readonly refreshAheadSeconds?: number
  /** At most one unknown-`kid` refetch per this many seconds. Default 30 s. */
  readonly unknownKidCooldownSeconds?: number
  /**
   * The unknown-`kid` cooldown once the server has answered a conditional request (`If-None-Match`
   * / `If-Modified-Since`) with `304 Not Modified`, which makes a refetch cheap for it. Default 5 s
   * (never longer than `unknownKidCooldownSeconds`).
   */
  readonly revalidatedUnknownKidCooldownSeconds?: number
  /** After a failed fetch, wait this long before the next attempt. Default 5 s. */
  readonly failureCooldownSeconds?: number
  /** How long past expiry the last good keys may be served while fetches fail. Default 3600 s. */
  readonly maxStaleSeconds?: number
  /** Receives {@link JwksEvent}s. A callback that throws is ignored. */
  readonly onEvent?: (event: JwksEvent) => void
}

/**
 * The defaults {@link makeRemoteKeySet} applies: 5 s timeout, 512 KiB body, max-age clamped into
 * [60 s, 1 day] with 600 s when absent, 30 s refresh-ahead, one unknown-`kid` refetch per 30 s
 * (per 5 s once the server answers conditional requests with 304), 5 s between failed attempts,
 * stale keys served for at most 1 hour past expiry.
 *
 * @example
 * ```ts
 * const keySet = yield* makeRemoteKeySet({ url, httpGet, maxStaleSeconds: remoteKeySetDefaults.maxStaleSeconds * 6 })
 * ```
 */
export const remoteKeySetDefaults = {
  timeoutMs: 5000,
  maxBytes: 512 * 1024,
  refreshAheadSeconds: 30,
  unknownKidCooldownSeconds: 30,
  revalidatedUnknownKidCooldownSeconds: 5,
  failureCooldownSeconds: 5,
  maxStaleSeconds: 3600,
  ...defaultFreshnessPolicy,
} as const

// An HttpGet that ignores its own timeout is still cut off this long after it.
const timeoutGraceMs = 1000

interface InFlight extends FetchInFlight {
  readonly deferred: Deferred.Deferred<JwksSnapshot, JwksUnavailableError>
}

type State = RefreshState<InFlight>

/** A 200 with keys, or a 304 that confirms the keys held. */
type Fetched =
  | {
      readonly _tag: 'keys'
      readonly keys: readonly Jwk[]
      readonly droppedKeyCount: number
      readonly maxAgeSeconds: number
      readonly validators: Validators
    }
  | { readonly _tag: 'not_modified'; readonly headers: ResponseHeaders }

const validatorsOf = (headers: ResponseHeaders): Validators => ({
  etag: headers.get('etag') ?? undefined,
  lastModified: headers.get('last-modified') ?? undefined,
})

const withoutCredentials = (url: URL): string => {
  if (url.username === '' && url.password === '') return url.href
  const copy = new URL(url.href)
  copy.username = ''
  copy.password = ''
  return copy.href
}

const checkOptions = (options: RemoteKeySetOptions): void => {
  const issues: ConfigIssue[] = []
  if (!(options.url instanceof URL) || (options.url.protocol !== 'https:' && options.url.protocol !== 'http:')) {
    issues.push({ path: 'url', message: 'must be an http: or https: URL' })
  }
  if (typeof options.httpGet !== 'function') issues.push({ path: 'httpGet', message: 'must be a function' })
  const positive = ['timeoutMs', 'maxBytes'] as const
  for (const name of positive) {
    const value = options[name]
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) issues.push({ path: name, message: 'must be a positive number' })
  }
  const nonNegative = [
    'minMaxAgeSeconds',
    'maxMaxAgeSeconds',
    'defaultMaxAgeSeconds',
    'refreshAheadSeconds',
    'unknownKidCooldownSeconds',
    'revalidatedUnknownKidCooldownSeconds',
    'failureCooldownSeconds',
    'maxStaleSeconds',
  ] as const
  for (const name of nonNegative) {
    const value = options[name]
    if (value !== undefined && !(Number.isFinite(value) && value >= 0)) issues.push({ path: name, message: 'must be a number ≥ 0' })
  }
  const min = options.minMaxAgeSeconds ?? remoteKeySetDefaults.minMaxAgeSeconds
  const max = options.maxMaxAgeSeconds ?? remoteKeySetDefaults.maxMaxAgeSeconds
  if (min > max) issues.push({ path: 'maxMaxAgeSeconds', message: `must be ≥ minMaxAgeSeconds (${min})` })
  if (issues.length > 0) throw new ConfigError(issues)
}

/**
 * Creates the key set for one JWKS URL. Nothing is fetched until `current` is first used.
 *
 * Behaviour, with the defaults in {@link remoteKeySetDefaults}:
 * - **Freshness**: `Cache-Control: max-age` clamped into [60 s, 1 day]; 600 s when absent.
 * - **Single flight**: concurrent callers share one HTTP request; fetches run in fibers forked
 *   into the provided `Scope`, so an interrupted caller does not cancel others and closing the
 *   scope stops everything (callers still waiting fail with `JwksUnavailableError`).
 * - **Refresh ahead**: a `current` call within 30 s (at most half the max-age) of expiry starts a
 *   background refresh and returns the cached keys at once. Refreshes are driven by use: an idle
 *   key set makes no requests.
 * - **Expiry**: expired keys are refetched while the caller waits. When that fails, or whenever
 *   the latest attempt failed, the last good keys are served until 1 hour past expiry (a
 *   `jwks_stale_served` event per failed attempt), with a new attempt at most every 5 s in the
 *   background. After that, or with no keys at all, `current` fails with a 503
 *   `JwksUnavailableError` whose `retryAfterSeconds` is the remaining failure cooldown.
 * - **Unknown `kid`**: `refreshForUnknownKid` joins an in-flight fetch, else refetches at once,
 *   at most once per 30 s, or per 5 s once the server has answered a conditional request with
 *   304. Scheduled fetches do not count toward that cooldown, so a rotation right after one is
 *   picked up with one extra fetch; a joined scheduled fetch that still lacks the `kid` is followed
 *   by that one unknown-kid fetch. Within the cooldown the current keys are returned at once
 *   (`jwks_refetch_suppressed`; the token is refused, not held), except while the provider is
 *   failing: then the answer is the 503 (an unknown key during an outage is an outage, not a bad
 *   token). When an unknown `kid` was turned away, one refetch runs as the cooldown ends, so a key
 *   rotation hidden behind a flood of forged `kid`s is accepted within one cooldown while the flood
 *   costs one fetch per cooldown.
 * - **Conditional requests**: every refetch sends the last `ETag` as `If-None-Match` and the last
 *   `Last-Modified` as `If-Modified-Since`. A `304 Not Modified` renews the keys' lifetime (from
 *   its own `Cache-Control`, else the previous max-age) without importing them again
 *   (`jwks_not_modified`).
 * - **Accepted responses**: status 200, a JWK Set (see `decodeJwkSet`) with at least one
 *   well-formed key, or 304 to a conditional request. Anything else is a failure that keeps the
 *   old keys.
 *
 * Options are checked when this function is called: bad ones throw a {@link ConfigError}
 * naming each field.
 *
 * @example
 * ```ts
 * const program = Effect.gen(function* () {
 *   const keySet = yield* makeRemoteKeySet({
 *     url: new URL('https://idp.example/.well-known/jwks.json'),
 *     httpGet: platform.httpGet(),
 *     onEvent: (event) => console.log(event),
 *   })
 *   const snapshot = yield* keySet.current
 *   return snapshot.kids
 * })
 * await Effect.runPromise(Effect.scoped(program))
 * ```
 */
export const makeRemoteKeySet = (options: RemoteKeySetOptions): Effect.Effect<KeySet, never, Scope.Scope> => {
  checkOptions(options)
  const url = withoutCredentials(options.url)
  const request: HttpGetRequest = {
    url: options.url,
    timeoutMs: options.timeoutMs ?? remoteKeySetDefaults.timeoutMs,
    maxBytes: options.maxBytes ?? remoteKeySetDefaults.maxBytes,
    certificateValidation: options.certificateValidation ?? true,
    trustedCertificates: options.trustedCertificates ?? [],
  }
  const policy: FreshnessPolicy = {
    minMaxAgeSeconds: options.minMaxAgeSeconds ?? remoteKeySetDefaults.minMaxAgeSeconds,
    maxMaxAgeSeconds: options.maxMaxAgeSeconds ?? remoteKeySetDefaults.maxMaxAgeSeconds,
    defaultMaxAgeSeconds: options.defaultMaxAgeSeconds ?? remoteKeySetDefaults.defaultMaxAgeSeconds,
  }
  const settings: RefreshSettings = {
    url,
    refreshAheadSeconds: options.refreshAheadSeconds ?? remoteKeySetDefaults.refreshAheadSeconds,
    unknownKidCooldownMs: (options.unknownKidCooldownSeconds ?? remoteKeySetDefaults.unknownKidCooldownSeconds) * 1000,
    revalidatedUnknownKidCooldownMs:
      (options.revalidatedUnknownKidCooldownSeconds ?? remoteKeySetDefaults.revalidatedUnknownKidCooldownSeconds) * 1000,
    failureCooldownMs: (options.failureCooldownSeconds ?? remoteKeySetDefaults.failureCooldownSeconds) * 1000,
    maxStaleMs: (options.maxStaleSeconds ?? remoteKeySetDefaults.maxStaleSeconds) * 1000,
  }
  const { failureCooldownMs, maxStaleMs } = settings
  const onEvent = options.onEvent

  const emit = (events: readonly JwksEvent[]): Effect.Effect<void> =>
    events.length === 0 || onEvent === undefined
      ? Effect.void
      : Effect.sync(() => {
          for (const event of events) {
            try {
              onEvent(event)
            } catch {
              // A logging callback must never break key retrieval.
            }
          }
        })

  const newFetch = (reason: JwksFetchReason): InFlight => ({ reason, deferred: Deferred.makeUnsafe<JwksSnapshot, JwksUnavailableError>() })

  const failureOf = (kind: JwksFailureKind, message: string, cause?: unknown, status?: number) =>
    ({ kind, message, cause, status }) as const

  type FetchFailure = ReturnType<typeof failureOf>

  // A defect (a bug in an injected HttpGet or Clock) is reported as such, not as a closed key set.
  const failureFromExit = (exit: Exit.Exit<Fetched, FetchFailure>): FetchFailure => {
    const error = Exit.findErrorOption(exit)
    if (Option.isSome(error)) return error.value
    const defect = Exit.findDefect(exit)
    if (Result.isSuccess(defect)) {
      const detail = defect.success instanceof Error ? defect.success.message : String(defect.success)
      return failureOf('internal', `unexpected error: ${detail}`, defect.success)
    }
    return failureOf('closed', 'the key set was closed during the fetch')
  }

  const fetchOnce = (loaded: LoadedKeys | undefined): Effect.Effect<Fetched, FetchFailure> => Effect.gen(function* () {
    const headers = conditionalHeaders(loaded)
    const response = yield* Effect.tryPromise({
      try: () => options.httpGet(headers === undefined ? request : { ...request, headers }),
      catch: (cause): FetchFailure =>
        cause instanceof HttpGetFailure
          ? failureOf(cause.kind, cause.message, cause)
          : failureOf('network', `network error: ${cause instanceof Error ? cause.message : String(cause)}`, cause),
    }).pipe(Effect.timeoutOption(Duration.millis(request.timeoutMs + timeoutGraceMs)))
    if (Option.isNone(response)) {
      return yield* Effect.fail(failureOf('timeout', `timed out after ${request.timeoutMs} ms`))
    }
    const { status, headers: responseHeaders, body } = response.value
    // 304 only answers a conditional request: a server that sends it unasked has no keys to give.
    if (status === 304 && headers !== undefined) return { _tag: 'not_modified', headers: responseHeaders } satisfies Fetched
    if (status !== 200) return yield* Effect.fail(failureOf('http_status', `HTTP ${status}`, undefined, status))
    const decoded = decodeJwkSet(body)
    if (!decoded.ok) return yield* Effect.fail(failureOf('invalid_body', `not a JWK Set: ${decoded.error}`))
    const { keys, problems } = decoded.value
    if (keys.length === 0) {
      const first = problems[0]
      const message =
        first === undefined
          ? 'the JWK Set contains no keys'
          : `the JWK Set contains no well-formed keys (${problems.length} dropped; keys[${first.index}]: ${first.message})`
      return yield* Effect.fail(failureOf('no_keys', message))
    }
    return {
      _tag: 'keys',
      keys,
      droppedKeyCount: problems.length,
      maxAgeSeconds: freshnessFromHeaders(responseHeaders, policy).maxAgeSeconds,
      validators: validatorsOf(responseHeaders),
    } satisfies Fetched
  })

  return Effect.gen(function* () {
    const scope = yield* Scope.Scope
    const state = yield* Ref.make<State>(initialRefreshState)

    const settle = (inFlight: InFlight, startedAtMs: number, exit: Exit.Exit<Fetched, FetchFailure>): Effect.Effect<void> =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const durationMs = now - startedAtMs
        if (Exit.isSuccess(exit) && exit.value._tag === 'not_modified') {
          const { headers } = exit.value
          const outcome = yield* Ref.modify(state, (s): [[JwksSnapshot, JwksEvent] | undefined, State] => {
            const previous = s.loaded
            if (previous === undefined) return [undefined, s]
            // RFC 9111 §4.3.4: the 304's own fields update the stored response's.
            const maxAgeSeconds = headers.get('cache-control') === null ? previous.maxAgeSeconds : freshnessFromHeaders(headers, policy).maxAgeSeconds
            const fresh = validatorsOf(headers)
            const loaded: LoadedKeys = {
              ...previous,
              expiresAtMs: startedAtMs + maxAgeSeconds * 1000,
              maxAgeSeconds,
              validators: { etag: fresh.etag ?? previous.validators.etag, lastModified: fresh.lastModified ?? previous.validators.lastModified },
            }
            const event: JwksEvent = { type: 'jwks_not_modified', url, reason: inFlight.reason, durationMs, maxAgeSeconds, generation: previous.snapshot.generation }
            return [
              [previous.snapshot, event],
              { ...s, loaded, inFlight: s.inFlight === inFlight ? undefined : s.inFlight, lastSuccessAtMs: now, failing: false, revalidates: true },
            ]
          })
          if (outcome !== undefined) {
            yield* emit([outcome[1]])
            yield* Deferred.succeed(inFlight.deferred, outcome[0])
            return
          }
        }
        if (Exit.isSuccess(exit) && exit.value._tag === 'keys') {
          const fetched = exit.value
          const fingerprint = JSON.stringify(fetched.keys)
          const [snapshot, event] = yield* Ref.modify(state, (s): [[JwksSnapshot, JwksEvent], State] => {
            const previous = s.loaded
            const changed = previous?.fingerprint !== fingerprint
            const generation = previous === undefined ? 1 : changed ? previous.snapshot.generation + 1 : previous.snapshot.generation
            const snapshot = snapshotOf(changed || previous === undefined ? fetched.keys : previous.snapshot.keys, now, generation)
            const loaded: LoadedKeys = {
              snapshot,
              expiresAtMs: startedAtMs + fetched.maxAgeSeconds * 1000,
              maxAgeSeconds: fetched.maxAgeSeconds,
              fingerprint,
              validators: fetched.validators,
            }
            const event: JwksEvent = {
              type: 'jwks_fetched',
              url,
              reason: inFlight.reason,
              keyCount: snapshot.keys.length,
              droppedKeyCount: fetched.droppedKeyCount,
              durationMs,
              maxAgeSeconds: fetched.maxAgeSeconds,
              generation,
              changed,
            }
            return [
              [snapshot, event],
              {
                ...s,
                loaded,
                inFlight: s.inFlight === inFlight ? undefined : s.inFlight,
                lastSuccessAtMs: now,
                failing: false,
                // A server that sends no validators can no longer be asked conditionally.
                revalidates: s.revalidates && (fetched.validators.etag !== undefined || fetched.validators.lastModified !== undefined),
              },
            ]
          })
          yield* emit([event])
          yield* Deferred.succeed(inFlight.deferred, snapshot)
          return
        }
        const failure: FetchFailureRecord = {
          ...(Exit.isSuccess(exit) ? failureOf('http_status', 'HTTP 304', undefined, 304) : failureFromExit(exit)),
          atMs: now,
        }
        yield* Ref.update(state, (s) => ({
          ...s,
          inFlight: s.inFlight === inFlight ? undefined : s.inFlight,
          lastFailure: failure,
          failing: true,
        }))
        yield* emit([{ type: 'jwks_fetch_failed', url, reason: inFlight.reason, kind: failure.kind, message: failure.message, durationMs }])
        yield* Deferred.fail(inFlight.deferred, unavailableError(settings, failure, failureCooldownMs))
      })

    const run = (inFlight: InFlight): Effect.Effect<void> =>
      Effect.gen(function* () {
        const startedAtMs = yield* Clock.currentTimeMillis
        const { loaded } = yield* Ref.get(state)
        yield* fetchOnce(loaded).pipe(
          Effect.onExit((exit) => settle(inFlight, startedAtMs, exit)),
          Effect.ignore,
        )
      })

    yield* Scope.addFinalizer(
      scope,
      Effect.gen(function* () {
        const inFlight = yield* Ref.modify(state, (s): [InFlight | undefined, State] => [s.inFlight, { ...s, closed: true, inFlight: undefined }])
        if (inFlight !== undefined) yield* Deferred.fail(inFlight.deferred, closedError(settings))
      }),
    )

    // Deciding and forking the fetch it launched happen without an interruption point in between:
    // an in-flight slot whose fetch never started would leave every later caller waiting.
    const decide = (plan: (s: State) => RefreshDecision<InFlight>): Effect.Effect<RefreshPlan<InFlight>> =>
      Effect.uninterruptible(
        Effect.gen(function* () {
          const decision = yield* Ref.modify(state, (s): [RefreshDecision<InFlight>, State] => {
            const d = plan(s)
            return [d, d.next]
          })
          if (decision.launch !== undefined) yield* Effect.forkIn(run(decision.launch), scope)
          if (decision.scheduleTrailingRefetchAtMs !== undefined) yield* Effect.forkIn(trailingRefetch(decision.scheduleTrailingRefetchAtMs), scope)
          yield* emit(decision.events)
          return decision.plan
        }),
      )

    // The refetch at the end of an unknown-kid cooldown: a timer in the key set's scope (closing
    // the scope cancels it), which asks the planner again when it is due.
    const trailingRefetch = (dueAtMs: number): Effect.Effect<void> =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        yield* Effect.sleep(Duration.millis(Math.max(0, dueAtMs - now)))
        const at = yield* Clock.currentTimeMillis
        yield* decide((s) => planTrailingRefetch(s, at, settings, newFetch))
      })

    const awaitFetch = (inFlight: InFlight, staleFallback: LoadedKeys | undefined): Effect.Effect<JwksSnapshot, JwksUnavailableError> =>
      Deferred.await(inFlight.deferred).pipe(
        Effect.catch((error) =>
          Effect.gen(function* () {
            if (staleFallback === undefined) return yield* Effect.fail(error)
            const now = yield* Clock.currentTimeMillis
            if (now >= staleFallback.expiresAtMs + maxStaleMs) return yield* Effect.fail(error)
            const events = yield* Ref.modify(state, (s) => serveStale(s, staleFallback, now, settings))
            yield* emit(events)
            return staleFallback.snapshot
          }),
        ),
      )

    const current: Effect.Effect<JwksSnapshot, JwksUnavailableError> = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const plan = yield* decide((s) => planCurrent(s, now, settings, newFetch))
      switch (plan._tag) {
        case 'serve':
          return plan.snapshot
        case 'await':
          return yield* awaitFetch(plan.inFlight, plan.staleFallback)
        case 'fail':
          return yield* Effect.fail(plan.error)
        case 'suppressed':
        case 'idle':
          return yield* Effect.die(new Error(`unreachable: current is never ${plan._tag}`))
      }
    })

    const refreshForUnknownKid = (kid: string): Effect.Effect<JwksSnapshot, JwksUnavailableError> =>
      Effect.gen(function* () {
        // At most two rounds: a joined fetch that was not itself for an unknown kid, and still
        // lacks this one, is followed by one unknown-kid fetch (subject to the cooldown).
        for (let round = 0; ; round++) {
          const now = yield* Clock.currentTimeMillis
          const plan = yield* decide((s) => planUnknownKid(s, now, kid, settings, newFetch))
          switch (plan._tag) {
            case 'serve':
              return plan.snapshot
            case 'fail':
              return yield* Effect.fail(plan.error)
            case 'suppressed':
              if (plan.error !== undefined) return yield* Effect.fail(plan.error)
              return yield* current
            case 'idle':
              return yield* Effect.die(new Error('unreachable: an unknown kid is never idle'))
            case 'await': {
              const snapshot = yield* awaitFetch(plan.inFlight, undefined)
              if (round > 0 || plan.inFlight.reason === 'unknown_kid' || snapshot.kids.has(kid)) return snapshot
            }
          }
        }
      })

    const peekAt = (nowMs: number): JwksSnapshot | undefined => {
      const { loaded } = Ref.getUnsafe(state)
      return loaded !== undefined && nowMs < loaded.expiresAtMs + maxStaleMs ? loaded.snapshot : undefined
    }
    const peek: Effect.Effect<JwksSnapshot | undefined> = Effect.map(Clock.currentTimeMillis, peekAt)
    const freshAt = (nowMs: number): JwksSnapshot | undefined => {
      const s = Ref.getUnsafe(state)
      const loaded = s.loaded
      // Exactly the case where planCurrent serves without launching anything.
      return !s.closed && loaded !== undefined && nowMs < loaded.expiresAtMs - refreshAheadMs(loaded, settings) ? loaded.snapshot : undefined
    }

    const status: Effect.Effect<KeySetStatus> = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const s = yield* Ref.get(state)
      return {
        source: url,
        lastSuccessfulFetchAt: s.lastSuccessAtMs === undefined ? undefined : new Date(s.lastSuccessAtMs),
        lastFailure: s.lastFailure === undefined ? undefined : { at: new Date(s.lastFailure.atMs), reason: s.lastFailure.message },
        fetchCount: s.fetchCount,
        keyCount: s.loaded?.snapshot.keys.length ?? 0,
        stale: s.loaded !== undefined && now >= s.loaded.expiresAtMs,
      }
    })

    return { current, refreshForUnknownKid, peek, peekAt, freshAt, status } satisfies KeySet
  })
}
