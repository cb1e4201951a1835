import { Clock, Effect, Exit, Fiber, Layer, Scope } from 'effect'
import { TestClock } from 'effect/testing'
import { describe, expect, it } from 'vitest'
import { ConfigError, JwksUnavailableError } from '../errors.ts'
import { type HttpGet, HttpGetFailure, type HttpGetRequest, type HttpGetResponse } from '../platform/types.ts'
import type { JwksEvent } from './jwks-event.ts'
import { makeRemoteKeySet, makeStaticKeySet, type RemoteKeySetOptions } from './remote-key-set.ts'

// ---------------------------------------------------------------------------------------------
// A scripted HTTP seam: counts requests and answers with whatever the test set last.

type Answer = HttpGetResponse | HttpGetFailure

const ecKey = (kid: string) => ({ kty: 'EC', kid, crv: 'P-256', x: `x-${kid}`, y: `y-${kid}` })

const jwksAnswer = (kids: readonly string[], cacheControl: string | null = 'max-age=600'): HttpGetResponse => ({
  status: 200,
  headers: new Headers(cacheControl === null ? {} : { 'cache-control': cacheControl }),
  body: new TextEncoder().encode(JSON.stringify({ keys: kids.map(ecKey) })),
})

const statusAnswer = (status: number, body = ''): HttpGetResponse => ({
  status,
  headers: new Headers(),
  body: new TextEncoder().encode(body),
})

const makeFakeIdp = (initial: Answer) => {
  let answer: Answer = initial
  const queued: Answer[] = []
  let requests = 0
  let held: Promise<void> | undefined
  let release: (() => void) | undefined
  const seen: HttpGetRequest[] = []
  const httpGet: HttpGet = async (request) => {
    requests += 1
    seen.push(request)
    if (held !== undefined) await held
    const next = queued.shift() ?? answer
    if (next instanceof HttpGetFailure) throw next
    return next
  }
  return {
    httpGet,
    seen,
    get requests() {
      return requests
    },
    answer(next: Answer) {
      answer = next
    },
    /** The next responses, in order, before falling back to `answer`. */
    enqueue(...next: Answer[]) {
      queued.push(...next)
    },
    /** Requests wait until `release()` (answering with whatever is set then). */
    hold() {
      held = new Promise<void>((resolve) => {
        release = resolve
      })
    },
    release() {
      held = undefined
      release?.()
    },
    hang() {
      held = new Promise<void>(() => undefined)
    },
  }
}

const url = new URL('https://idp.test/jwks')

const setup = (initial: Answer, options: Partial<RemoteKeySetOptions> = {}) => {
  const idp = makeFakeIdp(initial)
  const events: JwksEvent[] = []
  const make = makeRemoteKeySet({ url, httpGet: idp.httpGet, onEvent: (e) => events.push(e), ...options })
  return { idp, events, make }
}

/** Lets forked fibers and resolved promises run (the fake answers on the microtask queue). */
const flush = Effect.gen(function* () {
  for (let i = 0; i < 5; i++) {
    yield* Effect.yieldNow
    yield* Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))
  }
})

const at = (seconds: number) => TestClock.setTime(seconds * 1000)

const run = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>): Promise<A> =>
  Effect.runPromise(effect.pipe(Effect.scoped, Effect.provide(TestClock.layer())))

const failureOf = <A>(effect: Effect.Effect<A, JwksUnavailableError>) => Effect.flip(effect)

const ofType = <T extends JwksEvent['type']>(events: readonly JwksEvent[], type: T) =>
  events.filter((e): e is Extract<JwksEvent, { type: T }> => e.type === type)

// ---------------------------------------------------------------------------------------------

