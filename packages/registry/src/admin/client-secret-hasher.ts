/**
 * Client secrets for API clients added through the admin API: generated here (256 random bits),
 * answered once, stored only as a slow hash. The default hash is PBKDF2-SHA-256 over WebCrypto, in
 * exactly the format `@tokenward/issuer` checks on every runtime; pass `@tokenward/issuer`'s
 * `createDefaultSecretHasher()` (scrypt on Node) as `secretHasher` to use it instead.
 *
 * @module
 */
import type { ClientSecretHash } from '@tokenward/core/organization'
import { encodeBase64Url } from '@tokenward/core/jose'

/**
 * Hashes a new client secret for storage. `@tokenward/issuer`'s `SecretHasher` fits.
 *
 * @example
 * ```ts
 * import { createDefaultSecretHasher } from '@tokenward/issuer'
 * const api = createAdminApi({ ...options, secretHasher: createDefaultSecretHasher() })
 * ```
 */
export interface ClientSecretHasher {
  hash(secret: string): Promise<ClientSecretHash>
}

/**
 * Options of {@link createPbkdf2ClientSecretHasher}.
 *
 * @example
 * ```ts
 * const options: Pbkdf2ClientSecretHasherOptions = { iterations: 600_000 }
 * ```
 */
export interface Pbkdf2ClientSecretHasherOptions {
  /** Iterations for new hashes. Default 600 000 (OWASP's 2023 figure for PBKDF2-HMAC-SHA-256); at least 10 000. */
  readonly iterations?: number
}

/**
 * The admin API's default secret hasher: PBKDF2-SHA-256 with a 16-byte random salt, as
 * `{ algorithm: 'pbkdf2-sha256', iterations, salt, hash }` (base64url), which `@tokenward/issuer`
 * verifies on Node and Web runtimes alike.
 *
 * @example
 * ```ts
 * const stored = await createPbkdf2ClientSecretHasher().hash(secret)
 * ```
 */
export function createPbkdf2ClientSecretHasher(options: Pbkdf2ClientSecretHasherOptions = {}): ClientSecretHasher {
  const iterations = options.iterations ?? 600_000
  if (!Number.isSafeInteger(iterations) || iterations < 10_000) throw new RangeError('iterations must be an integer of at least 10000')
  return {
    async hash(secret) {
      const salt = crypto.getRandomValues(new Uint8Array(16))
      const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), 'PBKDF2', false, ['deriveBits'])
      const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, 256)
      return { algorithm: 'pbkdf2-sha256', iterations, salt: encodeBase64Url(salt), hash: encodeBase64Url(new Uint8Array(bits)) }
    },
  }
}

/**
 * A new client secret (shown once, never stored) and its hash.
 *
 * @example
 * ```ts
 * const { secret, hash } = await generateSecretFor(ctx.options.secretHasher)
 * ```
 */
export async function generateSecretFor(hasher: ClientSecretHasher): Promise<{ readonly secret: string; readonly hash: ClientSecretHash }> {
  const secret = encodeBase64Url(crypto.getRandomValues(new Uint8Array(32)))
  return { secret, hash: await hasher.hash(secret) }
}
