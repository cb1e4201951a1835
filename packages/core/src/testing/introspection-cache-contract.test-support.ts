/**
 * Test support (never shipped): the contract every {@link IntrospectionCache} implementation must
 * meet. The in-memory cache runs it in `state/introspection-cache.test.ts`; a shared one (Redis)
 * runs it unchanged, with `advance` sleeping for real when its clock cannot be moved.
 *
 * @module
 */
import { describe, expect, it } from 'vitest'
import type { IntrospectionCache } from '../state/introspection-cache.ts'

/** How the contract builds and drives one cache. */
export interface IntrospectionCacheContractSubject {
  /** A new, empty cache (unique key prefix for a shared backend). */
  readonly make: () => IntrospectionCache | Promise<IntrospectionCache>
  /** The cache's clock (ms). Default `Date.now`. */
  readonly now?: (() => number) | undefined
  /** Moves the cache's clock forward, or waits for real. Default: a real wait. */
  readonly advance?: ((seconds: number) => Promise<void>) | undefined
}

const realWait = (seconds: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, seconds * 1000))

/**
 * Registers the introspection-cache contract tests under `describe(name)`.
 *
 * @example
 * ```ts
 * runIntrospectionCacheContract('redis', { make: () => createRedisIntrospectionCache({ connection, keyPrefix: crypto.randomUUID() }) })
 * ```
 */
export function runIntrospectionCacheContract(name: string, subject: IntrospectionCacheContractSubject): void {
  const advance = subject.advance ?? realWait
  const now = subject.now ?? Date.now
  const answer = { active: true, client_id: 'orders', scope: 'zscloud::12345::ReadOnly', exp: 1_900_000_000, nested: { a: [1, 'two'] } }
  describe(`IntrospectionCache contract: ${name}`, () => {
    it('answers undefined for an unknown key, and the stored entry after set', async () => {
      const cache = await subject.make()
      expect(await cache.get('a'.repeat(64))).toBeUndefined()
      const expiresAtMs = now() + 30_000
      await cache.set('a'.repeat(64), { answer, expiresAtMs })
      expect(await cache.get('a'.repeat(64))).toEqual({ answer, expiresAtMs })
      expect(await cache.get('b'.repeat(64))).toBeUndefined()
    })

    it('forgets an entry once it has ended, and never stores one already ended', async () => {
      const cache = await subject.make()
      await cache.set('short', { answer, expiresAtMs: now() + 1000 })
      await cache.set('ended', { answer, expiresAtMs: now() - 1 })
      expect(await cache.get('ended')).toBeUndefined()
      await advance(1.2)
      expect(await cache.get('short')).toBeUndefined()
    })

    it('a second set replaces the entry', async () => {
      const cache = await subject.make()
      await cache.set('k', { answer, expiresAtMs: now() + 30_000 })
      const other = { active: true, client_id: 'billing' }
      await cache.set('k', { answer: other, expiresAtMs: now() + 30_000 })
      expect((await cache.get('k'))?.answer).toEqual(other)
    })

    it('keeps its own copy: mutating what was set or got changes nothing stored', async () => {
      const cache = await subject.make()
      const mine = { active: true, scope: 'a' }
      await cache.set('k', { answer: mine, expiresAtMs: now() + 30_000 })
      mine.scope = 'changed'
      const got = await cache.get('k')
      expect(got?.answer).toEqual({ active: true, scope: 'a' })
      ;(got!.answer as Record<string, unknown>)['scope'] = 'mutated'
      expect((await cache.get('k'))?.answer).toEqual({ active: true, scope: 'a' })
    })
  })
}
