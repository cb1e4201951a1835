import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createExpiringKeys, ReplayStoreFullError } from './expiring-keys.ts'

const t0 = 1_700_000_000_000

describe('createExpiringKeys', () => {
  it('answers fresh once and replayed until the expiry, then fresh again', () => {
    const keys = createExpiringKeys(10)
    expect(keys.claim('a', t0 + 5_000, t0)).toBe('fresh')
    expect(keys.claim('a', t0 + 5_000, t0 + 1)).toBe('replayed')
    expect(keys.claim('a', t0 + 5_000, t0 + 4_999)).toBe('replayed')
    expect(keys.claim('a', t0 + 9_000, t0 + 5_000)).toBe('fresh')
    expect(keys.claim('a', t0 + 9_000, t0 + 8_999)).toBe('replayed')
  })

  it('forgets keys as their second passes, so what it holds follows the keys alive', () => {
    const keys = createExpiringKeys(1_000_000)
    for (let i = 0; i < 10_000; i++) keys.claim(`k${i}`, t0 + 1_000 + (i % 100) * 1_000, t0)
    expect(keys.size).toBe(10_000)
    keys.claim('probe', t0 + 1_000_000, t0 + 50_500)
    // Seconds 1–50 have passed: their keys are gone without the store being full.
    expect(keys.size).toBe(5_000 + 1)
    keys.claim('probe-2', t0 + 1_000_000, t0 + 200_000)
    expect(keys.size).toBe(2)
  })

  it('refuses a new key when full of unexpired ones, says when a slot frees, and takes it then', () => {
    const keys = createExpiringKeys(3)
    keys.claim('a', t0 + 7_000, t0)
    keys.claim('b', t0 + 9_000, t0)
    keys.claim('c', t0 + 30_000, t0)
    let error: unknown
    try {
      keys.claim('d', t0 + 10_000, t0 + 1_500)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ReplayStoreFullError)
    expect((error as ReplayStoreFullError).retryAfterSeconds).toBe(6)
    // Held keys are still refused while full: a full store never forgets early.
    expect(keys.claim('a', t0 + 7_000, t0 + 6_999)).toBe('replayed')
    expect(() => keys.claim('d', t0 + 10_000, t0 + 6_999)).toThrow(ReplayStoreFullError)
    expect(keys.claim('d', t0 + 10_000, t0 + 7_000)).toBe('fresh')
  })

  it('stays prompt when the clock jumps far ahead, and keeps expiring keys claimed after the clock went back', () => {
    const keys = createExpiringKeys(100)
    keys.claim('early', 5_000, 0)
    // 1.7 billion seconds later: sweeping walks the one bucket held, not every second passed (a
    // walk of every second would outlast the test's timeout).
    expect(keys.claim('now', t0 + 60_000, t0)).toBe('fresh')
    expect(keys.size).toBe(1)
    // The clock steps back a minute: a key claimed then is still held until its expiry, then dropped.
    expect(keys.claim('back', t0 - 30_000, t0 - 60_000)).toBe('fresh')
    expect(keys.claim('back', t0 - 30_000, t0 - 40_000)).toBe('replayed')
    keys.claim('later', t0 + 120_000, t0 + 61_000)
    expect(keys.size).toBe(1)
  })

  it('checks maxEntries and the times it is given', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => createExpiringKeys(bad)).toThrow(RangeError)
    const keys = createExpiringKeys(10)
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => keys.claim('a', bad, t0)).toThrow(RangeError)
      expect(() => keys.claim('a', t0 + 1_000, bad)).toThrow(RangeError)
    }
    expect(keys.size).toBe(0)
  })

  const step = (minAdvanceMs: number) =>
    fc.record({ key: fc.constantFrom('a', 'b', 'c', 'd', 'e'), ttlMs: fc.integer({ min: 1, max: 20_000 }), advanceMs: fc.integer({ min: minAdvanceMs, max: 8_000 }) })

  it('answers as a map of exact expiries would, for any claims over time (property)', () => {
    fc.assert(
      fc.property(fc.array(step(0), { maxLength: 60 }), (steps) => {
        const keys = createExpiringKeys(1_000)
        const model = new Map<string, number>()
        let now = t0
        for (const { key, ttlMs, advanceMs } of steps) {
          now += advanceMs
          const held = model.get(key)
          const expected = held !== undefined && held > now ? 'replayed' : 'fresh'
          if (expected === 'fresh') model.set(key, now + ttlMs)
          expect(keys.claim(key, now + ttlMs, now)).toBe(expected)
        }
      }),
    )
  })

  it('with a clock that steps back: never a replay for a key unseen or expired, never fresh for a key alive at the latest time seen (property)', () => {
    // A key dropped once the clock passed its expiry stays dropped if the clock then steps back
    // (as with any store that expires by time); what must hold is that nothing alive by the
    // latest time seen is forgotten, and nothing is called a replay that is not one.
    fc.assert(
      fc.property(fc.array(step(-3_000), { maxLength: 60 }), (steps) => {
        const keys = createExpiringKeys(1_000)
        const model = new Map<string, number>()
        let now = t0
        let latest = now
        for (const { key, ttlMs, advanceMs } of steps) {
          now += advanceMs
          latest = Math.max(latest, now)
          const held = model.get(key)
          const answer = keys.claim(key, now + ttlMs, now)
          if (answer === 'replayed') expect(held !== undefined && held > now).toBe(true)
          if (held !== undefined && held > latest) expect(answer).toBe('replayed')
          if (answer === 'fresh') model.set(key, now + ttlMs)
        }
      }),
    )
  })
})
