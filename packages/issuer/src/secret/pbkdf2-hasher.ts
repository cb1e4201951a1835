/**
 * PBKDF2-SHA-256 client-secret hashing with WebCrypto: the default outside Node.
 *
 * @module
 */
import { decodeBase64Url, encodeBase64Url } from '@tokenward/core/jose'
import { timingSafeEqualBytes, type SecretHash, type SecretHasher } from './secret-hasher.ts'

/**
 * Options of {@link createPbkdf2SecretHasher}.
 *
 * @example
 * ```ts
 * const options: Pbkdf2SecretHasherOptions = { iterations: 600_000 }
 * ```
 */
export interface Pbkdf2SecretHasherOptions {
  /** Iterations for new hashes. Default 600 000 (OWASP's 2023 figure for PBKDF2-HMAC-SHA-256). */
  readonly iterations?: number
}

/**
 * A {@link SecretHasher} using PBKDF2-HMAC-SHA-256 through WebCrypto (any runtime). Checks only
 * `pbkdf2-sha256` hashes; stored hashes keep their own iteration count.
 *
 * @example
 * ```ts
 * const hasher = createPbkdf2SecretHasher({ iterations: 600_000 })
 * ```
 */
export function createPbkdf2SecretHasher(options: Pbkdf2SecretHasherOptions = {}): SecretHasher {
  const iterations = options.iterations ?? 600_000
  if (!Number.isInteger(iterations) || iterations < 10_000) throw new RangeError('iterations must be an integer of at least 10000')
  const derive = async (secret: string, salt: Uint8Array, rounds: number): Promise<Uint8Array> => {
    const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), 'PBKDF2', false, ['deriveBits'])
    return new Uint8Array(await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: salt.slice(), iterations: rounds }, key, 256))
  }
  return {
    algorithm: 'pbkdf2-sha256',
    async hash(secret) {
      const salt = crypto.getRandomValues(new Uint8Array(16))
      return { algorithm: 'pbkdf2-sha256', iterations, salt: encodeBase64Url(salt), hash: encodeBase64Url(await derive(secret, salt, iterations)) }
    },
    async verify(secret, stored) {
      if (stored.algorithm !== 'pbkdf2-sha256') throw new Error(`This runtime's secret hasher cannot check ${stored.algorithm} hashes`)
      const salt = decodeBase64Url(stored.salt)
      const expected = decodeBase64Url(stored.hash)
      if (salt === undefined || expected === undefined) return false
      return timingSafeEqualBytes(await derive(secret, salt, stored.iterations), expected)
    },
  }
}

/** @internal Checks a stored hash's shape (used when clients are defined). */
export function secretHashProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be a stored secret hash object'
  const v = value as Record<string, unknown>
  const b64 = (x: unknown): boolean => typeof x === 'string' && x.length > 0 && decodeBase64Url(x) !== undefined
  if (!b64(v.salt) || !b64(v.hash)) return 'salt and hash must be base64url'
  if (v.algorithm === 'pbkdf2-sha256') return Number.isInteger(v.iterations) && (v.iterations as number) >= 10_000 ? undefined : 'iterations must be an integer of at least 10000'
  if (v.algorithm === 'scrypt') {
    const N = v.N as number
    if (!Number.isInteger(N) || N < 2 ** 14 || (N & (N - 1)) !== 0) return 'N must be a power of two of at least 16384'
    if (!Number.isInteger(v.r) || !Number.isInteger(v.p) || (v.r as number) < 1 || (v.p as number) < 1) return 'r and p must be positive integers'
    return undefined
  }
  return 'algorithm must be "scrypt" or "pbkdf2-sha256"'
}

/** @internal Narrowing helper for the client definition. */
export const asSecretHash = (value: unknown): SecretHash => value as SecretHash
