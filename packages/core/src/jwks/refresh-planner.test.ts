import { describe, expect, it } from 'vitest'
import { snapshotOf } from './key-set.ts'
import {
  conditionalHeaders,
  type FetchInFlight,
  initialRefreshState,
  type LoadedKeys,
  planCurrent,
  planTrailingRefetch,
  planUnknownKid,
  type RefreshSettings,
  type RefreshState,
} from './refresh-planner.ts'

// The planner is pure: every case is a state, a time and a decision, with no clock and no I/O.
const settings: RefreshSettings = {
  url: 'https://idp.test/jwks',
  refreshAheadSeconds: 30,
  unknownKidCooldownMs: 30_000,
  revalidatedUnknownKidCooldownMs: 5_000,
  failureCooldownMs: 5_000,
  maxStaleMs: 3_600_000,
}
const newFetch = (reason: FetchInFlight['reason']): FetchInFlight => ({ reason })

const loaded = (kids: string[], extra: Partial<LoadedKeys> = {}): LoadedKeys => ({
  snapshot: snapshotOf(kids.map((kid) => ({ kty: 'EC', kid, crv: 'P-256', x: 'x', y: 'y' })), 0, 1),
  expiresAtMs: 600_000,
  maxAgeSeconds: 600,
  fingerprint: kids.join(),
  validators: { etag: '"v1"', lastModified: undefined },
  ...extra,
})

/** Keys `a` loaded at 0; an unknown-kid fetch at 1 s; optionally a server that answered 304. */
const afterKidFetch = (revalidates: boolean): RefreshState<FetchInFlight> => ({
  ...initialRefreshState,
  loaded: loaded(['a']),
  lastSuccessAtMs: 1_000,
  lastUnknownKidFetchAtMs: 1_000,
  fetchCount: 2,
  revalidates,
})

describe('planUnknownKid', () => {
  it('refetches at once when no cooldown runs, opening one', () => {
    const d = planUnknownKid({ ...initialRefreshState, loaded: loaded(['a']) }, 10_000, 'b', settings, newFetch)
    expect(d.plan._tag).toBe('await')
    expect(d.launch).toEqual({ reason: 'unknown_kid' })
    expect(d.next).toMatchObject({ inFlight: d.launch, lastUnknownKidFetchAtMs: 10_000, fetchCount: 1, unknownKidSuppressed: false })
    expect(d.scheduleTrailingRefetchAtMs).toBeUndefined()
  })

  it('serves a known kid and joins a running fetch without launching', () => {
    const s = afterKidFetch(false)
    expect(planUnknownKid(s, 2_000, 'a', settings, newFetch).plan._tag).toBe('serve')
    const running = { ...s, inFlight: { reason: 'scheduled' as const } }
    const d = planUnknownKid(running, 2_000, 'b', settings, newFetch)
    expect(d.plan).toEqual({ _tag: 'await', inFlight: running.inFlight, staleFallback: undefined })
    expect(d.launch).toBeUndefined()
  })

  it('within the cooldown answers at once and schedules one refetch for the moment it ends', () => {
    const first = planUnknownKid(afterKidFetch(false), 2_000, 'forged-1', settings, newFetch)
    expect(first.plan).toEqual({ _tag: 'suppressed', retryInSeconds: 29, error: undefined })
    expect(first.launch).toBeUndefined()
    expect(first.scheduleTrailingRefetchAtMs).toBe(31_000)
    expect(first.next).toMatchObject({ unknownKidSuppressed: true, trailingRefetchAtMs: 31_000 })
    expect(first.events).toEqual([{ type: 'jwks_refetch_suppressed', url: settings.url, kid: 'forged-1', retryInSeconds: 29 }])
    // Every later suppression in the window rides on the same scheduled refetch.
    const second = planUnknownKid(first.next, 3_000, 'forged-2', settings, newFetch)
    expect(second.plan._tag).toBe('suppressed')
    expect(second.scheduleTrailingRefetchAtMs).toBeUndefined()
    expect(second.next.trailingRefetchAtMs).toBe(31_000)
  })

  it('uses the short cooldown once the server has answered a conditional request with 304', () => {
    const d = planUnknownKid(afterKidFetch(true), 2_000, 'forged', settings, newFetch)
    expect(d.plan).toEqual({ _tag: 'suppressed', retryInSeconds: 4, error: undefined })
    expect(d.scheduleTrailingRefetchAtMs).toBe(6_000)
    expect(planUnknownKid(afterKidFetch(true), 6_000, 'forged', settings, newFetch).launch).toEqual({ reason: 'unknown_kid' })
    // The short cooldown never lengthens a shorter configured one.
    const short = { ...settings, unknownKidCooldownMs: 2_000 }
    expect(planUnknownKid(afterKidFetch(true), 3_000, 'forged', short, newFetch).launch).toEqual({ reason: 'unknown_kid' })
  })

  it('cuts the kid in its event to 100 characters', () => {
    const d = planUnknownKid(afterKidFetch(false), 2_000, 'k'.repeat(500), settings, newFetch)
    expect(d.events).toMatchObject([{ kid: 'k'.repeat(100) }])
  })

  it('while the provider fails answers 503 and schedules nothing (the failure cooldown paces retries)', () => {
    const failing: RefreshState<FetchInFlight> = {
      ...afterKidFetch(false),
      failing: true,
      lastFailure: { atMs: 1_500, kind: 'network', message: 'network error: refused', status: undefined, cause: undefined },
    }
    const d = planUnknownKid(failing, 2_000, 'b', settings, newFetch)
    expect(d.plan._tag).toBe('suppressed')
    if (d.plan._tag !== 'suppressed') return
    expect(d.plan.error?.status).toBe(503)
    expect(d.scheduleTrailingRefetchAtMs).toBeUndefined()
    expect(d.next.unknownKidSuppressed).toBe(false)
  })
})

