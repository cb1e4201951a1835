import { describe, expect, it } from 'vitest'
import { createKeyedDigest } from '../platform/node.ts'
import { createKeyedDigest as createWebKeyedDigest } from '../platform/web.ts'
import { defineApiClient } from '../client/api-client.ts'
import { createInMemoryClientStore } from '../client/client-store.ts'
import { finishSecretRotation, generateClientSecret, rotateClientSecret } from '../secret/client-secret.ts'
import { createPbkdf2SecretHasher } from '../secret/pbkdf2-hasher.ts'
import type { SecretHash, SecretHasher } from '../secret/secret-hasher.ts'
import { createIssuer } from './create-issuer.ts'
import { createVerifiedSecretCache } from './verified-secret-cache.ts'

const stored: SecretHash = { algorithm: 'pbkdf2-sha256', iterations: 10_000, salt: 'c2FsdA', hash: 'aGFzaA' } as SecretHash
const secret = 'a-client-secret-0123456789'

describe('the verified-secret cache (pure parts)', () => {
  it('stores a keyed digest: never the secret, and a different key per process (nothing to test guesses against)', async () => {
    const one = createVerifiedSecretCache({ maxEntries: 10, maxAgeMs: 1000, digest: createKeyedDigest() })
    const two = createVerifiedSecretCache({ maxEntries: 10, maxAgeMs: 1000, digest: createKeyedDigest() })
    const key = await one.keyFor('c', secret, stored)
    expect(key).not.toContain(secret)
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(await one.keyFor('c', secret, stored)).toBe(key)
    expect(await two.keyFor('c', secret, stored)).not.toBe(key)
    // Another client, secret or stored hash gives another key.
    expect(await one.keyFor('d', secret, stored)).not.toBe(key)
    expect(await one.keyFor('c', `${secret}x`, stored)).not.toBe(key)
    expect(await one.keyFor('c', secret, { ...stored, hash: 'b3RoZXI' })).not.toBe(key)
    // The Web build's digest has the same shape.
    const web = createWebKeyedDigest()
    expect(await web('x')).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(await web('x')).not.toBe(await createWebKeyedDigest()('x'))
  })

  it('is bounded (oldest dropped), expires entries, and forgets a client', () => {
    const cache = createVerifiedSecretCache({ maxEntries: 2, maxAgeMs: 1000, digest: (t) => t })
    cache.remember('a', 'k1', 0)
    cache.remember('b', 'k2', 0)
    cache.remember('c', 'k3', 0)
    expect(cache.size).toBe(2)
    expect(cache.has('a', 'k1', 1)).toBe(false)
    expect(cache.has('b', 'k2', 999)).toBe(true)
    expect(cache.has('b', 'k2', 1000)).toBe(false)
    expect(cache.size).toBe(1)
    // An entry answers only for the client it was made for.
    expect(cache.has('b', 'k3', 1)).toBe(false)
    cache.remember('c', 'k4', 0)
    cache.forget('c')
    expect(cache.has('c', 'k3', 1)).toBe(false)
    expect(cache.has('c', 'k4', 1)).toBe(false)
    expect(cache.size).toBe(0)
  })
})

describe('the verified-secret cache in the token endpoint', () => {
  const base = createPbkdf2SecretHasher({ iterations: 10_000 })
  const counting = (): SecretHasher & { checks: number } => {
    const hasher = { algorithm: base.algorithm, checks: 0, hash: (s: string) => base.hash(s), verify: (s: string, h: SecretHash) => (hasher.checks++, base.verify(s, h)) }
    return hasher
  }
  const organization = { cloud: 'zscloud', orgId: '1', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly'] }
  const post = (issuer: ReturnType<typeof createIssuer>, id: string, s: string) =>
    issuer.handle(new Request('https://as.example/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${btoa(`${id}:${s}`)}` }, body: 'grant_type=client_credentials' }))

  it('spares the slow hash for a known secret, is on by default, refuses a wrong secret every time, and expires', async () => {
    const hasher = counting()
    const { secret: s, hash } = await generateClientSecret(base)
    let now = 1_000_000_000_000
    const clients = createInMemoryClientStore([['1', defineApiClient({ clientId: 'c', roles: ['ReadOnly'], authentication: { method: 'client_secret', secretHashes: [hash] } })]])
    const issuer = createIssuer({ issuer: 'https://as.example', organization, clients, secretHasher: hasher, clock: () => now })
    expect((await post(issuer, 'c', s)).status).toBe(200)
    expect((await post(issuer, 'c', s)).status).toBe(200)
    expect(hasher.checks).toBe(1)
    expect((await post(issuer, 'c', `${s}x`)).status).toBe(401)
    expect((await post(issuer, 'c', `${s}x`)).status).toBe(401)
    expect(hasher.checks).toBe(3)
    now += 300_001 // the default lifetime is 300 s
    expect((await post(issuer, 'c', s)).status).toBe(200)
    expect(hasher.checks).toBe(4)
    const off = counting()
    const uncached = createIssuer({ issuer: 'https://as.example', organization, clients, secretHasher: off, verifiedSecretCache: false })
    await post(uncached, 'c', s)
    await post(uncached, 'c', s)
    expect(off.checks).toBe(2)
  })

  it('a rotation that removes a secret refuses it at once, and a disabled client loses its entries', async () => {
    const hasher = counting()
    const first = await generateClientSecret(base)
    const client = defineApiClient({ clientId: 'c', roles: ['ReadOnly'], authentication: { method: 'client_secret', secretHashes: [first.hash] } })
    const clients = createInMemoryClientStore([['1', client]])
    const issuer = createIssuer({ issuer: 'https://as.example', organization, clients, secretHasher: hasher })
    expect((await post(issuer, 'c', first.secret)).status).toBe(200)
    const rotated = await rotateClientSecret(client, base)
    await clients.put('1', rotated.client)
    expect((await post(issuer, 'c', first.secret)).status).toBe(200) // both live during the rotation
    expect((await post(issuer, 'c', rotated.secret)).status).toBe(200)
    // Once verified, neither secret pays a slow hash again during the rotation (not even for the other stored hash).
    const during = hasher.checks
    expect((await post(issuer, 'c', first.secret)).status).toBe(200)
    expect((await post(issuer, 'c', rotated.secret)).status).toBe(200)
    expect(hasher.checks).toBe(during)
    await clients.put('1', finishSecretRotation(rotated.client))
    const refused = await post(issuer, 'c', first.secret)
    expect(refused.status).toBe(401)
    expect(await refused.json()).toMatchObject({ error: 'invalid_client' })
    expect((await post(issuer, 'c', rotated.secret)).status).toBe(200)

    // Disabled: refused, and the entry is gone, so enabling again pays the hash again.
    await clients.put('1', { ...finishSecretRotation(rotated.client), enabled: false })
    expect((await post(issuer, 'c', rotated.secret)).status).toBe(401)
    await clients.put('1', finishSecretRotation(rotated.client))
    const before = hasher.checks
    expect((await post(issuer, 'c', rotated.secret)).status).toBe(200)
    expect(hasher.checks).toBe(before + 1)
  })

  it('checks its options by path', () => {
    const clients = createInMemoryClientStore()
    expect(() => createIssuer({ issuer: 'https://as.example', organization, clients, verifiedSecretCache: { maxAgeSeconds: 0, maxEntries: 0 } })).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ path: 'verifiedSecretCache.maxEntries' }), expect.objectContaining({ path: 'verifiedSecretCache.maxAgeSeconds' })] }),
    )
  })
})
