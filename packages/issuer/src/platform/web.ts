/**
 * The issuer's runtime seam, Web version (the default everywhere but Node): PBKDF2-SHA-256 secret
 * hashing, digests and ES256 signatures through WebCrypto. `node.ts` offers the same names.
 *
 * @module
 */
import { encodeBase64Url } from '@tokenward/core/jose'
import { createPbkdf2SecretHasher } from '../secret/pbkdf2-hasher.ts'
import type { SecretHasher } from '../secret/secret-hasher.ts'

/**
 * The secret hasher the issuer uses when none is given: on Node (the package's `node` export
 * condition) scrypt (N = 2^15, r = 8, p = 1) through node:crypto, which also checks PBKDF2 hashes;
 * elsewhere PBKDF2-SHA-256 (600 000 iterations) through WebCrypto, which has no scrypt.
 *
 * @example
 * ```ts
 * const { secret, hash } = await generateClientSecret(createDefaultSecretHasher())
 * ```
 */
export const createDefaultSecretHasher = (): SecretHasher => createPbkdf2SecretHasher()

/** @internal SHA-256 of `data`. */
export const sha256 = async (data: Uint8Array): Promise<Uint8Array> => new Uint8Array(await crypto.subtle.digest('SHA-256', data.slice()))

/** @internal An ES256 signature (JOSE's r‖s form) of `data` with a P-256 private key. */
export const signEs256 = async (key: CryptoKey, data: Uint8Array): Promise<Uint8Array> =>
  new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, data.slice()))

const textEncoder = new TextEncoder()

/** @internal The ES256 signature of a compact JWS signing input (`header.payload`), as base64url. */
export const signJwsEs256 = async (key: CryptoKey, input: string): Promise<string> =>
  encodeBase64Url(await signEs256(key, textEncoder.encode(input)))

/** @internal The UTF-8 bytes of `text` as unpadded base64url. */
export const encodeTextBase64Url = (text: string): string => encodeBase64Url(textEncoder.encode(text))

/**
 * @internal A keyed SHA-256 (HMAC) under a random non-extractable key made for this call, as
 * base64url: what the verified-secret cache stores instead of anything derived from a secret alone.
 */
export const createKeyedDigest = (): ((text: string) => Promise<string>) => {
  const key = crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256', length: 256 }, false, ['sign'])
  const encoder = new TextEncoder()
  return async (text) => encodeBase64Url(new Uint8Array(await crypto.subtle.sign('HMAC', await key, encoder.encode(text))))
}
