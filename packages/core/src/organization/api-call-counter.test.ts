import { describe, expect, it } from 'vitest'
import { ConfigError } from '../errors.ts'
import { createInMemoryApiCallCounter } from './api-call-counter.ts'

describe('createInMemoryApiCallCounter', () => {
  it('counts per organization and window, and restarts with a new window', async () => {
    const c = createInMemoryApiCallCounter()
    expect(await c.increment('a', 0)).toBe(1)
    expect(await c.increment('a', 0)).toBe(2)
    expect(await c.increment('b', 0)).toBe(1)
    expect(await c.increment('a', 60)).toBe(1)
    expect(await c.increment('a', 60)).toBe(2)
  })

  it('counts a call stamped with an older window toward the current one', async () => {
    const c = createInMemoryApiCallCounter()
    await c.increment('a', 60)
    expect(await c.increment('a', 0)).toBe(2)
  })

  it('counts concurrent calls distinctly', async () => {
    const c = createInMemoryApiCallCounter()
    const counts = await Promise.all(Array.from({ length: 50 }, () => c.increment('a', 0)))
    expect([...counts].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1))
  })

  it('keeps at most maxOrganizations, dropping the window that started longest ago', async () => {
    const c = createInMemoryApiCallCounter({ maxOrganizations: 2 })
    await c.increment('a', 0)
    await c.increment('b', 0)
    await c.increment('a', 60) // a's window is now the newest
    await c.increment('c', 60) // drops b
    expect(await c.increment('a', 60)).toBe(2)
    expect(await c.increment('b', 0)).toBe(1) // b was forgotten; this drops a, now the oldest
    expect(await c.increment('c', 60)).toBe(2)
    expect(await c.increment('a', 60)).toBe(1)
  })

  it('refuses a bad bound when built', () => {
    expect(() => createInMemoryApiCallCounter({ maxOrganizations: 0 })).toThrow(ConfigError)
  })
})
