// Test support (never shipped): DPoP key pairs and proofs, well-formed or hostile.
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto'
import { CompactSign, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose'

/** A DPoP key pair: the private key signs, the public JWK goes in the proof header. */
export interface DpopKey {
  readonly alg: string
  readonly privateKey: CryptoKey
  readonly publicJwk: JWK
  readonly privateJwk: JWK
}

export async function makeDpopKey(alg = 'ES256', options: { modulusLength?: number } = {}): Promise<DpopKey> {
  if (options.modulusLength !== undefined) {
    const pair = generateKeyPairSync('rsa', { modulusLength: options.modulusLength })
    return { alg, privateKey: pair.privateKey as unknown as CryptoKey, publicJwk: await exportJWK(pair.publicKey), privateJwk: await exportJWK(pair.privateKey) }
  }
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  return { alg, privateKey, publicJwk: await exportJWK(publicKey), privateJwk: await exportJWK(privateKey) }
}

export const accessTokenHash = (token: string): string => createHash('sha256').update(token).digest('base64url')

export interface ProofOptions {
  readonly header?: Record<string, unknown>
  readonly payload?: Record<string, unknown>
  /** Payload members to leave out. */
  readonly omit?: readonly string[]
}

let counter = 0

/** Signs a proof for `method url` bound to `accessToken` at `iat`, with overrides. */
export async function signProof(key: DpopKey, claims: { method: string; url: string; accessToken: string; iat: number }, options: ProofOptions = {}): Promise<string> {
  const payload: Record<string, unknown> = {
    jti: `jti-${++counter}-${Math.random().toString(36).slice(2)}`,
    htm: claims.method,
    htu: claims.url,
    iat: claims.iat,
    ath: accessTokenHash(claims.accessToken),
    ...options.payload,
  }
  for (const name of options.omit ?? []) delete payload[name]
  const header = { typ: 'dpop+jwt', alg: key.alg, jwk: key.publicJwk, ...options.header }
  if (!(key.privateKey instanceof globalThis.CryptoKey)) {
    // A weak RSA key made with node:crypto (jose refuses to sign with one): RS256 by hand.
    const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`
    return `${input}.${sign('sha256', Buffer.from(input), key.privateKey as unknown as KeyObject).toString('base64url')}`
  }
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader(header as never).sign(key.privateKey)
}

/** A compact JWS with the given header and payload and a junk signature (for alg none / HS256 forgeries). */
export function forgeProof(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')
  return `${b64(header)}.${b64(payload)}.${Buffer.from('not a signature').toString('base64url')}`
}
