/**
 * The smallest public JWK a runtime needs to import a verification key: only `kty`, the curve
 * and the public members. Private members, `alg`, `use`, `key_ops` and `ext` never reach the
 * runtime, so their quirks (WebCrypto refuses `ext: false` or a `key_ops` without `verify`) and
 * private material stay out of imported keys.
 *
 * @module
 */
import type { KeyError } from '../errors.ts'
import type { Jwk, SupportedAlgorithm } from '../jose/jwk.ts'
import { ok, type Result } from '../result.ts'
import { validateKeyForAlgorithm } from './usable-key.ts'

/**
 * A public JWK reduced to the members needed to verify signatures.
 *
 * @example
 * ```ts
 * const rsa: MinimalPublicJwk = { kty: 'RSA', n, e: 'AQAB' }
 * const ed: MinimalPublicJwk = { kty: 'OKP', crv: 'Ed25519', x }
 * ```
 */
export type MinimalPublicJwk =
  | { readonly kty: 'RSA'; readonly n: string; readonly e: string }
  | { readonly kty: 'EC'; readonly crv: 'P-256' | 'P-384' | 'P-521'; readonly x: string; readonly y: string }
  | { readonly kty: 'OKP'; readonly crv: 'Ed25519'; readonly x: string }

/**
 * Reduces `jwk` to its public members for verifying `alg`, or fails with an `invalid_key`
 * {@link KeyError} when the key cannot verify that algorithm (see `validateKeyForAlgorithm`):
 * wrong type or curve, a modulus under 2048 bits, `use: "enc"`, a mismatching `alg` member...
 *
 * @example
 * ```ts
 * const r = minimalPublicJwk({ kty: 'EC', crv: 'P-256', x, y, d, alg: 'ES256', kid: 'k1' }, 'ES256')
 * // r.value is { kty: 'EC', crv: 'P-256', x, y }
 * if (r.ok) await crypto.subtle.importKey('jwk', r.value, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify'])
 * ```
 */
export function minimalPublicJwk(jwk: Jwk, alg: SupportedAlgorithm): Result<MinimalPublicJwk, KeyError> {
  const usable = validateKeyForAlgorithm(jwk, alg)
  if (!usable.ok) return usable
  // validateKeyForAlgorithm has checked that these members are strings of the right shape.
  const { n, e, x, y, crv } = jwk as { n: string; e: string; x: string; y: string; crv: string }
  switch (jwk.kty) {
    case 'RSA':
      return ok({ kty: 'RSA', n, e })
    case 'EC':
      return ok({ kty: 'EC', crv: crv as 'P-256' | 'P-384' | 'P-521', x, y })
    default:
      return ok({ kty: 'OKP', crv: 'Ed25519', x })
  }
}
