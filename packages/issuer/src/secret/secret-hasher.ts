/**
 * The port behind which client secrets are hashed: WebCrypto has no scrypt, so the Web default is
 * PBKDF2-SHA-256 and Node (the package's `node` export condition) uses `node:crypto.scrypt`.
 *
 * @module
 */

/**
 * A stored client secret: a slow hash with every parameter needed to check it again. Never the secret.
 *
 * @example
 * ```ts
 * const stored: SecretHash = await createPbkdf2SecretHasher().hash(secret)
 * ```
 */
export type SecretHash =
  | {
      readonly algorithm: 'scrypt'
      /** CPU/memory cost (a power of two). */
      readonly N: number
      readonly r: number
      readonly p: number
      /** base64url */
      readonly salt: string
      /** base64url */
      readonly hash: string
    }
  | {
      readonly algorithm: 'pbkdf2-sha256'
      readonly iterations: number
      /** base64url */
      readonly salt: string
      /** base64url */
      readonly hash: string
    }

/**
 * Hashes and checks client secrets. `verify` compares in constant time and answers `false` (never
 * throws) for a wrong secret; it rejects only when it cannot check this kind of hash at all.
 *
 * @example
 * ```ts
 * const hasher: SecretHasher = createPbkdf2SecretHasher()
 * const stored = await hasher.hash('s3cret')
 * await hasher.verify('s3cret', stored) // true
 * ```
 */
export interface SecretHasher {
  /** What `hash` produces, for documentation and audits, e.g. `scrypt` or `pbkdf2-sha256`. */
  readonly algorithm: SecretHash['algorithm']
  hash(secret: string): Promise<SecretHash>
  verify(secret: string, stored: SecretHash): Promise<boolean>
}

/** @internal Constant-time equality of two byte strings (length is not secret: hashes have a fixed length). */
export function timingSafeEqualBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let difference = 0
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!
  return difference === 0
}