describe('makeRemoteKeySet: first fetch and freshness', () => {
  it('fetches on first use with the configured request and reports it', async () => {
    const { idp, events, make } = setup(jwksAnswer(['a', 'b'], 'max-age=300'), { trustedCertificates: ['PEM'], certificateValidation: false })
    await run(
      Effect.gen(function* () {
        const keySet = yield* make
        expect(idp.requests).toBe(0)
        expect(yield* keySet.peek).toBeUndefined()
        const snapshot = yield* keySet.current
        expect(snapshot.keys.map((k) => k.kid)).toEqual(['a', 'b'])
        expect([...snapshot.kids]).toEqual(['a', 'b'])
        expect(snapshot.generation).toBe(1)
        expect(snapshot.fetchedAtMs).toBe(0)
        expect(Object.isFrozen(snapshot.keys)).toBe(true)
        expect(yield* keySet.peek).toBe(snapshot)
        const status = yield* keySet.status
        expect(status).toEqual({
          source: 'https://idp.test/jwks',
          lastSuccessfulFetchAt: new Date(0),
          lastFailure: undefined,
          fetchCount: 1,
          keyCount: 2,
          stale: false,
        })
      }),
    )
    expect(idp.seen[0]).toEqual({ url, timeoutMs: 5000, maxBytes: 524288, certificateValidation: false, trustedCertificates: ['PEM'] })
    expect(events).toEqual([
      { type: 'jwks_fetched', url: 'https://idp.test/jwks', reason: 'initial', keyCount: 2, droppedKeyCount: 0, durationMs: 0, maxAgeSeconds: 300, generation: 1, changed: true },
    ])
  })

  it('serves cached keys for max-age and refetches (waiting) once they expire', async () => {
    const { idp, events, make } = setup(jwksAnswer(['a'], 'max-age=120'), { refreshAheadSeconds: 0 })
    await run(
      Effect.gen(function* () {
        const keySet = yield* make
        yield* keySet.current
        for (const t of [1, 60, 119]) {
          yield* at(t)
          yield* keySet.current
        }
        expect(idp.requests).toBe(1)
        yield* at(120)
        expect((yield* keySet.status).stale).toBe(true)
        idp.answer(jwksAnswer(['b'], 'max-age=120'))
        const next = yield* keySet.current
        expect(idp.requests).toBe(2)
        expect([...next.kids]).toEqual(['b'])
        expect(next.generation).toBe(2)
        expect(next.fetchedAtMs).toBe(120_000)
      }),
    )
    expect(ofType(events, 'jwks_fetched').map((e) => e.reason)).toEqual(['initial', 'scheduled'])
  })

  it('clamps max-age into [minMaxAgeSeconds, maxMaxAgeSeconds] and uses the default when absent', async () => {
    const cases: Array<[string | null, Partial<RemoteKeySetOptions>, number]> = [
      ['max-age=5', {}, 60],
      ['max-age=999999', {}, 86400],
      ['no-store', {}, 60],
      [null, {}, 600],
      [null, { defaultMaxAgeSeconds: 900 }, 900],
      ['max-age=10', { minMaxAgeSeconds: 0 }, 10],
    ]
    for (const [cacheControl, options, expected] of cases) {
      const { events, make } = setup(jwksAnswer(['a'], cacheControl), options)
      await run(Effect.flatMap(make, (keySet) => keySet.current))
      expect(ofType(events, 'jwks_fetched')[0]?.maxAgeSeconds).toBe(expected)
    }
  })

  it('keeps the generation (and the same key objects) when a refetch returns the same keys', async () => {
    const { make } = setup(jwksAnswer(['a'], 'max-age=60'), { refreshAheadSeconds: 0 })
    await run(
      Effect.gen(function* () {
        const keySet = yield* make
        const first = yield* keySet.current
        yield* at(61)
        const second = yield* keySet.current
        expect(second).not.toBe(first)
        expect(second.generation).toBe(1)
        expect(second.keys).toBe(first.keys)
        expect(second.fetchedAtMs).toBe(61_000)
      }),
    )
  })
})

describe('makeRemoteKeySet: single flight', () => {
  it('100 concurrent callers on a cold cache make exactly one request and share its result', async () => {
    const { idp, make } = setup(jwksAnswer(['a']))
    idp.hold()
    await run(
      Effect.gen(function* () {
        const keySet = yield* make
        const fiber = yield* Effect.all(Array.from({ length: 100 }, () => keySet.current), { concurrency: 'unbounded' }).pipe(
          Effect.forkChild,
        )
        yield* flush
        expect(idp.requests).toBe(1)
        idp.release()
        const snapshots = yield* Fiber.join(fiber)
        expect(snapshots).toHaveLength(100)
        expect(new Set(snapshots).size).toBe(1)
        expect(idp.requests).toBe(1)
        expect((yield* keySet.status).fetchCount).toBe(1)
      }),
    )
  })

  it('100 concurrent callers on a failing cold cache make one request and all get the 503', async () => {
    const { idp, make } = setup(statusAnswer(500))
    await run(
      Effect.gen(function* () {
        const keySet = yield* make
        const errors = yield* Effect.all(Array.from({ length: 100 }, () => failureOf(keySet.current)), { concurrency: 'unbounded' })
        expect(idp.requests).toBe(1)
        expect(new Set(errors.map((e) => e.message))).toEqual(new Set(['JWKS fetch failed: HTTP 500 from https://idp.test/jwks']))
      }),
    )
  })

  it('an interrupted caller does not cancel the shared fetch', async () => {
    const { idp, make } = setup(jwksAnswer(['a']))
    idp.hold()
    await run(
      Effect.gen(function* () {
        const keySet = yield* make
        const impatient = yield* Effect.forkChild(keySet.current)
        const patient = yield* Effect.forkChild(keySet.current)
        yield* flush
        yield* Fiber.interrupt(impatient)
        idp.release()
        const snapshot = yield* Fiber.join(patient)
        expect(snapshot.kids.has('a')).toBe(true)
        expect(idp.requests).toBe(1)
      }),
    )
  })
})

