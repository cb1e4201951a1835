/**
 * The issuer's runtime seam, Node version (the package's `node` export condition): scrypt secret
 * hashing, and synchronous digests and ES256 signatures with node:crypto (WebCrypto's are
 * asynchronous and several times slower on Node). Same names as `web.ts`.
 *
 * @module
 */
import { createHash, createHmac, createSecretKey, KeyObject, randomBytes, sign } from 'node:crypto'
import { createScryptSecretHasher } from '../secret/scrypt-hasher.ts'
import type { SecretHasher } from '../secret/secret-hasher.ts'
import { ecdsaDerToRaw } from './ecdsa-der-to-raw.ts'

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
export const createDefaultSecretHasher = (): SecretHasher => createScryptSecretHasher()

/** @internal SHA-256 of `data`. */
export const sha256 = (data: Uint8Array): Uint8Array => createHash('sha256').update(data).digest()

const keyObjects = new WeakMap<CryptoKey, KeyObject>()

/**
 * @internal An ES256 signature (JOSE's r‖s form) of `data` with a P-256 private key: signed in
 * DER with a bare key object and converted (`dsaEncoding: 'ieee-p1363'` doubles the cost on Node 24).
 */
export const signEs256 = (key: CryptoKey, data: Uint8Array): Uint8Array => {
  let keyObject = keyObjects.get(key)
  if (keyObject === undefined) keyObjects.set(key, (keyObject = KeyObject.from(key)))
  return ecdsaDerToRaw(sign('sha256', data, keyObject), 32)
}

/**
 * @internal The ES256 signature of a compact JWS signing input (`header.payload`, base64url, so
 * ASCII), as base64url: Buffer's native encoders instead of TextEncoder and the JS base64url loop.
 */
export const signJwsEs256 = (key: CryptoKey, input: string): string => {
  let keyObject = keyObjects.get(key)
  if (keyObject === undefined) keyObjects.set(key, (keyObject = KeyObject.from(key)))
  const raw = ecdsaDerToRaw(sign('sha256', Buffer.from(input, 'latin1'), keyObject), 32)
  return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64url')
}

/** @internal The UTF-8 bytes of `text` as unpadded base64url (Buffer's native encoder). */
export const encodeTextBase64Url = (text: string): string => Buffer.from(text, 'utf8').toString('base64url')

/**
 * @internal A keyed SHA-256 (HMAC) under a random key made for this call and never exported, as
 * base64url: what the verified-secret cache stores instead of anything derived from a secret alone.
 */
export const createKeyedDigest = (): ((text: string) => string) => {
  const key = createSecretKey(randomBytes(32))
  return (text) => createHmac('sha256', key).update(text).digest('base64url')
}
