/**
 * JWK thumbprints (RFC 7638) and the SHA-256 digests sender-constrained tokens compare: a DPoP
 * proof's `ath` (RFC 9449 §4.2) and a certificate's `x5t#S256` (RFC 8705 §3.1). WebCrypto's
 * digest only; no key material is imported.
 *
 * @module
 */
import { encodeBase64Url } from '../jws/base64url.ts'

/** The members RFC 7638 §3.2 hashes, per key type, in lexicographic order. */
const requiredMembers: Readonly<Record<string, readonly string[]>> = {
  RSA: ['e', 'kty', 'n'],
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
}

const utf8 = new TextEncoder()

/**
 * base64url(SHA-256(bytes)), or of the UTF-8 bytes of a string.
 *
 * @example
 * ```ts
 * await sha256Base64Url('Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU') // 'fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo'
 * ```
 */
export async function sha256Base64Url(input: string | Uint8Array): Promise<string> {
  const bytes = typeof input === 'string' ? utf8.encode(input) : input
  return encodeBase64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)))
}

/**
 * The RFC 7638 JSON the thumbprint of a public key hashes: its required members only, in
 * lexicographic order, without whitespace; `undefined` for a key type other than RSA, EC and OKP
 * or a required member that is not a string.
 *
 * @example
 * ```ts
 * jwkThumbprintInput({ kty: 'EC', crv: 'P-256', x: 'a', y: 'b', kid: '1' }) // '{"crv":"P-256","kty":"EC","x":"a","y":"b"}'
 * ```
 */
export function jwkThumbprintInput(jwk: Readonly<Record<string, unknown>>): string | undefined {
  const kty = Object.hasOwn(jwk, 'kty') ? jwk.kty : undefined
  const members = typeof kty === 'string' && Object.hasOwn(requiredMembers, kty) ? requiredMembers[kty]! : undefined
  if (members === undefined) return undefined
  const parts: string[] = []
  for (const name of members) {
    const value = Object.hasOwn(jwk, name) ? jwk[name] : undefined
    if (typeof value !== 'string') return undefined
    parts.push(`${JSON.stringify(name)}:${JSON.stringify(value)}`)
  }
  return `{${parts.join(',')}}`
}

/**
 * The RFC 7638 SHA-256 thumbprint of a public JWK, base64url-encoded (what `cnf.jkt` holds);
 * `undefined` when the key has no thumbprint (see {@link jwkThumbprintInput}).
 *
 * @example
 * ```ts
 * const jkt = await jwkThumbprint({ kty: 'RSA', n: '0vx7agoebGcQ...', e: 'AQAB' }) // 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs'
 * ```
 */
export async function jwkThumbprint(jwk: Readonly<Record<string, unknown>>): Promise<string | undefined> {
  const input = jwkThumbprintInput(jwk)
  return input === undefined ? undefined : sha256Base64Url(input)
}

/**
 * Compares two strings in time that depends only on their lengths, for digests and MACs.
 *
 * @example
 * ```ts
 * constantTimeEqual(await sha256Base64Url(token), proof.ath) // true when they match
 * ```
 */
export function constantTimeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ (i < b.length ? b.charCodeAt(i) : 0)
  return diff === 0
}