describe('planTrailingRefetch', () => {
  const suppressed = (revalidates: boolean) => planUnknownKid(afterKidFetch(revalidates), 2_000, 'forged', settings, newFetch).next

  it('starts one unknown-kid fetch when the cooldown ends, which opens the next window', () => {
    const d = planTrailingRefetch(suppressed(true), 6_000, settings, newFetch)
    expect(d.plan._tag).toBe('idle')
    expect(d.launch).toEqual({ reason: 'unknown_kid' })
    expect(d.next).toMatchObject({ lastUnknownKidFetchAtMs: 6_000, unknownKidSuppressed: false, trailingRefetchAtMs: undefined, fetchCount: 3 })
    // A kid suppressed in the next window schedules the next refetch: one fetch per window.
    const again = planUnknownKid({ ...d.next, inFlight: undefined }, 7_000, 'forged-2', settings, newFetch)
    expect(again.scheduleTrailingRefetchAtMs).toBe(11_000)
  })

  it('does nothing when no kid was turned away, a fetch runs, the provider fails, or the set is closed', () => {
    const cases: RefreshState<FetchInFlight>[] = [
      { ...afterKidFetch(true), trailingRefetchAtMs: 6_000 },
      { ...suppressed(true), inFlight: { reason: 'scheduled' } },
      { ...suppressed(true), failing: true, lastFailure: { atMs: 5_500, kind: 'timeout', message: 't', status: undefined, cause: undefined } },
      { ...suppressed(true), closed: true },
    ]
    for (const s of cases) {
      const d = planTrailingRefetch(s, 6_000, settings, newFetch)
      expect(d.launch).toBeUndefined()
      expect(d.scheduleTrailingRefetchAtMs).toBeUndefined()
      expect(d.next.trailingRefetchAtMs).toBeUndefined()
    }
  })

  it('reschedules when the cooldown in force is longer than when it was scheduled', () => {
    // Scheduled for the short cooldown, but the server stopped sending validators meanwhile.
    const s = { ...suppressed(true), revalidates: false }
    const d = planTrailingRefetch(s, 6_000, settings, newFetch)
    expect(d.launch).toBeUndefined()
    expect(d.scheduleTrailingRefetchAtMs).toBe(31_000)
    expect(d.next.trailingRefetchAtMs).toBe(31_000)
  })
})

describe('planCurrent', () => {
  const s: RefreshState<FetchInFlight> = { ...initialRefreshState, loaded: loaded(['a']), lastSuccessAtMs: 0, fetchCount: 1 }

  it('serves fresh keys, refreshes in the background within the refresh-ahead window, waits once expired', () => {
    expect(planCurrent(s, 100_000, settings, newFetch)).toMatchObject({ plan: { _tag: 'serve' }, launch: undefined })
    expect(planCurrent(s, 580_000, settings, newFetch)).toMatchObject({ plan: { _tag: 'serve' }, launch: { reason: 'scheduled' } })
    expect(planCurrent(s, 600_000, settings, newFetch)).toMatchObject({ plan: { _tag: 'await' }, launch: { reason: 'scheduled' } })
    expect(planCurrent(initialRefreshState, 0, settings, newFetch)).toMatchObject({ plan: { _tag: 'await' }, launch: { reason: 'initial' } })
  })

  it('serves stale keys while the provider fails, announcing it once per failed attempt', () => {
    const failing = { ...s, failing: true, lastFailure: { atMs: 600_000, kind: 'network' as const, message: 'down', status: undefined, cause: undefined } }
    const d = planCurrent(failing, 601_000, settings, newFetch)
    expect(d.plan._tag).toBe('serve')
    expect(d.launch).toBeUndefined()
    expect(d.events).toEqual([{ type: 'jwks_stale_served', url: settings.url, staleForSeconds: 1, message: 'down' }])
    expect(planCurrent(d.next, 602_000, settings, newFetch).events).toEqual([])
  })
})

describe('conditionalHeaders', () => {
  it('sends back the validators the server gave, and nothing before the first response', () => {
    expect(conditionalHeaders(undefined)).toBeUndefined()
    expect(conditionalHeaders(loaded(['a'], { validators: { etag: undefined, lastModified: undefined } }))).toBeUndefined()
    expect(conditionalHeaders(loaded(['a']))).toEqual({ 'if-none-match': '"v1"' })
    expect(conditionalHeaders(loaded(['a'], { validators: { etag: 'W/"v2"', lastModified: 'Thu, 01 Jan 2026 00:00:00 GMT' } }))).toEqual({
      'if-none-match': 'W/"v2"',
      'if-modified-since': 'Thu, 01 Jan 2026 00:00:00 GMT',
    })
  })
})
