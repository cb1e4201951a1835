// Test support (never shipped): the contract every signing-key store with rotation meets — the
// in-memory one (keys/signing-key-store.test.ts) and the Redis one (@tokenward/redis) run it
// unchanged. Times are parameters (nowMs), so no clock is needed.
import { describe, expect, it } from 'vitest'
import type { SigningKeyStore } from '../keys/signing-key-store.ts'

/** A store that can rotate, as `createInMemorySigningKeyStore` and `createRedisSigningKeyStore` build. */
export interface RotatingSigningKeyStore extends SigningKeyStore {
  rotate(nowMs: number): Promise<void>
}

/** Builds a new, empty store with `maxTokenLifetimeSeconds` 600 and `publishAheadSeconds` 300. */
export type MakeRotatingSigningKeyStore = () => RotatingSigningKeyStore | Promise<RotatingSigningKeyStore>

export function describeSigningKeyStoreContract(name: string, make: MakeRotatingSigningKeyStore): void {
  describe(`SigningKeyStore contract: ${name}`, () => {
    const t0 = 1_700_000_000_000

    it('signs with one key, published, with no private member in the JWKS', async () => {
      const store = await make()
      const key = await store.signingKey(t0)
      expect(key.alg).toBe('ES256')
      expect(key.kid).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect((await store.signingKey(t0 + 1000)).kid).toBe(key.kid)
      const published = await store.publishedKeys(t0)
      expect(published.map((k) => k.kid)).toEqual([key.kid])
      expect(Object.keys(published[0]!).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'])
      const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key.privateKey, new TextEncoder().encode('x'))
      const publicKey = await crypto.subtle.importKey('jwk', published[0] as unknown as JsonWebKey, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify'])
      expect(await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, publicKey, signature, new TextEncoder().encode('x'))).toBe(true)
    })

    it('a rotated key is published at once, signs only after publishAheadSeconds, and the old one stays published a token lifetime', async () => {
      const store = await make()
      const first = await store.signingKey(t0)
      await store.rotate(t0)
      const published = (await store.publishedKeys(t0)).map((k) => k.kid)
      expect(published).toHaveLength(2)
      expect(published).toContain(first.kid)
      expect((await store.signingKey(t0 + 299_000)).kid).toBe(first.kid)
      const second = await store.signingKey(t0 + 300_000)
      expect(second.kid).not.toBe(first.kid)
      expect(published).toContain(second.kid)
      // The old key signed until t0+300 s; its last token expires at t0+900 s.
      expect((await store.publishedKeys(t0 + 899_000)).map((k) => k.kid)).toContain(first.kid)
      expect((await store.publishedKeys(t0 + 901_000)).map((k) => k.kid)).toEqual([second.kid])
    })

    it('a second rotation before the first key signs leaves the newest key to sign', async () => {
      const store = await make()
      await store.rotate(t0)
      await store.rotate(t0 + 100_000)
      const newest = await store.signingKey(t0 + 400_000)
      expect((await store.publishedKeys(t0 + 400_000)).map((k) => k.kid)).toContain(newest.kid)
      expect((await store.signingKey(t0 + 500_000)).kid).toBe(newest.kid)
    })
  })
}
