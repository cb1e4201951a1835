import { describe, expect, it } from 'vitest'
import { defineApiClient } from '../client/api-client.ts'
import { finishSecretRotation, generateClientSecret, rotateClientSecret } from './client-secret.ts'
import { createDefaultSecretHasher as nodeDefault } from '../platform/node.ts'
import { createDefaultSecretHasher as webDefault } from '../platform/web.ts'
import { createPbkdf2SecretHasher } from './pbkdf2-hasher.ts'
import { createScryptSecretHasher } from './scrypt-hasher.ts'

describe('secret hashers: the same contract on both seams', () => {
  for (const [name, hasher] of [
    ['scrypt (node)', createScryptSecretHasher({ N: 2 ** 14 })],
    ['pbkdf2-sha256 (web)', createPbkdf2SecretHasher({ iterations: 10_000 })],
  ] as const) {
    it(`${name}: a secret checks against its own hash only; parameters are recorded`, async () => {
      const { secret, hash } = await generateClientSecret(hasher)
      expect(hash.algorithm).toBe(hasher.algorithm)
      expect(JSON.stringify(hash)).not.toContain(secret)
      expect(await hasher.verify(secret, hash)).toBe(true)
      expect(await hasher.verify(`${secret}x`, hash)).toBe(false)
      expect(await hasher.verify(secret, { ...hash, salt: 'AAAAAAAAAAAAAAAAAAAAAA' })).toBe(false)
    })
  }

  it('the defaults: scrypt on Node, PBKDF2 on the Web; Node also checks PBKDF2 hashes', async () => {
    expect(nodeDefault().algorithm).toBe('scrypt')
    expect(webDefault().algorithm).toBe('pbkdf2-sha256')
    const web = createPbkdf2SecretHasher({ iterations: 10_000 })
    const { secret, hash } = await generateClientSecret(web)
    expect(await createScryptSecretHasher({ N: 2 ** 14 }).verify(secret, hash)).toBe(true)
    const scrypt = await generateClientSecret(createScryptSecretHasher({ N: 2 ** 14 }))
    await expect(web.verify(scrypt.secret, scrypt.hash)).rejects.toThrow(/cannot check scrypt/)
  })

  it('rotation keeps the old secret until it is finished', async () => {
    const hasher = createPbkdf2SecretHasher({ iterations: 10_000 })
    const first = await generateClientSecret(hasher)
    const client = defineApiClient({ clientId: 'c', roles: ['R'], authentication: { method: 'client_secret', secretHashes: [first.hash] } })
    const rotated = await rotateClientSecret(client, hasher)
    const hashes = rotated.client.authentication.method === 'client_secret' ? rotated.client.authentication.secretHashes : []
    expect(hashes).toHaveLength(2)
    expect(await hasher.verify(rotated.secret, hashes[0]!)).toBe(true)
    expect(await hasher.verify(first.secret, hashes[1]!)).toBe(true)
    const done = finishSecretRotation(rotated.client)
    expect(done.authentication.method === 'client_secret' && done.authentication.secretHashes).toEqual([hashes[0]])
  })
})

describe('the platform seam: node and web agree on digests and signatures', () => {
  it('sha256 gives the same digest; an ES256 signature from either verifies with WebCrypto', async () => {
    const node = await import('../platform/node.ts')
    const web = await import('../platform/web.ts')
    const data = new TextEncoder().encode('header.payload')
    expect(Buffer.from(await node.sha256(data)).toString('hex')).toBe(Buffer.from(await web.sha256(data)).toString('hex'))
    const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])) as CryptoKeyPair
    for (const signEs256 of [node.signEs256, web.signEs256]) {
      const signature = await signEs256(pair.privateKey, data)
      expect(signature).toHaveLength(64)
      expect(await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, pair.publicKey, signature.slice(), data)).toBe(true)
    }
  })
})

describe('the platform seam: compact JWS pieces agree between node and web', () => {
  it('encodeTextBase64Url matches the strict encoder for ASCII and non-ASCII text; signJwsEs256 from either verifies', async () => {
    const node = await import('../platform/node.ts')
    const web = await import('../platform/web.ts')
    const { decodeBase64Url, encodeBase64Url } = await import('@tokenward/core/jose')
    for (const text of ['{"sub":"client-1"}', '{"name":"Zoë 東京 🚀"}', '', 'a', 'ab', 'abc']) {
      const expected = encodeBase64Url(new TextEncoder().encode(text))
      expect(node.encodeTextBase64Url(text)).toBe(expected)
      expect(web.encodeTextBase64Url(text)).toBe(expected)
    }
    const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])) as CryptoKeyPair
    const input = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJjbGllbnQtMSJ9'
    for (const signJwsEs256 of [node.signJwsEs256, web.signJwsEs256]) {
      const signature = decodeBase64Url(await signJwsEs256(pair.privateKey, input))
      expect(signature).toHaveLength(64)
      const data = new TextEncoder().encode(input)
      expect(await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, pair.publicKey, signature!.slice(), data)).toBe(true)
      expect(await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, pair.publicKey, signature!.slice(), new TextEncoder().encode(`${input}x`))).toBe(false)
    }
  })
})
