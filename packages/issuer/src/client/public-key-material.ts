/**
 * Registered public keys and certificates → JWKs: a minimal DER reader (only what an X.509
 * certificate's outer structure and a SubjectPublicKeyInfo need), the key imported with WebCrypto.
 *
 * @module
 */
import type { Jwk } from '@tokenward/core'

/**
 * A certificate's public key and validity period, read from its DER.
 *
 * @example
 * ```ts
 * const { jwk, notBefore, notAfter }: CertificateKey = await readCertificate(pem)
 * ```
 */
export interface CertificateKey {
  /** The certificate's public key as a JWK (no private members). */
  readonly jwk: Jwk
  /** `notBefore`, milliseconds since the epoch. */
  readonly notBefore: number
  /** `notAfter`, milliseconds since the epoch. */
  readonly notAfter: number
}

interface DerNode {
  readonly tag: number
  /** The whole element, tag and length included. */
  readonly start: number
  readonly contentStart: number
  readonly end: number
}

const maxPemLength = 16_384

function readNode(der: Uint8Array, offset: number, limit: number): DerNode {
  if (offset + 2 > limit) throw new Error('truncated DER')
  const tag = der[offset]!
  if ((tag & 0x1f) === 0x1f) throw new Error('multi-byte DER tags are not supported')
  let length = der[offset + 1]!
  let contentStart = offset + 2
  if (length & 0x80) {
    const count = length & 0x7f
    if (count === 0 || count > 3) throw new Error('unsupported DER length')
    if (contentStart + count > limit) throw new Error('truncated DER')
    length = 0
    for (let i = 0; i < count; i++) length = length * 256 + der[contentStart + i]!
    if (length < 0x80 || (count > 1 && der[contentStart] === 0)) throw new Error('non-minimal DER length')
    contentStart += count
  }
  const end = contentStart + length
  if (end > limit) throw new Error('truncated DER')
  return { tag, start: offset, contentStart, end }
}

function children(der: Uint8Array, node: DerNode): DerNode[] {
  const out: DerNode[] = []
  let at = node.contentStart
  while (at < node.end) {
    const child = readNode(der, at, node.end)
    out.push(child)
    at = child.end
  }
  return out
}

function expectTag(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (node === undefined || node.tag !== tag) throw new Error(`expected ${what}`)
  return node
}

function decodeOid(bytes: Uint8Array): string {
  const parts: number[] = []
  let value = 0
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f)
    if (!(byte & 0x80)) {
      if (parts.length === 0) parts.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80)
      else parts.push(value)
      value = 0
    }
  }
  return parts.join('.')
}

/** Reads one PEM block of the given label; nothing but whitespace may surround it. */
export function decodePem(pem: string, label: 'CERTIFICATE' | 'PUBLIC KEY'): Uint8Array {
  if (pem.length > maxPemLength) throw new Error(`the PEM text is longer than ${maxPemLength} characters`)
  const pattern = new RegExp(`^\\s*-----BEGIN ${label}-----\\r?\\n((?:[A-Za-z0-9+/=]+\\r?\\n)+)-----END ${label}-----\\s*$`)
  const match = pattern.exec(pem)
  if (match === null) throw new Error(`must be exactly one PEM block "-----BEGIN ${label}-----"`)
  const base64 = match[1]!.replace(/\s+/g, '')
  const binary = atob(base64)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

const oidRsa = '1.2.840.113549.1.1.1'
const oidEc = '1.2.840.10045.2.1'
const oidEd25519 = '1.3.101.112'
const curves: Readonly<Record<string, 'P-256' | 'P-384' | 'P-521'>> = {
  '1.2.840.10045.3.1.7': 'P-256',
  '1.3.132.0.34': 'P-384',
  '1.3.132.0.35': 'P-521',
}

/** The WebCrypto import parameters of a SubjectPublicKeyInfo, from its algorithm identifier. */
function spkiAlgorithm(der: Uint8Array, spki: DerNode): RsaHashedImportParams | EcKeyImportParams | { name: 'Ed25519' } {
  const [algorithm] = children(der, spki)
  const [oidNode, parameters] = children(der, expectTag(algorithm, 0x30, 'an AlgorithmIdentifier'))
  const oid = decodeOid(der.subarray(expectTag(oidNode, 0x06, 'an OID').contentStart, oidNode!.end))
  if (oid === oidRsa) return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }
  if (oid === oidEd25519) return { name: 'Ed25519' }
  if (oid === oidEc) {
    const curveNode = expectTag(parameters, 0x06, 'a named curve')
    const curve = curves[decodeOid(der.subarray(curveNode.contentStart, curveNode.end))]
    if (curve === undefined) throw new Error('unsupported elliptic curve (P-256, P-384 and P-521 are supported)')
    return { name: 'ECDSA', namedCurve: curve }
  }
  throw new Error(`unsupported public key algorithm ${oid} (RSA, EC and Ed25519 are supported)`)
}