describe('makeRemoteKeySet: refresh ahead', () => {
  it('within refreshAhead of expiry, returns the cached keys at once and refreshes in the background', async () => {
    const { idp, events, make } = setup(jwksAnswer(['a'], 'max-age=600'))
    await run(
      Effect.gen(function* () {
        const keySet = yield* make
        const first = yield* keySet.current
        yield* at(569)
        expect(yield* keySet.current).toBe(first)
        expect(idp.requests).toBe(1)

        idp.hold()
        idp.answer(jwksAnswer(['a', 'b'], 'max-age=600'))
        yield* at(570)
        // The request is held, so this would hang if current waited for the refresh.
        expect(yield* keySet.current).toBe(first)
        yield* flush
        expect(idp.requests).toBe(2)
        // Further calls while the refresh runs do not start another one.
        yield* at(575)
        expect(yield* keySet.current).toBe(first)
        expect(idp.requests).toBe(2)

        idp.release()
        yield* flush
        const refreshed = yield* keySet.current
        expect([...refreshed.kids]).toEqual(['a', 'b'])
        expect(refreshed.generation).toBe(2)
        expect(idp.requests).toBe(2)
        expect((yield* keySet.status).stale).toBe(false)
      }),
    )
    expect(ofType(events, 'jwks_fetched').map((e) => e.reason)).toEqual(['initial', 'scheduled'])
  })

  it('uses at most half the max-age as the refresh-ahead window', async () => {
    const { idp, make } = setup(jwksAnswer(['a'], 'max-age=60'), { refreshAheadSeconds: 50 })
    await run(
      Effect.gen(function* () {
        const keySet = yield* make
        yield* keySet.current
        yield* at(29)
        yield* keySet.current
        yield* flush
        expect(idp.requests).toBe(1)
        yield* at(30)
        yield* keySet.current
        yield* flush
        expect(idp.requests).toBe(2)
      }),
    )
  })

  it('a failed background refresh keeps the keys and waits out the failure cooldown before retrying', async () => {
    const { idp, events, make } = setup(jwksAnswer(['a'], 'max-age=600'))
    await run(
      Effect.gen(function* () {
        const keySet = yield* make
        const first = yield* keySet.current
        idp.answer(statusAnswer(503))
        yield* at(580)
        expect(yield* keySet.current).toBe(first)
        yield* flush
        expect(idp.requests).toBe(2)
        yield* at(584)
        expect(yield* keySet.current).toBe(first)
        yield* flush
        expect(idp.requests).toBe(2)
        yield* at(585)
        expect(yield* keySet.current).toBe(first)
        yield* flush
        expect(idp.requests).toBe(3)
        expect((yield* keySet.status).lastFailure).toEqual({ at: new Date(585_000), reason: 'HTTP 503' })
      }),
    )
    expect(ofType(events, 'jwks_fetch_failed').map((e) => [e.reason, e.kind, e.message])).toEqual([
      ['scheduled', 'http_status', 'HTTP 503'],
      ['scheduled', 'http_status', 'HTTP 503'],
    ])
  })
})

describe('makeRemoteKeySet: stale-if-error and the 503', () => {
  it('serves the last good keys until maxStale past expiry, then fails with JwksUnavailableError', async () => {
    const { idp, events, make } = setup(jwksAnswer(['a'], 'max-age=60'), { refreshAheadSeconds: 0, maxStaleSeconds: 300 })
    await run(
      Effect.gen(function* () {
        const keySet = yield* make
        const good = yield* keySet.current
        idp.answer(statusAnswer(500))

        // Expired: the caller waits for the refetch, which fails, and gets the stale keys.
        yield* at(61)
        expect(yield* keySet.current).toBe(good)
        expect(idp.requests).toBe(2)
        const status = yield* keySet.status
        expect(status.stale).toBe(true)
        expect(status.lastFailure).toEqual({ at: new Date(61_000), reason: 'HTTP 500' })

        // While failing: answered at once from the stale keys; a retry at most every 5 s, in the background.
        idp.hold()
        yield* at(62)
        expect(yield* keySet.current).toBe(good)
        yield* flush
        expect(idp.requests).toBe(2)
        yield* at(66)
        expect(yield* keySet.current).toBe(good) // held request: proves the caller did not wait
        yield* flush
        expect(idp.requests).toBe(3)
        idp.release()
        yield* flush
        yield* at(67)
        expect(yield* keySet.current).toBe(good) // the background retry failed too: announced again
        expect(idp.requests).toBe(3)

        // Past the ceiling (60 s max-age + 300 s max-stale): a waiting attempt, then the 503.
        yield* at(360)
        expect(yield* keySet.peek).toBeUndefined()
        const error = yield* failureOf(keySet.current)
        expect(idp.requests).toBe(4)
        expect(error).toBeInstanceOf(JwksUnavailableError)
        expect(error.status).toBe(503)
        expect(error.code).toBe('jwks_unavailable')
        expect(error.message).toBe('JWKS fetch failed: HTTP 500 from https://idp.test/jwks')
        expect(error.retryAfterSeconds).toBe(5)
        expect(error.expected).toBe(200)
        expect(error.actual).toBe(500)

        // Within the failure cooldown: the same 503 without a request, with the remaining wait.
        yield* at(362)
        const again = yield* failureOf(keySet.current)
        expect(again.retryAfterSeconds).toBe(3)
        expect(idp.requests).toBe(4)

        // The provider recovers: fresh keys again.
        idp.answer(jwksAnswer(['b'], 'max-age=60'))
        yield* at(365)
        expect([...(yield* keySet.current).kids]).toEqual(['b'])
        expect((yield* keySet.status).stale).toBe(false)
      }),
    )
    const stale = ofType(events, 'jwks_stale_served')
    // One announcement per failed attempt that led to stale keys (t=61, and the retry at t=66 seen at t=67).
    expect(stale).toEqual([
      { type: 'jwks_stale_served', url: 'https://idp.test/jwks', staleForSeconds: 1, message: 'HTTP 500' },
      { type: 'jwks_stale_served', url: 'https://idp.test/jwks', staleForSeconds: 7, message: 'HTTP 500' },
    ])
  })

  it('with no keys at all, fails at once and refetches only after the failure cooldown', async () => {
    const { idp, make } = setup(new HttpGetFailure('timeout', 'timed out after 5000 ms'), { failureCooldownSeconds: 5 })
    await run(
      Effect.gen(function* () {
        const keySet = yield* make
        const first = yield* failureOf(keySet.current)
        expect(first.message).toBe('JWKS fetch failed: timed out after 5000 ms from https://idp.test/jwks')
        expect(first.retryAfterSeconds).toBe(5)
        expect(first.cause).toBeInstanceOf(HttpGetFailure)
        for (let i = 0; i < 100; i++) yield* failureOf(keySet.current)
        yield* at(4.5)
        expect((yield* failureOf(keySet.current)).retryAfterSeconds).toBe(1)
        expect(idp.requests).toBe(1)
        yield* at(5)
        idp.answer(jwksAnswer(['a']))
        expect((yield* keySet.current).kids.has('a')).toBe(true)
        expect(idp.requests).toBe(2)
      }),
    )
  })
})

