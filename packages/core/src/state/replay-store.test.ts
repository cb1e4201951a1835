import { describe, expect, it } from 'vitest'
import { runReplayStoreContract } from '../testing/replay-store-contract.test-support.ts'
import { createMemoryReplayStore, ReplayStoreFullError } from './replay-store.ts'

let clock = 1_700_000_000_000
runReplayStoreContract('in-memory', {
  make: () => createMemoryReplayStore({ now: () => clock }),
  advance: async (seconds) => {
    clock += seconds * 1000
  },
})

describe('createMemoryReplayStore bounds', () => {
  it('refuses a new key when full of unexpired keys instead of forgetting one early', () => {
    let now = 0
    const store = createMemoryReplayStore({ maxEntries: 2, now: () => now })
    expect(store.remember('a', 10)).toBe('fresh')
    expect(store.remember('b', 20)).toBe('fresh')
    expect(() => store.remember('c', 10)).toThrow(ReplayStoreFullError)
    // Still remembered: a full store never degrades to accepting a replay.
    expect(store.remember('a', 10)).toBe('replayed')
    now = 10_001
    expect(store.remember('c', 10)).toBe('fresh')
  })

  it('tells how long until a slot frees', () => {
    const store = createMemoryReplayStore({ maxEntries: 1, now: () => 0 })
    store.remember('a', 7)
    try {
      store.remember('b', 7)
      expect.unreachable()
    } catch (e) {
      expect((e as ReplayStoreFullError).retryAfterSeconds).toBe(7)
    }
  })

  it('checks its options and TTLs', () => {
    expect(() => createMemoryReplayStore({ maxEntries: 0 })).toThrow(RangeError)
    expect(() => createMemoryReplayStore().remember('a', 0)).toThrow(RangeError)
  })
})
