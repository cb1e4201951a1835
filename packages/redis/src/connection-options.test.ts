import type { ConfigIssue } from '@tokenward/core'
import { describe, expect, it } from 'vitest'
import { reporterOf, resubscribeSignal, startupReconnectStrategy, timeoutsOf } from './connection-options.ts'
import type { RedisEvent } from './connection.ts'

describe('connection options shared by every Redis connection factory', () => {
  it.each([
    [{}, { commandTimeoutMs: 500, connectTimeoutMs: 2000 }, []],
    [{ commandTimeoutMs: 50, connectTimeoutMs: 100 }, { commandTimeoutMs: 50, connectTimeoutMs: 100 }, []],
    [{ commandTimeoutMs: 0, connectTimeoutMs: Number.NaN }, { commandTimeoutMs: 0, connectTimeoutMs: Number.NaN }, ['commandTimeoutMs', 'connectTimeoutMs']],
    [{ connectTimeoutMs: -1 }, { commandTimeoutMs: 500, connectTimeoutMs: -1 }, ['connectTimeoutMs']],
  ])('timeoutsOf(%j): defaults, and each bad field named after the issues already found', (options, timeouts, paths) => {
    const issues: ConfigIssue[] = [{ path: 'url', message: 'earlier' }]
    expect(timeoutsOf(options, issues)).toEqual(timeouts)
    expect(issues.map((i) => i.path)).toEqual(['url', ...paths])
  })

  it('reporterOf hands events to onEvent and swallows its throw; no onEvent is fine', () => {
    const seen: RedisEvent[] = []
    const event: RedisEvent = { type: 'redis_error', operation: 'connection', message: 'x' }
    reporterOf((e) => seen.push(e))(event)
    expect(seen).toEqual([event])
    expect(() =>
      reporterOf(() => {
        throw new Error('listener bug')
      })(event),
    ).not.toThrow()
    expect(() => reporterOf(undefined)(event)).not.toThrow()
  })

  it('startupReconnectStrategy gives up on the third attempt before the first connection, backs off up to 1 s after it', () => {
    let connected = false
    const strategy = startupReconnectStrategy(() => connected)
    const cause = new Error('ECONNREFUSED')
    expect([0, 1, 2].map((r) => strategy(r, cause))).toEqual([50, 100, cause])
    connected = true
    expect([2, 5, 30].map((r) => strategy(r, cause))).toEqual([200, 1000, 1000])
  })

  it('resubscribeSignal calls onResubscribed once per loss, never on a ready without a loss', () => {
    let calls = 0
    const signal = resubscribeSignal(() => calls++)
    signal.ready()
    expect(calls).toBe(0)
    signal.lost()
    signal.lost()
    signal.ready()
    signal.ready()
    expect(calls).toBe(1)
    signal.lost()
    signal.ready()
    expect(calls).toBe(2)
  })
})
