/**
 * Test support (never shipped): the contract every {@link ReplayStore} implementation must meet.
 * The in-memory store runs it in `state/replay-store.test.ts`; a shared store (Redis) runs it
 * unchanged, with `advance` sleeping for real when its clock cannot be moved.
 *
 * @module
 */
import { describe, expect, it } from 'vitest'
import type { ReplayStore } from '../state/replay-store.ts'

/** How the contract builds and drives one store. */
export interface ReplayStoreContractSubject {
  /** A new, empty store (unique key prefix for a shared backend). */
  readonly make: () => ReplayStore | Promise<ReplayStore>
  /** Moves the store's clock forward (a fake clock), or waits for real. Default: a real wait. */
  readonly advance?: ((seconds: number) => Promise<void>) | undefined
}

const realWait = (seconds: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, seconds * 1000))

/**
 * Registers the replay-store contract tests under `describe(name)`.
 *
 * @example
 * ```ts
 * runReplayStoreContract('redis', { make: () => createRedisReplayStore({ client, prefix: crypto.randomUUID() }) })
 * ```
 */
export function runReplayStoreContract(name: string, subject: ReplayStoreContractSubject): void {
  const advance = subject.advance ?? realWait
  describe(`ReplayStore contract: ${name}`, () => {
    it('answers fresh the first time and replayed after, within the TTL', async () => {
      const store = await subject.make()
      expect(await store.remember('a', 30)).toBe('fresh')
      expect(await store.remember('a', 30)).toBe('replayed')
      expect(await store.remember('a', 30)).toBe('replayed')
    })

    it('keeps keys apart', async () => {
      const store = await subject.make()
      expect(await store.remember('a', 30)).toBe('fresh')
      expect(await store.remember('b', 30)).toBe('fresh')
      expect(await store.remember('A', 30)).toBe('fresh')
    })

    it('forgets a key once its TTL has passed', async () => {
      const store = await subject.make()
      expect(await store.remember('short', 1)).toBe('fresh')
      await advance(1.2)
      expect(await store.remember('short', 1)).toBe('fresh')
    })

    it('does not extend a key when it is seen again (the first TTL holds)', async () => {
      const store = await subject.make()
      expect(await store.remember('k', 2)).toBe('fresh')
      await advance(1.1)
      expect(await store.remember('k', 30)).toBe('replayed')
      await advance(1.1)
      expect(await store.remember('k', 30)).toBe('fresh')
    })

    it('answers exactly one of many concurrent calls with one key fresh', async () => {
      const store = await subject.make()
      const verdicts = await Promise.all(Array.from({ length: 20 }, () => Promise.resolve(store.remember('race', 30))))
      expect(verdicts.filter((v) => v === 'fresh')).toHaveLength(1)
    })

    it('holds long keys (hashes, URLs) exactly', async () => {
      const store = await subject.make()
      const long = `dpop:${'x'.repeat(500)}`
      expect(await store.remember(long, 30)).toBe('fresh')
      expect(await store.remember(`${long}y`, 30)).toBe('fresh')
      expect(await store.remember(long, 30)).toBe('replayed')
    })
  })
}