describe('makeRemoteKeySet: unknown kid', () => {
  it('refetches at once for an unknown kid, then suppresses further refetches for the cooldown', async () => {
    const { idp, events, make } = setup(jwksAnswer(['a']))
    await run(
      Effect.gen(function* () {
        const keySet = yield* make
        yield* keySet.current
        idp.answer(jwksAnswer(['a', 'b']))
        yield* at(1)
        const rotated = yield* keySet.refreshForUnknownKid('b')
        expect(rotated.kids.has('b')).toBe(true)
        expect(idp.requests).toBe(2)

        // A kid that is already there needs no request at all.
        expect(yield* keySet.refreshForUnknownKid('a')).toBe(rotated)

        yield* at(11)
        expect(yield* keySet.refreshForUnknownKid('c')).toBe(rotated)
        expect(idp.requests).toBe(2)

        // 'c' was turned away, so the cooldown's end brings one refetch with no caller waiting on it;
        // a 'c' right after it is within the next window.
        yield* at(31)
        yield* flush
        expect(idp.requests).toBe(3)
        yield* keySet.refreshForUnknownKid('c')
        expect(idp.requests).toBe(3)
      }),
    )
    expect(ofType(events, 'jwks_refetch_suppressed')).toEqual([
      { type: 'jwks_refetch_suppressed', url: 'https://idp.test/jwks', kid: 'c', retryInSeconds: 20 },
      { type: 'jwks_refetch_suppressed', url: 'https://idp.test/jwks', kid: 'c', retryInSeconds: 30 },
    ])
    expect(ofType(events, 'jwks_fetched').map((e) => e.reason)).toEqual(['initial', 'unknown_kid', 'unknown_kid'])
  })

  it('a flood of 1000 distinct unknown kids costs exactly one fetch per cooldown window', async () => {
    const { idp, events, make } = setup(jwksAnswer(['a'], 'max-age=86400'), { minMaxAgeSeconds: 86400 })
    const flood = (keySet: { refreshForUnknownKid: (kid: string) => Effect.Effect<unknown, unknown> }, round: number) =>
      Effect.all(
        Array.from({ length: 1000 }, (_, i) => keySet.refreshForUnknownKid(`forged-${round}-${i}`)),
        { concurrency: 'unbounded' },
      )
    await run(
      Effect.gen(function* () {
        const keySet = yield* make
        yield* keySet.current
        expect(idp.requests).toBe(1)

        yield* at(100)
        yield* flood(keySet, 1) // concurrent: one fetch, everyone joins it
        expect(idp.requests).toBe(2)

        for (const [t, round] of [[110, 2], [129, 3]] as const) {
          yield* at(t)
          yield* flood(keySet, round) // within the 30 s window: suppressed
          expect(idp.requests).toBe(2)
        }

        // The window's end brings the one refetch by itself (forged kids were turned away in it);
        // the flood right after it falls in the next window.
        yield* at(130)
        yield* flush
        expect(idp.requests).toBe(3)
        yield* flood(keySet, 4)
        expect(idp.requests).toBe(3)

        for (let t = 131; t < 160; t += 7) {
          yield* at(t)
          for (let i = 0; i < 1000; i++) yield* keySet.refreshForUnknownKid(`sequential-${t}-${i}`) // sequential
        }
        expect(idp.requests).toBe(3)
        yield* at(160)
        yield* flush
        expect(idp.requests).toBe(4)
        yield* flood(keySet, 5)
        expect(idp.requests).toBe(4)
      }),
    )
    expect(ofType(events, 'jwks_fetched').map((e) => e.reason)).toEqual(['initial', 'unknown_kid', 'unknown_kid', 'unknown_kid'])
    expect(ofType(events, 'jwks_refetch_suppressed')).toHaveLength(2000 + 1000 + 5000 + 1000)
  })

  it('picks up a rotation right after a scheduled fetch with exactly one extra fetch', async () => {
    const { idp, events, make } = setup(jwksAnswer(['a'], 'max-age=60'), { refreshAheadSeconds: 0 })
    await run(
      Effect.gen(function* () {
        const keySet = yield* make
        yield* keySet.current
        yield* at(61)
        yield* keySet.current // scheduled refetch at expiry
        expect(idp.requests).toBe(2)
        idp.answer(jwksAnswer(['b'], 'max-age=60'))
        yield* at(62)
        const rotated = yield* keySet.refreshForUnknownKid('b')
        expect(rotated.kids.has('b')).toBe(true)
        expect(idp.requests).toBe(3)
      }),
    )
    expect(ofType(events, 'jwks_fetched').map((e) => e.reason)).toEqual(['initial', 'scheduled', 'unknown_kid'])
  })

  it('joins an in-flight refresh; if that still lacks the kid, makes one unknown-kid fetch', async () => {
    const { idp, make } = setup(jwksAnswer(['a'], 'max-age=600'))
    await run(
      Effect.gen(function* () {
        const keySet = yield* make
        yield* keySet.current
        idp.hold()
        yield* at(580)
        yield* keySet.current // starts the background refresh (held)
        yield* flush
        expect(idp.requests).toBe(2)
        const waiting = yield* Effect.forkChild(keySet.refreshForUnknownKid('b'))
        yield* flush
        expect(idp.requests).toBe(2) // joined, no new request yet
        idp.enqueue(jwksAnswer(['a'])) // the joined refresh still lacks 'b'…
        idp.answer(jwksAnswer(['a', 'b'])) // …the follow-up unknown-kid fetch has it
        idp.release()
        const snapshot = yield* Fiber.join(waiting)
        expect(snapshot.kids.has('b')).toBe(true)
        expect(idp.requests).toBe(3)
      }),
    )
  })

  it('joining an in-flight unknown-kid fetch that lacks the kid does not fetch again', async () => {
    const { idp, make } = setup(jwksAnswer(['a']))
    await run(
      Effect.gen(function* () {
        const keySet = yield* make
        yield* keySet.current
        idp.hold()
        const first = yield* Effect.forkChild(keySet.refreshForUnknownKid('x'))
        yield* flush
        const second = yield* Effect.forkChild(keySet.refreshForUnknownKid('y'))
        yield* flush
        idp.release()
        const [s1, s2] = [yield* Fiber.join(first), yield* Fiber.join(second)]
        expect(s1).toBe(s2)
        expect(idp.requests).toBe(2)
      }),
    )
  })

  it('an unknown kid while the provider fails is a 503, not a missing key', async () => {
    const { idp, make } = setup(jwksAnswer(['a'], 'max-age=600'))
    await run(
      Effect.gen(function* () {
        const keySet = yield* make
        yield* keySet.current
        idp.answer(new HttpGetFailure('network', 'network error: connect ECONNREFUSED'))
        yield* at(10)
        const first = yield* failureOf(keySet.refreshForUnknownKid('new'))
        expect(first.message).toBe('JWKS fetch failed: network error: connect ECONNREFUSED from https://idp.test/jwks')
        expect(idp.requests).toBe(2)
        yield* at(20)
        const suppressed = yield* failureOf(keySet.refreshForUnknownKid('other'))
        expect(suppressed.status).toBe(503)
        expect(suppressed.retryAfterSeconds).toBe(20)
        expect(idp.requests).toBe(2)
        // Known kids are still served from the cached keys.
        expect((yield* keySet.current).kids.has('a')).toBe(true)
      }),
    )
  })

  it('cuts long kids in events', async () => {
    const { events, make } = setup(jwksAnswer(['a']))
    await run(
      Effect.gen(function* () {
        const keySet = yield* make
        yield* keySet.refreshForUnknownKid('x')
        yield* keySet.refreshForUnknownKid('k'.repeat(5000))
      }),
    )
    expect(ofType(events, 'jwks_refetch_suppressed')[0]?.kid).toHaveLength(100)
  })
})

