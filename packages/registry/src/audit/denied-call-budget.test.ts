import { describe, expect, it } from 'vitest'
import { RegistryConfigError } from '../errors.ts'
import { createDeniedCallBudget } from './denied-call-budget.ts'

describe('createDeniedCallBudget', () => {
  it('records the first refusals of a window one by one, then only counts them per code', () => {
    const budget = createDeniedCallBudget({ individualRecords: 3, windowSeconds: 60 })
    const records = Array.from({ length: 1500 }, (_, i) => budget.admit('acme', i % 2 === 0 ? 'invalid_token' : 'token_expired', 125).record)
    expect(records.filter(Boolean)).toHaveLength(3)
    expect(records.slice(0, 3)).toEqual([true, true, true])
    expect(budget.flush(170)).toEqual([]) // the window 120–180 is still open
    expect(budget.flush(180)).toEqual([
      { type: 'api_calls_denied_summary', orgId: 'acme', windowStart: 120, windowSeconds: 60, recordedIndividually: 3, counts: { token_expired: 749, invalid_token: 748 }, at: 180 },
    ])
    expect(budget.flush(500)).toEqual([]) // forgotten once returned
  })

  it('keeps organizations apart, and hands over the previous window when a new one starts', () => {
    const budget = createDeniedCallBudget({ individualRecords: 1, windowSeconds: 10 })
    expect(budget.admit('a', 'invalid_token', 0)).toEqual({ record: true, due: [] })
    expect(budget.admit('b', 'invalid_token', 0)).toEqual({ record: true, due: [] })
    expect(budget.admit('a', 'invalid_token', 1)).toEqual({ record: false, due: [] })
    const next = budget.admit('a', 'invalid_token', 12)
    expect(next.record).toBe(true)
    expect(next.due).toEqual([expect.objectContaining({ orgId: 'a', windowStart: 0, counts: { invalid_token: 1 }, recordedIndividually: 1 })])
    // A window with nothing beyond its individual records needs no summary.
    expect(budget.flush(100, true)).toEqual([])
  })

  it('flushes every open window on demand (close), and checks its options', () => {
    const budget = createDeniedCallBudget({ individualRecords: 0 })
    budget.admit('a', 'invalid_token', 5)
    expect(budget.flush(6, true)).toEqual([expect.objectContaining({ orgId: 'a', windowStart: 0, windowSeconds: 60, counts: { invalid_token: 1 }, at: 6 })])
    expect(() => createDeniedCallBudget({ individualRecords: -1, windowSeconds: 0 })).toThrow(RegistryConfigError)
    try {
      createDeniedCallBudget({ individualRecords: 1.5, windowSeconds: 0 })
    } catch (e) {
      expect((e as RegistryConfigError).issues.map((i) => i.path)).toEqual(['individualRecords', 'windowSeconds'])
    }
  })
})
