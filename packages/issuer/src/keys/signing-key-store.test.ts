import { describe, expect, it } from 'vitest'
import { describeSigningKeyStoreContract } from '../testing/signing-key-store-contract.test-support.ts'
import { createInMemorySigningKeyStore, generateSigningKey, importSigningKey } from './signing-key-store.ts'

describeSigningKeyStoreContract('in memory', () => createInMemorySigningKeyStore({ maxTokenLifetimeSeconds: 600, publishAheadSeconds: 300 }))

describe('in-memory signing keys: publish before signing, keep retired keys until their tokens expire', () => {
  it('a rotated key is published at once, signs only after publishAheadSeconds, and the old one stays published a token lifetime', async () => {
    const store = createInMemorySigningKeyStore({ maxTokenLifetimeSeconds: 600, publishAheadSeconds: 300 })
    const t0 = 1_700_000_000_000
    const first = await store.signingKey(t0)
    await store.rotate(t0)
    const published = (await store.publishedKeys(t0)).map((k) => k.kid)
    expect(published).toHaveLength(2)
    expect(published).toContain(first.kid)
    // Still the old key until the new one has been published long enough.
    expect((await store.signingKey(t0 + 299_000)).kid).toBe(first.kid)
    const second = await store.signingKey(t0 + 300_000)
    expect(second.kid).not.toBe(first.kid)
    expect(published).toContain(second.kid)
    // The old key signed until t0+300 s; its last token expires at t0+900 s.
    expect((await store.publishedKeys(t0 + 899_000)).map((k) => k.kid)).toContain(first.kid)
    expect((await store.publishedKeys(t0 + 901_000)).map((k) => k.kid)).toEqual([second.kid])
  })

  it('imports a private JWK; the kid is its RFC 7638 thumbprint and the JWKS holds no private member', async () => {
    const generated = await generateSigningKey()
    const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign'])) as CryptoKeyPair
    const imported = await importSigningKey(await crypto.subtle.exportKey('jwk', pair.privateKey))
    for (const key of [generated, imported]) {
      expect(key.kid).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(Object.keys(key.publicJwk).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'])
    }
  })
})
