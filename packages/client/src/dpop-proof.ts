/**
 * DPoP proofs (RFC 9449 §4.2) signed with WebCrypto: `typ: dpop+jwt`, the public JWK in the
 * header, `jti`, `htm`, `htu` (without query and fragment), `iat`, and `ath`/`nonce` when given.
 *
 * @module
 */
import { encodeBase64Url } from '@tokenward/core/jose'

/**
 * The key DPoP proofs are signed with: a WebCrypto key pair (the private key may be
 * non-extractable) and its algorithm.
 *
 * @example
 * ```ts
 * const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])
 * const key: DpopKeyPair = { alg: 'ES256', privateKey: pair.privateKey, publicKey: pair.publicKey }
 * ```
 */
export interface DpopKeyPair {
  readonly alg: 'ES256' | 'ES384' | 'ES512' | 'EdDSA' | 'PS256' | 'RS256'
  readonly privateKey: CryptoKey
  readonly publicKey: CryptoKey
}

/**
 * What one proof is for.
 *
 * @example
 * ```ts
 * const claims: DpopProofClaims = { method: 'GET', url: 'https://api.example.com/orders', accessToken: token, nonce: undefined }
 * ```
 */
export interface DpopProofClaims {
  readonly method: string
  readonly url: string
  /** The access token the proof goes with (its `ath`); absent at the token endpoint. */
  readonly accessToken?: string | undefined
  readonly nonce?: string | undefined
  /** Seconds since the epoch. */
  readonly now: number
}

/**
 * Signs DPoP proofs with one key.
 *
 * @example
 * ```ts
 * const signer = await createDpopProofSigner()
 * const proof = await signer.sign({ method: 'POST', url: tokenEndpoint, now: Math.floor(Date.now() / 1000) })
 * ```
 */
export interface DpopProofSigner {
  readonly alg: DpopKeyPair['alg']
  /** The public JWK sent in each proof's header. */
  readonly publicJwk: Readonly<JsonWebKey>
  sign(claims: DpopProofClaims): Promise<string>
}

const utf8 = new TextEncoder()

const signParameters = (alg: DpopKeyPair['alg']): AlgorithmIdentifier | EcdsaParams | RsaPssParams => {
  if (alg === 'EdDSA') return { name: 'Ed25519' }
  if (alg === 'PS256') return { name: 'RSA-PSS', saltLength: 32 }
  if (alg === 'RS256') return { name: 'RSASSA-PKCS1-v1_5' }
  return { name: 'ECDSA', hash: `SHA-${alg.slice(2)}` }
}

const publicMembers: Readonly<Record<string, readonly string[]>> = { EC: ['kty', 'crv', 'x', 'y'], RSA: ['kty', 'n', 'e'], OKP: ['kty', 'crv', 'x'] }

/**
 * Creates a {@link DpopProofSigner}. Without a key pair, a fresh non-extractable ES256 (P-256) key
 * is generated: it lives as long as the signer, and tokens bound to it are useless to anyone
 * who copies them.
 *
 * @example
 * ```ts
 * const signer = await createDpopProofSigner()
 * signer.publicJwk.kty // 'EC'
 * ```
 */
export async function createDpopProofSigner(keyPair?: DpopKeyPair): Promise<DpopProofSigner> {
  const pair = keyPair ?? { alg: 'ES256' as const, ...(await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])) }
  const exported = await crypto.subtle.exportKey('jwk', pair.publicKey)
  const members = publicMembers[exported.kty ?? ''] ?? []
  const publicJwk = Object.freeze(Object.fromEntries(members.map((m) => [m, (exported as Record<string, unknown>)[m]]))) as JsonWebKey
  const headerSegment = encodeBase64Url(utf8.encode(JSON.stringify({ typ: 'dpop+jwt', alg: pair.alg, jwk: publicJwk })))
  return {
    alg: pair.alg,
    publicJwk,
    async sign(claims) {
      const url = new URL(claims.url)
      url.search = ''
      url.hash = ''
      const payload: Record<string, unknown> = {
        jti: encodeBase64Url(crypto.getRandomValues(new Uint8Array(16))),
        htm: claims.method,
        htu: url.href,
        iat: claims.now,
      }
      if (claims.accessToken !== undefined) payload.ath = encodeBase64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', utf8.encode(claims.accessToken))))
      if (claims.nonce !== undefined) payload.nonce = claims.nonce
      const input = `${headerSegment}.${encodeBase64Url(utf8.encode(JSON.stringify(payload)))}`
      const signature = await crypto.subtle.sign(signParameters(pair.alg), pair.privateKey, utf8.encode(input))
      return `${input}.${encodeBase64Url(new Uint8Array(signature))}`
    },
  }
}
