/**
 * The presented client certificate as bytes, and its RFC 8705 §3.1 thumbprint `x5t#S256`:
 * base64url(SHA-256(DER)). Accepts what adapters have: PEM text, DER bytes, or the request
 * shape's `{ raw }`. Pure apart from the WebCrypto digest; the certificate is not validated here
 * (the TLS terminator did that), only recognised as one DER SEQUENCE.
 *
 * @module
 */
import type { ClientCertificate } from '../http/bearer.ts'
import { sha256Base64Url } from '../jose/jwk-thumbprint.ts'

/**
 * A client certificate as adapters hand it over: PEM text, DER bytes or `{ raw: DER }`.
 *
 * @example
 * ```ts
 * const presented: PresentedCertificate = '-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----'
 * ```
 */
export type PresentedCertificate = string | Uint8Array | ClientCertificate

/** Largest certificate accepted, in DER bytes. */
const maxDerBytes = 64 * 1024
const pemBlock = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/
const base64 = /^[A-Za-z0-9+/]+={0,2}$/

/**
 * Decodes standard (padded) base64, or `undefined` when it is not exactly that.
 *
 * @example
 * ```ts
 * decodeBase64('AQID') // Uint8Array [1, 2, 3]
 * ```
 */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0 || !base64.test(text)) return undefined
  let binary: string
  try {
    binary = atob(text)
  } catch {
    return undefined
  }
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

/**
 * The DER bytes of a presented certificate: the first `CERTIFICATE` block of PEM text (a chain's
 * leaf comes first), DER bytes as given, or `undefined` when it is neither (other PEM blocks,
 * bad base64, not a DER SEQUENCE, over 64 KiB).
 *
 * @example
 * ```ts
 * const der = certificateDer(pem)
 * if (der === undefined) refuse()
 * ```
 */
export function certificateDer(presented: PresentedCertificate | undefined): Uint8Array | undefined {
  if (presented === undefined) return undefined
  let der: Uint8Array | undefined
  if (typeof presented === 'string') {
    if (presented.length > maxDerBytes * 2) return undefined
    const block = pemBlock.exec(presented)
    der = block === null ? undefined : decodeBase64(block[1]!.replace(/\s+/g, ''))
  } else if (presented instanceof Uint8Array) der = presented
  else if (typeof presented === 'object' && presented !== null && presented.raw instanceof Uint8Array) der = presented.raw
  if (der === undefined || der.length < 2 || der.length > maxDerBytes || der[0] !== 0x30) return undefined
  return der
}

/**
 * The RFC 8705 `x5t#S256` of a presented certificate: base64url(SHA-256(DER)); `undefined` when
 * it is not a certificate (see {@link certificateDer}).
 *
 * @example
 * ```ts
 * const x5t = await certificateThumbprint(request.clientCertificate)
 * if (x5t !== claims.cnf['x5t#S256']) refuse()
 * ```
 */
export async function certificateThumbprint(presented: PresentedCertificate | undefined): Promise<string | undefined> {
  const der = certificateDer(presented)
  return der === undefined ? undefined : sha256Base64Url(der)
}