async function spkiToJwk(der: Uint8Array, spki: DerNode): Promise<Jwk> {
  const algorithm = spkiAlgorithm(der, spki)
  const key = await crypto.subtle.importKey('spki', der.slice(spki.start, spki.end), algorithm, true, ['verify'])
  const jwk = (await crypto.subtle.exportKey('jwk', key)) as Record<string, unknown>
  const { kty, n, e, crv, x, y } = jwk
  const pub: Record<string, unknown> = { kty }
  for (const [name, value] of Object.entries({ n, e, crv, x, y })) if (value !== undefined) pub[name] = value
  return pub as unknown as Jwk
}

/**
 * Converts a PEM `PUBLIC KEY` (SubjectPublicKeyInfo: RSA, EC P-256/384/521 or Ed25519) to a JWK.
 * Rejects with a plain `Error` saying what is wrong.
 *
 * @example
 * ```ts
 * const jwk = await publicKeyPemToJwk('-----BEGIN PUBLIC KEY-----\nMFkw…\n-----END PUBLIC KEY-----\n')
 * ```
 */
export async function publicKeyPemToJwk(pem: string): Promise<Jwk> {
  const der = decodePem(pem, 'PUBLIC KEY')
  const spki = expectTag(readNode(der, 0, der.length), 0x30, 'a SubjectPublicKeyInfo')
  if (spki.end !== der.length) throw new Error('trailing bytes after the public key')
  return spkiToJwk(der, spki)
}

function decodeTime(der: Uint8Array, node: DerNode): number {
  const text = new TextDecoder().decode(der.subarray(node.contentStart, node.end))
  const utc = node.tag === 0x17 ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text) : node.tag === 0x18 ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text) : null
  if (utc === null) throw new Error('unsupported certificate time format')
  let year = Number(utc[1])
  if (node.tag === 0x17) year += year >= 50 ? 1900 : 2000
  return Date.UTC(year, Number(utc[2]) - 1, Number(utc[3]), Number(utc[4]), Number(utc[5]), Number(utc[6]))
}

/**
 * Reads a PEM X.509 certificate's public key and validity period. The certificate's signature is
 * not checked: it is the registered key material itself, trusted because an administrator
 * registered it, and only its validity period is enforced (by the issuer, at each request).
 *
 * @example
 * ```ts
 * const { jwk, notAfter } = await readCertificate(pem)
 * if (Date.now() > notAfter) console.log('expired')
 * ```
 */
export async function readCertificate(pem: string): Promise<CertificateKey> {
  const der = decodePem(pem, 'CERTIFICATE')
  const certificate = expectTag(readNode(der, 0, der.length), 0x30, 'a Certificate')
  if (certificate.end !== der.length) throw new Error('trailing bytes after the certificate')
  const [tbs] = children(der, certificate)
  const fields = children(der, expectTag(tbs, 0x30, 'a TBSCertificate'))
  // version [0] is optional; then serial, signature, issuer, validity, subject, subjectPublicKeyInfo.
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0
  const validity = expectTag(fields[offset + 3], 0x30, 'a Validity')
  const [notBeforeNode, notAfterNode] = children(der, validity)
  if (notBeforeNode === undefined || notAfterNode === undefined) throw new Error('expected notBefore and notAfter')
  const spki = expectTag(fields[offset + 5], 0x30, 'a SubjectPublicKeyInfo')
  return { jwk: await spkiToJwk(der, spki), notBefore: decodeTime(der, notBeforeNode), notAfter: decodeTime(der, notAfterNode) }
}
