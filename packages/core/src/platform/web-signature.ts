/**
 * Signature verification with WebCrypto (`crypto.subtle`): the default provider, for every
 * runtime that has WebCrypto (Node, Deno, Bun, Workers, browsers).
 *
 * @module
 */
import { KeyError } from '../errors.ts'
import { minimalPublicJwk } from '../keys/public-jwk.ts'
import type { SignatureProvider, SupportedAlgorithm, VerificationKey } from './types.ts'

interface WebAlgorithm {
  readonly importParams: RsaHashedImportParams | EcKeyImportParams | Algorithm
  readonly verifyParams: RsaPssParams | EcdsaParams | Algorithm
  /** Exact signature length in bytes; `undefined` for RSA (it is the modulus length). */
  readonly signatureBytes: number | undefined
}

const rsassa = (hash: string): WebAlgorithm => ({
  importParams: { name: 'RSASSA-PKCS1-v1_5', hash },
  verifyParams: { name: 'RSASSA-PKCS1-v1_5' },
  signatureBytes: undefined,
})
const pss = (hash: string, saltLength: number): WebAlgorithm => ({
  importParams: { name: 'RSA-PSS', hash },
  verifyParams: { name: 'RSA-PSS', saltLength },
  signatureBytes: undefined,
})
const ecdsa = (namedCurve: string, hash: string, signatureBytes: number): WebAlgorithm => ({
  importParams: { name: 'ECDSA', namedCurve },
  verifyParams: { name: 'ECDSA', hash },
  signatureBytes,
})

const algorithms: Readonly<Record<SupportedAlgorithm, WebAlgorithm>> = {
  RS256: rsassa('SHA-256'),
  RS384: rsassa('SHA-384'),
  RS512: rsassa('SHA-512'),
  PS256: pss('SHA-256', 32),
  PS384: pss('SHA-384', 48),
  PS512: pss('SHA-512', 64),
  ES256: ecdsa('P-256', 'SHA-256', 64),
  ES384: ecdsa('P-384', 'SHA-384', 96),
  ES512: ecdsa('P-521', 'SHA-512', 132),
  EdDSA: { importParams: { name: 'Ed25519' }, verifyParams: { name: 'Ed25519' }, signatureBytes: 64 },
}

/** What a {@link VerificationKey} made by this provider holds. */
class WebKeyHandle {
  constructor(
    readonly key: CryptoKey,
    readonly algorithm: WebAlgorithm,
    readonly signatureBytes: number,
  ) {}
}

/**
 * Verifies JWS signatures with WebCrypto. Imports only the public members of a JWK (so private
 * members, `alg`, `use`, `key_ops` and `ext` never reach `importKey`); `importKey` rejects with an
 * `invalid_key` {@link KeyError} when the key cannot verify the algorithm. `verify` resolves to
 * `false` for any wrong, malformed or wrong-length signature and never rejects for one.
 *
 * @example
 * ```ts
 * import { webSignatureProvider } from './web-signature.ts'
 * const key = await webSignatureProvider.importKey(jwk, 'ES256')
 * const valid = await webSignatureProvider.verify(key, signingInput, signature)
 * ```
 */
export const webSignatureProvider: SignatureProvider = {
  name: 'web',

  async importKey(jwk, alg): Promise<VerificationKey> {
    const publicJwk = minimalPublicJwk(jwk, alg)
    if (!publicJwk.ok) throw publicJwk.error
    const algorithm = algorithms[alg]
    let key: CryptoKey
    try {
      key = await crypto.subtle.importKey('jwk', publicJwk.value, algorithm.importParams, false, ['verify'])
    } catch (cause) {
      throw new KeyError('invalid_key', `WebCrypto could not import the key for ${alg}`, {
        expected: alg,
        cause,
        ...(typeof jwk.kid === 'string' ? { kid: jwk.kid } : {}),
      })
    }
    const modulusBits = (key.algorithm as Partial<RsaHashedKeyAlgorithm>).modulusLength
    const signatureBytes = algorithm.signatureBytes ?? Math.ceil((modulusBits ?? 0) / 8)
    return { alg, handle: new WebKeyHandle(key, algorithm, signatureBytes) }
  },

  async verify(key, data, signature): Promise<boolean> {
    const { handle } = key
    if (!(handle instanceof WebKeyHandle)) throw new TypeError('The key was not imported by webSignatureProvider')
    if (signature.byteLength !== handle.signatureBytes) return false
    try {
      // WebCrypto reads views over ArrayBuffer; the casts only narrow the TypeScript buffer type.
      return await crypto.subtle.verify(
        handle.algorithm.verifyParams,
        handle.key,
        signature as Uint8Array<ArrayBuffer>,
        data as Uint8Array<ArrayBuffer>,
      )
    } catch {
      return false
    }
  },
}
