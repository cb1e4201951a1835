/**
 * Which algorithms a JSON Web Key from an authorization server's JWK Set can verify, and why a
 * key cannot be used. Pure and cheap: no decoding beyond what the checks need, no crypto.
 *
 * @module
 */
import { KeyError } from '../errors.ts'
import type { Jwk, SupportedAlgorithm } from '../jose/jwk.ts'
import { err, ok, type Result } from '../result.ts'

const none: readonly SupportedAlgorithm[] = Object.freeze([])
const rsa: readonly SupportedAlgorithm[] = Object.freeze(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'])
const single = Object.fromEntries(
  [...rsa, 'ES256', 'ES384', 'ES512', 'EdDSA'].map((alg) => [alg, Object.freeze([alg])]),
) as Readonly<Record<SupportedAlgorithm, readonly SupportedAlgorithm[]>>

/** Signature curves: the algorithm each verifies and the base64url length of one coordinate. */
const curves: Readonly<Record<string, { readonly kty: 'EC' | 'OKP'; readonly alg: SupportedAlgorithm; readonly chars: number }>> = {
  'P-256': { kty: 'EC', alg: 'ES256', chars: 43 },
  'P-384': { kty: 'EC', alg: 'ES384', chars: 64 },
  'P-521': { kty: 'EC', alg: 'ES512', chars: 88 },
  Ed25519: { kty: 'OKP', alg: 'EdDSA', chars: 43 },
}

const minModulusBits = 2048
/** OpenSSL and the WebCrypto implementations refuse larger moduli; verifying them is also slow. */
const maxModulusBits = 16384
const privateMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'] as const
const base64url = /^[A-Za-z0-9_-]*$/

interface Inspection {
  readonly algorithms: readonly SupportedAlgorithm[]
  readonly problems: readonly string[]
}

/**
 * The tokenward algorithms this JWK can verify; empty when the key is unusable. Symmetric keys,
 * keys whose `use` is not `sig` or whose `key_ops` lack `verify`, RSA keys under 2048 bits and
 * curves other than P-256, P-384, P-521 and Ed25519 are unusable. A key with an `alg` member can
 * verify exactly that algorithm, and nothing when that `alg` does not fit the key.
 *
 * Cheap (no full decoding), but meant to be called once per key per JWK Set fetch.
 *
 * @example
 * ```ts
 * algorithmsForKey({ kty: 'EC', crv: 'P-256', x, y })            // ['ES256']
 * algorithmsForKey({ kty: 'RSA', n, e: 'AQAB', alg: 'PS256' })    // ['PS256'] (if n ≥ 2048 bits)
 * algorithmsForKey({ kty: 'oct', k })                             // []
 * ```
 */
export function algorithmsForKey(jwk: Jwk): readonly SupportedAlgorithm[] {
  // Key-set snapshots hold frozen JWKs, which cannot change: their answer is remembered, so key
  // selection does not re-inspect the same key for every token.
  if (!Object.isFrozen(jwk)) return inspectKey(jwk).algorithms
  let algorithms = frozenKeyAlgorithms.get(jwk)
  if (algorithms === undefined) {
    algorithms = inspectKey(jwk).algorithms
    frozenKeyAlgorithms.set(jwk, algorithms)
  }
  return algorithms
}

const frozenKeyAlgorithms = new WeakMap<Jwk, readonly SupportedAlgorithm[]>()

/**
 * Human-readable reasons a JWK is unusable or suspicious, for the "Validate JWKS" report. Empty
 * for a sound key. A key that carries private members is still usable as a public key, but says so.
 *
 * @example
 * ```ts
 * keyProblems({ kty: 'RSA', n: smallModulus, e: 'AQAB', use: 'enc' })
 * // ['RSA modulus is 1024 bits; at least 2048 required', 'use is "enc"; only "sig" keys verify signatures']
 * ```
 */
export function keyProblems(jwk: Jwk): readonly string[] {
  return inspectKey(jwk).problems
}

/**
 * Succeeds with the key when it can verify `alg`; otherwise an `invalid_key` {@link KeyError}
 * whose message says why, with `expected` the algorithm and `actual` what the key can verify.
 *
 * @example
 * ```ts
 * const r = validateKeyForAlgorithm({ kty: 'EC', crv: 'P-384', x, y, kid: 'k1' }, 'ES256')
 * // r.ok === false; r.error.message: 'The key cannot verify ES256: it can verify only ES384'
 * ```
 */
export function validateKeyForAlgorithm(jwk: Jwk, alg: SupportedAlgorithm): Result<Jwk, KeyError> {
  // The remembered answer for frozen (key-set) JWKs; the reasons are worked out only on refusal.
  if (algorithmsForKey(jwk).includes(alg)) return ok(jwk)
  const { algorithms, problems } = inspectKey(jwk)
  const because = algorithms.length > 0 ? `it can verify only ${algorithms.join(', ')}` : problems.join('; ')
  return err(
    new KeyError('invalid_key', `The key cannot verify ${alg}: ${because}`, {
      expected: alg,
      actual: algorithms,
      ...(typeof jwk.kid === 'string' ? { kid: jwk.kid } : {}),
    }),
  )
}

function inspectKey(jwk: Jwk): Inspection {
  const problems: string[] = []
  // `disabling` counts the problems that make the key unusable; notes (private members) do not.
  let disabling = 0
  const fail = (problem: string): void => {
    problems.push(problem)
    disabling++
  }

  const family = keyFamily(jwk, fail)
  if (family.length > 0) checkMaterial(jwk, fail)

  const { use, key_ops: keyOps, alg } = jwk as { use?: unknown; key_ops?: unknown; alg?: unknown }
  if (use !== undefined && use !== 'sig') fail(`use is ${quote(use)}; only "sig" keys verify signatures`)
  if (keyOps !== undefined && !(Array.isArray(keyOps) && keyOps.includes('verify'))) {
    fail(`key_ops ${quote(keyOps)} does not include "verify"`)
  }

  let algorithms = family
  if (alg !== undefined) {
    if (typeof alg !== 'string') fail(`alg ${quote(alg)} is not a string`)
    else if (!Object.hasOwn(single, alg)) fail(`alg ${quote(alg)} is not a supported signature algorithm`)
    else if (family.includes(alg as SupportedAlgorithm)) algorithms = single[alg as SupportedAlgorithm]
    else if (family.length > 0) fail(`alg ${quote(alg)} does not fit this ${describeKey(jwk)} key`)
  }

  const present = privateMembers.filter((member) => jwk[member] !== undefined)
  if (present.length > 0 && jwk.kty !== 'oct') {
    problems.push(`contains private key material (${present.join(', ')}); only the public part is used`)
  }

  return { algorithms: disabling === 0 ? algorithms : none, problems }
}

/** The algorithms the key's type and curve allow, before its members are checked. */
function keyFamily(jwk: Jwk, fail: (problem: string) => void): readonly SupportedAlgorithm[] {
  const kty: unknown = jwk.kty
  if (kty === 'RSA') return rsa
  if (kty === 'oct') {
    fail('symmetric (oct) keys are never used')
    return none
  }
  if (kty === 'EC' || kty === 'OKP') {
    const crv: unknown = jwk.crv
    const curve = typeof crv === 'string' && Object.hasOwn(curves, crv) ? curves[crv] : undefined
    if (curve === undefined) {
      fail(crv === undefined ? `${kty} key has no curve (crv)` : `curve ${quote(crv)} is not a supported signature curve`)
      return none
    }
    if (curve.kty !== kty) {
      fail(`curve ${quote(crv)} belongs to kty "${curve.kty}", not "${kty}"`)
      return none
    }
    return single[curve.alg]
  }
  fail(typeof kty === 'string' ? `key type ${quote(kty)} is not supported` : 'kty is missing')
  return none
}

/** Checks the public members of a key whose type and curve are supported. */
function checkMaterial(jwk: Jwk, fail: (problem: string) => void): void {
  const { n, e, x, y, crv } = jwk as { n?: unknown; e?: unknown; x?: unknown; y?: unknown; crv?: unknown }
  if (jwk.kty === 'RSA') {
    if (typeof n !== 'string') fail('RSA key has no modulus (n)')
    else {
      const bits = bitLength(n)
      if (bits === undefined) fail('RSA modulus (n) is not base64url')
      else if (bits < minModulusBits) fail(`RSA modulus is ${bits} bits; at least ${minModulusBits} required`)
      else if (bits > maxModulusBits) fail(`RSA modulus is ${bits} bits; at most ${maxModulusBits} supported`)
    }
    if (typeof e !== 'string') fail('RSA key has no exponent (e)')
    else {
      const exponent = smallInteger(e)
      if (exponent === undefined) fail('RSA exponent (e) is not base64url or is larger than 32 bits')
      else if (exponent < 3 || exponent % 2 === 0) fail(`RSA exponent (e) is ${exponent}; it must be odd and at least 3`)
    }
    return
  }
  const curve = curves[crv as string]
  if (curve === undefined) return
  for (const [name, value] of curve.kty === 'EC' ? ([['x', x], ['y', y]] as const) : ([['x', x]] as const)) {
    if (typeof value !== 'string') fail(`${describeKey(jwk)} key has no ${name} coordinate`)
    else if (value.length !== curve.chars || !base64url.test(value)) {
      fail(`${name} is not the ${curve.chars}-character base64url value a ${crv as string} key needs`)
    }
  }
}

const sextets = new Int8Array(128).fill(-1)
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].entries()) {
  sextets[c.charCodeAt(0)] = i
}

