/**
 * Private signing keys for client assertions: which algorithms a JWK or a PKCS#8 PEM key can sign
 * with, read from the key itself (pure), and the WebCrypto import that turns it into a signing key.
 *
 * @module
 */

/**
 * Algorithms a `private_key_jwt` client assertion can be signed with.
 *
 * @example
 * ```ts
 * defineClientAuthentication({ method: 'private_key_jwt', privateKey: rsaJwk, algorithm: 'PS256' satisfies ClientAssertionAlgorithm }, 'clientAuthentication')
 * ```
 */
export type ClientAssertionAlgorithm = 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA'

const rsaAlgorithms: readonly ClientAssertionAlgorithm[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']
const curveAlgorithm: Readonly<Record<string, ClientAssertionAlgorithm>> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' }

/** What a private key is, as far as signing goes. */
export type KeyKind = { readonly kty: 'RSA' } | { readonly kty: 'EC'; readonly crv: 'P-256' | 'P-384' | 'P-521' } | { readonly kty: 'OKP'; readonly crv: 'Ed25519' }

/** The algorithms a key of this kind can sign with; the first is the default. */
export const algorithmsFor = (kind: KeyKind): readonly ClientAssertionAlgorithm[] =>
  kind.kty === 'RSA' ? rsaAlgorithms : kind.kty === 'EC' ? [curveAlgorithm[kind.crv] as ClientAssertionAlgorithm] : ['EdDSA']

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')

interface Tlv {
  readonly tag: number
  readonly start: number
  readonly end: number
}

// One DER tag-length-value at `offset`; undefined when it does not fit.
const readTlv = (der: Uint8Array, offset: number): Tlv | undefined => {
  const tag = der[offset]
  let lengthByte = der[offset + 1]
  if (tag === undefined || lengthByte === undefined) return undefined
  let start = offset + 2
  let length = lengthByte
  if (lengthByte & 0x80) {
    const count = lengthByte & 0x7f
    if (count === 0 || count > 3) return undefined
    length = 0
    for (let i = 0; i < count; i += 1) {
      lengthByte = der[start + i]
      if (lengthByte === undefined) return undefined
      length = length * 256 + lengthByte
    }
    start += count
  }
  const end = start + length
  return end <= der.length ? { tag, start, end } : undefined
}

const oids = {
  rsaEncryption: '2a864886f70d010101',
  ecPublicKey: '2a8648ce3d0201',
  ed25519: '2b6570',
} as const
const curves: Readonly<Record<string, 'P-256' | 'P-384' | 'P-521'>> = {
  '2a8648ce3d030107': 'P-256',
  '2b81040022': 'P-384',
  '2b81040023': 'P-521',
}

/**
 * The key kind of a PKCS#8 `PrivateKeyInfo` (RFC 5958), read from its algorithm identifier, or a
 * reason it cannot be used. Only the identifier is read; the key itself is left to WebCrypto.
 */
export const pkcs8KeyKind = (der: Uint8Array): KeyKind | string => {
  const outer = readTlv(der, 0)
  if (outer?.tag !== 0x30 || outer.end !== der.length) return 'is not a PKCS#8 private key (DER structure unreadable)'
  const version = readTlv(der, outer.start)
  const algorithm = version?.tag === 0x02 ? readTlv(der, version.end) : undefined
  const oid = algorithm?.tag === 0x30 ? readTlv(der, algorithm.start) : undefined
  if (algorithm === undefined || oid?.tag !== 0x06) return 'is not a PKCS#8 private key (no algorithm identifier)'
  const id = hex(der.subarray(oid.start, oid.end))
  if (id === oids.rsaEncryption) return { kty: 'RSA' }
  if (id === oids.ed25519) return { kty: 'OKP', crv: 'Ed25519' }
  if (id === oids.ecPublicKey) {
    const parameter = readTlv(der, oid.end)
    const crv = parameter?.tag === 0x06 && parameter.end <= algorithm.end ? curves[hex(der.subarray(parameter.start, parameter.end))] : undefined
    return crv === undefined ? 'is an EC key on a curve tokenward cannot sign with (P-256, P-384 and P-521 only)' : { kty: 'EC', crv }
  }
  return 'is a key type tokenward cannot sign client assertions with (RSA, EC P-256/P-384/P-521 and Ed25519 only)'
}

const pemBlock = /^\s*-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n]+?)\r?\n?-----END \1-----\s*$/

/** The DER bytes of a single-block PEM with the given label, or a reason (never echoing the key). */
export const decodePem = (pem: string, label: string): Uint8Array | string => {
  const match = pemBlock.exec(pem)
  if (match === null) return `must be one PEM block (-----BEGIN ${label}----- …)`
  if (match[1] !== label) {
    const found = match[1] as string
    if (found === 'RSA PRIVATE KEY' || found === 'EC PRIVATE KEY') {
      return `is a ${found} (PKCS#1/SEC 1): convert it to PKCS#8 (-----BEGIN PRIVATE KEY-----) with \`openssl pkcs8 -topk8 -nocrypt\``
    }
    if (found === 'ENCRYPTED PRIVATE KEY') return 'is encrypted: give the unencrypted PKCS#8 key (-----BEGIN PRIVATE KEY-----), kept secret by where it is stored'
    return `is a "${found}" PEM block; expected -----BEGIN ${label}-----`
  }
  try {
    const binary = atob((match[2] as string).replace(/[\r\n]/g, ''))
    return Uint8Array.from(binary, (c) => c.charCodeAt(0))
  } catch {
    return 'is not valid base64 inside its PEM block'
  }
}

const hashOf = (alg: ClientAssertionAlgorithm): string => `SHA-${alg === 'EdDSA' ? 512 : alg.slice(2)}`

/** WebCrypto import parameters for a key and an algorithm. */
export const importParameters = (alg: ClientAssertionAlgorithm, kind: KeyKind): RsaHashedImportParams | EcKeyImportParams | Algorithm => {
  if (alg.startsWith('RS')) return { name: 'RSASSA-PKCS1-v1_5', hash: hashOf(alg) }
  if (alg.startsWith('PS')) return { name: 'RSA-PSS', hash: hashOf(alg) }
  if (alg.startsWith('ES') && kind.kty === 'EC') return { name: 'ECDSA', namedCurve: kind.crv }
  return { name: 'Ed25519' }
}

/** WebCrypto sign parameters: JWS wants ECDSA signatures as raw r‖s, which is what WebCrypto produces. */
export const signParameters = (alg: ClientAssertionAlgorithm): Algorithm | RsaPssParams | EcdsaParams => {
  if (alg.startsWith('RS')) return { name: 'RSASSA-PKCS1-v1_5' }
  if (alg.startsWith('PS')) return { name: 'RSA-PSS', saltLength: Number(alg.slice(2)) / 8 }
  if (alg.startsWith('ES')) return { name: 'ECDSA', hash: hashOf(alg) }
  return { name: 'Ed25519' }
}