describe('makeRemoteKeySet: conditional requests and flood, then rotation', () => {
  const lastModified = 'Thu, 01 Jan 2026 00:00:00 GMT'
  const withValidators = (kids: readonly string[], etag: string, cacheControl = 'max-age=600'): HttpGetResponse => ({
    ...jwksAnswer(kids, cacheControl),
    headers: new Headers({ 'cache-control': cacheControl, etag, 'last-modified': lastModified }),
  })
  const notModified = (headers: Record<string, string> = {}): HttpGetResponse => ({ status: 304, headers: new Headers(headers), body: new Uint8Array(0) })

  it('revalidates with the last ETag and Last-Modified; a 304 renews the lifetime and keeps the very same keys', async () => {
    const { idp, events, make } = setup(withValidators(['a'], '"v1"'))
    await run(
      Effect.gen(function* () {
        const keySet = yield* make
        const first = yield* keySet.current
        expect(idp.seen[0]?.headers).toBeUndefined() // nothing to revalidate yet

        yield* at(600) // expired
        idp.answer(notModified({ 'cache-control': 'max-age=300', etag: '"v1"' }))
        const again = yield* keySet.current
        expect(idp.requests).toBe(2)
        expect(idp.seen[1]?.headers).toEqual({ 'if-none-match': '"v1"', 'if-modified-since': lastModified })
        expect(again).toBe(first) // not decoded or imported again: the same snapshot, same JWK objects
        expect((yield* keySet.status).lastSuccessfulFetchAt).toEqual(new Date(600_000))

        // The 304's own max-age applies: fresh until 900 s (refresh-ahead starts at 870 s).
        yield* at(869)
        yield* keySet.current
        expect(idp.requests).toBe(2)
        yield* at(900)
        idp.answer(notModified()) // no Cache-Control: the previous max-age (300 s) again
        yield* keySet.current
        expect(idp.requests).toBe(3)
        yield* at(1199)
        yield* keySet.current
        expect(idp.requests).toBe(3)
      }),
    )
    expect(ofType(events, 'jwks_not_modified')).toEqual([
      { type: 'jwks_not_modified', url: 'https://idp.test/jwks', reason: 'scheduled', durationMs: 0, maxAgeSeconds: 300, generation: 1 },
      { type: 'jwks_not_modified', url: 'https://idp.test/jwks', reason: 'scheduled', durationMs: 0, maxAgeSeconds: 300, generation: 1 },
    ])
    expect(ofType(events, 'jwks_fetched')).toHaveLength(1)
  })

  it('a 304 nobody asked for is a failure, not keys', async () => {
    const { events, make } = setup({ status: 304, headers: new Headers(), body: new Uint8Array(0) })
    const error = await run(Effect.gen(function* () {
      const keySet = yield* make
      return yield* failureOf(keySet.current)
    }))
    expect(error).toBeInstanceOf(JwksUnavailableError)
    expect(ofType(events, 'jwks_fetch_failed')).toMatchObject([{ kind: 'http_status', message: 'HTTP 304' }])
  })

  it('keeps the long cooldown for a server that ignores validators, and sends none when it stops giving them', async () => {
    const { idp, make } = setup(withValidators(['a'], '"v1"'))
    await run(
      Effect.gen(function* () {
        const keySet = yield* make
        yield* keySet.current
        idp.answer(jwksAnswer(['a'])) // a full 200 without validators, whatever was asked
        yield* at(10)
        yield* keySet.refreshForUnknownKid('x')
        expect(idp.seen[1]?.headers).toEqual({ 'if-none-match': '"v1"', 'if-modified-since': lastModified })
        yield* at(16)
        yield* keySet.refreshForUnknownKid('y') // within 30 s: suppressed
        expect(idp.requests).toBe(2)
        yield* at(40)
        yield* flush // the refetch at the end of the cooldown
        expect(idp.requests).toBe(3)
        expect(idp.seen[2]?.headers).toBeUndefined()
      }),
    )
  })

  it('flood, then rotation: the new key is accepted within 5 s, the flood costs one fetch per 5 s, nobody waits', async () => {
    // An IdP that honours If-None-Match; it rotates to key b at 3 s.
    let kids = ['a']
    let requests = 0
    const seen: (string | undefined)[] = []
    const etagOf = () => `"${kids.join('-')}"`
    const httpGet: HttpGet = async (request) => {
      requests++
      seen.push(request.headers?.['if-none-match'])
      if (request.headers?.['if-none-match'] === etagOf()) return { status: 304, headers: new Headers({ etag: etagOf() }), body: new Uint8Array(0) }
      return withValidators(kids, etagOf(), 'max-age=86400')
    }
    const events: JwksEvent[] = []
    const outcome = await run(
      Effect.gen(function* () {
        const keySet = yield* makeRemoteKeySet({ url, httpGet, onEvent: (e) => events.push(e) })
        yield* keySet.current
        let acceptedAtMs: number | undefined
        let refusedAnswers = 0
        for (let ms = 0; ms <= 30_000; ms += 100) {
          yield* TestClock.setTime(ms)
          if (ms === 3_000) kids = ['b', 'a']
          yield* flush
          // Every tick: a forged kid, and (after the rotation) a token signed with b.
          const forged = yield* keySet.refreshForUnknownKid(`forged-${ms}`)
          expect(forged.kids.has(`forged-${ms}`)).toBe(false)
          if (ms >= 3_000 && acceptedAtMs === undefined) {
            const before = yield* Clock.currentTimeMillis
            const snapshot = yield* keySet.refreshForUnknownKid('b')
            expect(yield* Clock.currentTimeMillis).toBe(before) // answered at once, never held for the cooldown
            if (snapshot.kids.has('b')) acceptedAtMs = ms
            else refusedAnswers++
          }
        }
        return { acceptedAtMs, refusedAnswers }
      }),
    )
    expect(outcome.acceptedAtMs).toBeDefined()
    expect(outcome.acceptedAtMs! - 3_000).toBeLessThanOrEqual(5_000)
    expect(outcome.refusedAnswers).toBeGreaterThan(0) // the rotation did land inside a cooldown
    // The initial fetch, then at most one per 5 s window over the 30 s flood.
    expect(requests).toBeLessThanOrEqual(1 + 30 / 5 + 1)
    expect(seen.slice(1).every((etag) => etag !== undefined)).toBe(true) // every refetch was conditional
    expect(ofType(events, 'jwks_not_modified').length).toBeGreaterThan(0)
    expect(ofType(events, 'jwks_fetched').map((e) => e.changed)).toEqual([true, true])
  })
})

