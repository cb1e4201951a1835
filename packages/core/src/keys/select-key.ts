/**
 * Chooses the one key of a JWK Set that may verify a token, from the token's `alg` and `kid`.
 * Pure: the caller refetches the JWK Set once on `key_not_found`.
 *
 * @module
 */
import { KeyError } from '../errors.ts'
import type { Jwk, SupportedAlgorithm } from '../jose/jwk.ts'
import { err, ok, type Result } from '../result.ts'
import { algorithmsForKey, validateKeyForAlgorithm } from './usable-key.ts'

/**
 * The JOSE header members key selection reads.
 *
 * @example
 * ```ts
 * const header: KeySelectionHeader = { alg: 'ES256', kid: undefined } // a token without a kid
 * ```
 */
export interface KeySelectionHeader {
  readonly alg: SupportedAlgorithm
  readonly kid: string | undefined
}

/**
 * Selects the verification key for a token.
 *
 * - With a `kid`: the key with exactly that `kid`. None → `key_not_found` (refetch the JWK Set
 *   once, then give up). Found but unable to verify `alg` → `invalid_key`, with no fallback to
 *   other keys. Several keys sharing the `kid` → the one that can verify `alg`, or `invalid_key`
 *   when none or more than one can.
 * - Without a `kid`: the only key in the set that can verify `alg`. None → `key_not_found`;
 *   several → `invalid_key` (the token must say which one it means).
 *
 * @example
 * ```ts
 * const r = selectVerificationKey(jwks.keys, { alg: 'RS256', kid: 'key-2024' })
 * if (r.ok) await provider.importKey(r.value, 'RS256')
 * else if (r.error.code === 'key_not_found') refreshJwksOnce()
 * ```
 */
export function selectVerificationKey(keys: readonly Jwk[], header: KeySelectionHeader): Result<Jwk, KeyError> {
  const { alg, kid } = header
  if (kid === undefined) {
    const usable = keys.filter((key) => algorithmsForKey(key).includes(alg))
    const [only] = usable
    if (only !== undefined && usable.length === 1) return ok(only)
    return usable.length === 0
      ? err(new KeyError('key_not_found', `The token has no kid and no key in the JWK Set can verify ${alg}`, { expected: alg }))
      : err(
          new KeyError('invalid_key', `The token has no kid and ${usable.length} keys could verify it`, {
            expected: 'a kid in the token header',
            actual: usable.length,
          }),
        )
  }

  // The usual case, one key with this kid, without building a candidate list.
  let first: Jwk | undefined
  let count = 0
  for (const key of keys) {
    if (key.kid !== kid) continue
    first ??= key
    count++
  }
  if (first === undefined) return err(new KeyError('key_not_found', 'No key in the JWK Set has the token\'s kid', { kid }))
  if (count === 1) return validateKeyForAlgorithm(first, alg)
  const candidates = keys.filter((key) => key.kid === kid)

  const usable = candidates.filter((key) => algorithmsForKey(key).includes(alg))
  const [only] = usable
  if (only !== undefined && usable.length === 1) return ok(only)
  return err(
    new KeyError(
      'invalid_key',
      usable.length === 0
        ? `${candidates.length} keys share the token's kid and none can verify ${alg}`
        : `${usable.length} keys share the token's kid and could verify ${alg}`,
      { kid, expected: alg, actual: candidates.map((key) => algorithmsForKey(key)) },
    ),
  )
}
