/**
 * The JOSE vocabulary the rest of core speaks: which signature algorithms exist for tokenward
 * and what a JSON Web Key looks like. Domain words, not runtime ones: the platform seam imports
 * them, never the other way round.
 *
 * @module
 */

/** Signature algorithms tokenward can verify. `none` and HMAC are never supported. */
export type SupportedAlgorithm =
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA'

/** Every algorithm tokenward supports, in a stable order. */
export const supportedAlgorithms: readonly SupportedAlgorithm[] = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
]

/** A JSON Web Key as found in a JWK Set (RFC 7517). Only public members matter to tokenward. */
export interface Jwk {
  readonly kty: string
  readonly kid?: string
  readonly use?: string
  readonly key_ops?: readonly string[]
  readonly alg?: string
  readonly crv?: string
  readonly n?: string
  readonly e?: string
  readonly x?: string
  readonly y?: string
  readonly x5c?: readonly string[]
  readonly [member: string]: unknown
}