describe('makeRemoteKeySet: what counts as a failure', () => {
  const enc = (s: string) => new TextEncoder().encode(s)
  const cases: Array<[string, Answer, string, string]> = [
    ['HTTP 302 (redirects are not followed)', { status: 302, headers: new Headers({ location: 'https://elsewhere/' }), body: enc('') }, 'http_status', 'HTTP 302'],
    ['HTTP 404', statusAnswer(404), 'http_status', 'HTTP 404'],
    ['HTTP 500', statusAnswer(500), 'http_status', 'HTTP 500'],
    ['HTTP 204', statusAnswer(204), 'http_status', 'HTTP 204'],
    ['garbage body', { status: 200, headers: new Headers(), body: enc('<html>') }, 'invalid_body', 'not a JWK Set: body is not JSON ('],
    ['keys not an array', { status: 200, headers: new Headers(), body: enc('{"keys":{}}') }, 'invalid_body', 'not a JWK Set: keys: expected an array'],
    ['empty key list', { status: 200, headers: new Headers(), body: enc('{"keys":[]}') }, 'no_keys', 'the JWK Set contains no keys'],
    ['only malformed keys', { status: 200, headers: new Headers(), body: enc('{"keys":[{"kty":1}]}') }, 'no_keys', 'the JWK Set contains no well-formed keys (1 dropped; keys[0]: kty: expected a string)'],
    ['TLS failure', new HttpGetFailure('tls', 'TLS certificate not trusted (SELF_SIGNED_CERT_IN_CHAIN)'), 'tls', 'TLS certificate not trusted (SELF_SIGNED_CERT_IN_CHAIN)'],
    ['too large', new HttpGetFailure('too_large', 'response larger than 524288 bytes'), 'too_large', 'response larger than 524288 bytes'],
  ]
  it.each(cases)('%s: fails precisely and keeps the previous keys', async (_name, answer, kind, message) => {
    const { idp, events, make } = setup(jwksAnswer(['a'], 'max-age=60'), { refreshAheadSeconds: 0 })
    await run(
      Effect.gen(function* () {
        const keySet = yield* make
        const good = yield* keySet.current
        idp.answer(answer)
        yield* at(61)
        expect(yield* keySet.current).toBe(good) // stale keys kept
        expect((yield* keySet.status).lastFailure?.reason.startsWith(message)).toBe(true)
      }),
    )
    const failed = ofType(events, 'jwks_fetch_failed')
    expect(failed).toHaveLength(1)
    expect(failed[0]?.kind).toBe(kind)
    expect(failed[0]?.message.startsWith(message)).toBe(true)
  })

  it('names the failure precisely in the 503 message on a cold cache', async () => {
    const { make } = setup(new HttpGetFailure('tls', 'TLS certificate not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE)'))
    const error = await run(Effect.flatMap(make, (keySet) => failureOf(keySet.current)))
    expect(error.message).toBe('JWKS fetch failed: TLS certificate not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE) from https://idp.test/jwks')
  })

  it('drops malformed keys but keeps the well-formed ones, reporting the count', async () => {
    const body = new TextEncoder().encode(JSON.stringify({ keys: [ecKey('a'), { kty: 7 }, 'junk'] }))
    const { events, make } = setup({ status: 200, headers: new Headers(), body })
    const snapshot = await run(Effect.flatMap(make, (keySet) => keySet.current))
    expect([...snapshot.kids]).toEqual(['a'])
    expect(ofType(events, 'jwks_fetched')[0]?.droppedKeyCount).toBe(2)
  })

  it('cuts off an HttpGet that ignores its own timeout', async () => {
    const { idp, make } = setup(jwksAnswer(['a']), { timeoutMs: 2000 })
    idp.hang()
    await run(
      Effect.gen(function* () {
        const keySet = yield* make
        const fiber = yield* Effect.forkChild(failureOf(keySet.current))
        yield* flush
        yield* TestClock.adjust(3000)
        const error = yield* Fiber.join(fiber)
        expect(error.message).toBe('JWKS fetch failed: timed out after 2000 ms from https://idp.test/jwks')
      }),
    )
  })

  it('hides URL credentials in messages and events', async () => {
    const idp = makeFakeIdp(statusAnswer(500))
    const events: JwksEvent[] = []
    const error = await run(
      Effect.flatMap(
        makeRemoteKeySet({ url: new URL('https://user:secret@idp.test/jwks'), httpGet: idp.httpGet, onEvent: (e) => events.push(e) }),
        (keySet) => failureOf(keySet.current),
      ),
    )
    expect(error.message).toBe('JWKS fetch failed: HTTP 500 from https://idp.test/jwks')
    expect(JSON.stringify(events)).not.toContain('secret')
  })
})

