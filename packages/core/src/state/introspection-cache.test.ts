import { describe, expect, it } from 'vitest'
import { runIntrospectionCacheContract } from '../testing/introspection-cache-contract.test-support.ts'
import { createMemoryIntrospectionCache } from './introspection-cache.ts'

let clock = 1_700_000_000_000
runIntrospectionCacheContract('in-memory', {
  make: () => createMemoryIntrospectionCache({ now: () => clock }),
  now: () => clock,
  advance: async (seconds) => {
    clock += seconds * 1000
  },
})

describe('createMemoryIntrospectionCache bounds', () => {
  it('drops the oldest entry past maxEntries, and checks its options', async () => {
    const cache = createMemoryIntrospectionCache({ maxEntries: 2, now: () => 0 })
    for (const k of ['a', 'b', 'c']) await cache.set(k, { answer: { active: true }, expiresAtMs: 1000 })
    expect(await cache.get('a')).toBeUndefined()
    expect(await cache.get('c')).toBeDefined()
    expect(() => createMemoryIntrospectionCache({ maxEntries: 0 })).toThrow(RangeError)
  })
})
