import { describe, expect, it } from 'vitest'
import { createValidateThrottle, takeToken } from './validate-throttle.ts'

const rule = { burst: 3, refillSeconds: 10 }

describe('takeToken', () => {
  it('starts full, empties, and refills one call per refillSeconds up to the burst', () => {
    let bucket = undefined as Parameters<typeof takeToken>[0]
    const at = (ms: number) => {
      const d = takeToken(bucket, ms, rule)
      bucket = d.bucket
      return d.allowed ? 'ok' : d.retryAfterSeconds
    }
    expect([at(0), at(0), at(0), at(0), at(4_000), at(10_000), at(10_000), at(1_000_000), at(1_000_000), at(1_000_000), at(1_000_000)]).toEqual([
      'ok', 'ok', 'ok', 10, 6, 'ok', 10, 'ok', 'ok', 'ok', 10,
    ])
  })

  it('never answers a Retry-After below 1 s, and a clock going back refills nothing', () => {
    const empty = { tokens: 0.99, atMs: 5_000 }
    expect(takeToken(empty, 5_000, rule)).toMatchObject({ allowed: false, retryAfterSeconds: 1 })
    expect(takeToken({ tokens: 0, atMs: 5_000 }, 0, rule)).toMatchObject({ allowed: false, retryAfterSeconds: 10 })
  })
})

describe('createValidateThrottle', () => {
  it('keeps one bucket per organization and forgets full ones past its bound', () => {
    const throttle = createValidateThrottle({ burst: 1, refillSeconds: 10 }, 2)
    expect([throttle.take('a', 0), throttle.take('a', 0), throttle.take('b', 0)]).toEqual([undefined, 10, undefined])
    expect(throttle.take('c', 20_000)).toBeUndefined() // a and b have refilled: forgotten, not kept forever
    expect(throttle.take('a', 20_000)).toBeUndefined()
    expect(throttle.take('a', 20_000)).toBe(10)
  })
})