describe('makeRemoteKeySet: robustness', () => {
  it('an onEvent callback that throws breaks nothing', async () => {
    const idp = makeFakeIdp(jwksAnswer(['a']))
    let calls = 0
    const snapshot = await run(
      Effect.gen(function* () {
        const keySet = yield* makeRemoteKeySet({
          url,
          httpGet: idp.httpGet,
          onEvent: () => {
            calls += 1
            throw new Error('logger down')
          },
        })
        yield* keySet.current
        yield* keySet.refreshForUnknownKid('zzz')
        yield* keySet.refreshForUnknownKid('yyy') // suppressed event
        return yield* keySet.current
      }),
    )
    expect(snapshot.kids.has('a')).toBe(true)
    expect(calls).toBe(3)
  })

  it('closing the scope stops fetches: waiting callers get a 503 and later calls fail without I/O', async () => {
    const idp = makeFakeIdp(jwksAnswer(['a']))
    const events: JwksEvent[] = []
    idp.hold()
    await Effect.runPromise(
      Effect.gen(function* () {
        const scope = yield* Scope.make()
        const keySet = yield* makeRemoteKeySet({ url, httpGet: idp.httpGet, onEvent: (e) => events.push(e) }).pipe(Scope.provide(scope))
        const waiting = yield* Effect.forkChild(failureOf(keySet.current))
        yield* flush
        expect(idp.requests).toBe(1)
        yield* Scope.close(scope, Exit.void)
        const error = yield* Fiber.join(waiting)
        expect(error).toBeInstanceOf(JwksUnavailableError)
        expect(error.message).toMatch(/closed/)
        idp.release()
        yield* flush
        const later = yield* failureOf(keySet.current)
        expect(later.message).toBe('JWKS key set for https://idp.test/jwks is closed')
        expect(idp.requests).toBe(1)
      }).pipe(Effect.provide(TestClock.layer())),
    )
    expect(ofType(events, 'jwks_fetched')).toHaveLength(0)
  })

  it('reports a defect in an injected Clock as kind internal, not as a closed key set', async () => {
    // A Clock copied with object spread loses its prototype's `sleep`, which the timeout guard needs.
    const brokenClock = { ...Clock.Clock.defaultValue() } as Clock.Clock
    const { events, make } = setup(jwksAnswer(['a']))
    const error = await Effect.runPromise(
      Effect.flatMap(make, (keySet) => failureOf(keySet.current)).pipe(Effect.scoped, Effect.provide(Layer.succeed(Clock.Clock, brokenClock))),
    )
    expect(error.message).toMatch(/^JWKS fetch failed: unexpected error: .+ from https:\/\/idp\.test\/jwks$/)
    expect(ofType(events, 'jwks_fetch_failed')[0]?.kind).toBe('internal')
  })

  it('checks options when it is built, naming each bad field', () => {
    const idp = makeFakeIdp(jwksAnswer(['a']))
    let caught: unknown
    try {
      makeRemoteKeySet({ url: new URL('ftp://idp.test/jwks'), httpGet: idp.httpGet, timeoutMs: 0, maxStaleSeconds: -1, minMaxAgeSeconds: 100, maxMaxAgeSeconds: 50 })
    } catch (e) {
      caught = e
    }
    expect(caught).toBeInstanceOf(ConfigError)
    expect((caught as ConfigError).issues.map((i) => i.path)).toEqual(['url', 'timeoutMs', 'maxStaleSeconds', 'maxMaxAgeSeconds'])
  })
})

describe('makeStaticKeySet', () => {
  it('serves inline keys without I/O and reports itself as inline', async () => {
    const keySet = makeStaticKeySet([ecKey('a'), ecKey('b')])
    const [current, refreshed, peeked, status] = await Effect.runPromise(
      Effect.all([keySet.current, keySet.refreshForUnknownKid('zzz'), keySet.peek, keySet.status]),
    )
    expect([...current.kids]).toEqual(['a', 'b'])
    expect(refreshed).toBe(current)
    expect(peeked).toBe(current)
    expect(status).toEqual({ source: 'inline', lastSuccessfulFetchAt: undefined, lastFailure: undefined, fetchCount: 0, keyCount: 2, stale: false })
  })
})
