/**
 * Compact JWS signing (ES256) for the issuer's access tokens.
 *
 * @module
 */
import { encodeBase64Url } from '@tokenward/core/jose'
import { encodeTextBase64Url, signJwsEs256 } from '#issuer-platform'
import type { SigningKey } from './signing-key-store.ts'

const encoder = new TextEncoder()
/** The encoded protected header per key and `typ` (a key's `alg` and `kid` never change). */
const encodedHeaders = new WeakMap<object, Map<string, string>>()

/**
 * @internal Signs `payload` with `typ` in the protected header (ES256, JOSE's r‖s signature form):
 * the JWS at once where the platform signs synchronously (Node), else a promise of it (WebCrypto).
 */
export function signJwt(key: SigningKey, typ: string, payload: Readonly<Record<string, unknown>>): string | Promise<string> {
  let headers = encodedHeaders.get(key)
  if (headers === undefined) encodedHeaders.set(key, (headers = new Map()))
  let header = headers.get(typ)
  if (header === undefined) headers.set(typ, (header = encodeBase64Url(encoder.encode(JSON.stringify({ alg: key.alg, typ, kid: key.kid })))))
  // Through the platform seam: on Node, Buffer's native base64url and a synchronous signature.
  const input = `${header}.${encodeTextBase64Url(JSON.stringify(payload))}`
  const signature = signJwsEs256(key.privateKey, input)
  return typeof signature === 'string' ? `${input}.${signature}` : signature.then((sig) => `${input}.${sig}`)
}
