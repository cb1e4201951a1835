/**
 * scrypt client-secret hashing with `node:crypto`: the default on Node (the `node` export condition).
 *
 * @module
 */
import { scrypt, timingSafeEqual, randomBytes } from 'node:crypto'
import { decodeBase64Url, encodeBase64Url } from '@tokenward/core/jose'
import { createPbkdf2SecretHasher } from './pbkdf2-hasher.ts'
import type { SecretHash, SecretHasher } from './secret-hasher.ts'

/** Options of {@link createScryptSecretHasher}. */
export interface ScryptSecretHasherOptions {
  /** CPU/memory cost for new hashes, a power of two. Default 2^15 (32 MiB with r = 8). */
  readonly N?: number
  /** Block size. Default 8. */
  readonly r?: number
  /** Parallelism. Default 1. */
  readonly p?: number
}

const run = (secret: string, salt: Uint8Array, N: number, r: number, p: number): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    scrypt(secret, salt, 32, { N, r, p, maxmem: 256 * N * r + 16 * 1024 * 1024 }, (error, key) => (error ? reject(error) : resolve(key)))
  })

/**
 * A {@link SecretHasher} using scrypt from `node:crypto` (Node only; what `createDefaultSecretHasher`
 * answers under the `node` export condition, not exported itself). It also checks
 * `pbkdf2-sha256` hashes, so secrets hashed on a Web runtime keep working on Node.
 *
 * @example
 * ```ts
 * const hasher = createScryptSecretHasher({ N: 2 ** 15 })
 * ```
 */
export function createScryptSecretHasher(options: ScryptSecretHasherOptions = {}): SecretHasher {
  const N = options.N ?? 2 ** 15
  const r = options.r ?? 8
  const p = options.p ?? 1
  if (!Number.isInteger(N) || N < 2 ** 14 || (N & (N - 1)) !== 0) throw new RangeError('N must be a power of two of at least 16384')
  const pbkdf2 = createPbkdf2SecretHasher()
  return {
    algorithm: 'scrypt',
    async hash(secret) {
      const salt = randomBytes(16)
      return { algorithm: 'scrypt', N, r, p, salt: encodeBase64Url(salt), hash: encodeBase64Url(await run(secret, salt, N, r, p)) }
    },
    async verify(secret, stored: SecretHash) {
      if (stored.algorithm === 'pbkdf2-sha256') return pbkdf2.verify(secret, stored)
      const salt = decodeBase64Url(stored.salt)
      const expected = decodeBase64Url(stored.hash)
      if (salt === undefined || expected === undefined) return false
      const actual = await run(secret, salt, stored.N, stored.r, stored.p)
      return actual.length === expected.length && timingSafeEqual(actual, expected)
    },
  }
}
