/** The secret hasher this build uses by default. @module */
import { createScryptSecretHasher } from './scrypt-hasher.ts'
import type { SecretHasher } from './secret-hasher.ts'

/**
 * The secret hasher the issuer uses when none is given: on Node (the package's `node` export
 * condition) scrypt (N = 2^15, r = 8, p = 1) through node:crypto, which also checks PBKDF2 hashes;
 * elsewhere PBKDF2-SHA-256 (600 000 iterations) through WebCrypto, which has no scrypt. This
 * build: scrypt (N = 2^15, r = 8, p = 1) through node:crypto.
 *
 * @example
 * ```ts
 * const { secret, hash } = await generateClientSecret(createDefaultSecretHasher())
 * ```
 */
export const createDefaultSecretHasher = (): SecretHasher => createScryptSecretHasher()