/**
 * The bit length of the big-endian unsigned integer a base64url string encodes, ignoring leading
 * zero bytes; `undefined` when the string is not base64url. Decodes only up to the first
 * non-zero byte: the rest only counts.
 */
function bitLength(value: string): number | undefined {
  if (value.length % 4 === 1 || !base64url.test(value)) return undefined
  const totalBytes = Math.floor((value.length * 3) / 4)
  let acc = 0
  let accBits = 0
  let byteIndex = 0
  for (let i = 0; i < value.length; i++) {
    acc = ((acc << 6) | (sextets[value.charCodeAt(i)] ?? 0)) & 0xffff
    accBits += 6
    if (accBits >= 8) {
      accBits -= 8
      const byte = (acc >> accBits) & 0xff
      if (byte !== 0) return (totalBytes - byteIndex - 1) * 8 + (32 - Math.clz32(byte))
      byteIndex++
    }
  }
  return 0
}

/** The value of a base64url big-endian integer of at most 32 significant bits, else `undefined`. */
function smallInteger(value: string): number | undefined {
  const bits = bitLength(value)
  if (bits === undefined || bits > 32) return undefined
  let acc = 0
  let accBits = 0
  let result = 0
  for (let i = 0; i < value.length; i++) {
    acc = ((acc << 6) | (sextets[value.charCodeAt(i)] ?? 0)) & 0xffff
    accBits += 6
    if (accBits >= 8) {
      accBits -= 8
      result = result * 256 + ((acc >> accBits) & 0xff)
    }
  }
  return result
}

function describeKey(jwk: Jwk): string {
  return typeof jwk.crv === 'string' ? `${jwk.kty} ${jwk.crv}` : String(jwk.kty)
}

/** A short, quoted rendering of a JWK member for messages (members come from a remote document). */
function quote(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}
