import { generateKeyPairSync } from 'node:crypto'
import fc from 'fast-check'
import { exportJWK, generateKeyPair } from 'jose'
import { describe, expect, it } from 'vitest'
import { supportedAlgorithms, type Jwk, type SupportedAlgorithm } from '../jose/jwk.ts'
import { algorithmsForKey, keyProblems, validateKeyForAlgorithm } from './usable-key.ts'

const b64u = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url')

/** A base64url integer of exactly `bits` bits, after `leadingZeros` zero bytes. */
function modulus(bits: number, leadingZeros = 0): string {
  const bytes = new Uint8Array(leadingZeros + Math.ceil(bits / 8)).fill(0xa5)
  bytes.fill(0, 0, leadingZeros)
  bytes[leadingZeros] = 1 << ((bits - 1) % 8)
  return b64u(bytes)
}

const coordinate = (bytes: number): string => b64u(new Uint8Array(bytes).fill(7))
const n2048 = modulus(2048)
const rsa: Jwk = { kty: 'RSA', n: n2048, e: 'AQAB' }
const p256: Jwk = { kty: 'EC', crv: 'P-256', x: coordinate(32), y: coordinate(32) }
const ed25519: Jwk = { kty: 'OKP', crv: 'Ed25519', x: coordinate(32) }
const real1024 = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' }) as Jwk
const real2048 = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' }) as Jwk
const realSecp256k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ format: 'jwk' }) as Jwk
const realEd448 = generateKeyPairSync('ed448').publicKey.export({ format: 'jwk' }) as Jwk
const realX25519 = generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' }) as Jwk
/** A JWK as a remote document may spell it, with members of the wrong JSON type. */
const untyped = (jwk: Record<string, unknown>): Jwk => jwk as unknown as Jwk
const allRsa = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']

describe('algorithmsForKey and keyProblems', () => {
  it.each<[string, Jwk, readonly string[], readonly string[]]>([
    // RSA: size
    ['RSA 2048 bits', rsa, allRsa, []],
    ['a real RSA 2048 key', real2048, allRsa, []],
    ['RSA 4096 bits', { ...rsa, n: modulus(4096) }, allRsa, []],
    ['RSA 16384 bits', { ...rsa, n: modulus(16384) }, allRsa, []],
    ['RSA 2048 bits after a leading zero byte', { ...rsa, n: modulus(2048, 1) }, allRsa, []],
    ['RSA 2047 bits', { ...rsa, n: modulus(2047) }, [], ['RSA modulus is 2047 bits; at least 2048 required']],
    ['RSA 2040 bits padded to 256 bytes', { ...rsa, n: modulus(2040, 1) }, [], ['RSA modulus is 2040 bits; at least 2048 required']],
    ['a real RSA 1024 key', real1024, [], ['RSA modulus is 1024 bits; at least 2048 required']],
    ['RSA 16385 bits', { ...rsa, n: modulus(16385) }, [], ['RSA modulus is 16385 bits; at most 16384 supported']],
    ['RSA modulus of zeros', { ...rsa, n: b64u(new Uint8Array(256)) }, [], ['RSA modulus is 0 bits; at least 2048 required']],
    // RSA: members
    ['RSA n in base64 (not url)', { ...rsa, n: `${n2048.slice(0, -2)}+/` }, [], ['RSA modulus (n) is not base64url']],
    ['RSA n with padding', { ...rsa, n: `${modulus(2056)}=` }, [], ['RSA modulus (n) is not base64url']],
    ['RSA n of impossible length', { ...rsa, n: `${n2048}AAA` }, [], ['RSA modulus (n) is not base64url']],
    ['RSA without n', { kty: 'RSA', e: 'AQAB' }, [], ['RSA key has no modulus (n)']],
    ['RSA with a numeric n', untyped({ kty: 'RSA', n: 12345, e: 'AQAB' }), [], ['RSA key has no modulus (n)']],
    ['RSA without e', { kty: 'RSA', n: n2048 }, [], ['RSA key has no exponent (e)']],
    ['RSA e = 3', { ...rsa, e: 'Aw' }, allRsa, []],
    ['RSA e = 1', { ...rsa, e: 'AQ' }, [], ['RSA exponent (e) is 1; it must be odd and at least 3']],
    ['RSA e = 65536', { ...rsa, e: 'AQAA' }, [], ['RSA exponent (e) is 65536; it must be odd and at least 3']],
    ['RSA e over 32 bits', { ...rsa, e: 'AQAAAAE' }, [], ['RSA exponent (e) is not base64url or is larger than 32 bits']],
    ['RSA e = 2^32 - 1 after leading zeros', { ...rsa, e: 'AAD_____' }, allRsa, []],
    // alg member
    ['RSA alg RS256', { ...rsa, alg: 'RS256' }, ['RS256'], []],
    ['RSA alg PS512', { ...rsa, alg: 'PS512' }, ['PS512'], []],
    ['RSA alg ES256', { ...rsa, alg: 'ES256' }, [], ['alg "ES256" does not fit this RSA key']],
    ['RSA alg HS256', { ...rsa, alg: 'HS256' }, [], ['alg "HS256" is not a supported signature algorithm']],
    ['RSA alg none', { ...rsa, alg: 'none' }, [], ['alg "none" is not a supported signature algorithm']],
    ['RSA alg RSA-OAEP', { ...rsa, alg: 'RSA-OAEP' }, [], ['alg "RSA-OAEP" is not a supported signature algorithm']],
    ['RSA alg toString (prototype member)', { ...rsa, alg: 'toString' }, [], ['alg "toString" is not a supported signature algorithm']],
    ['RSA alg 256 (a number)', untyped({ ...rsa, alg: 256 }), [], ['alg 256 is not a string']],
    ['1024-bit RSA alg RS256 (only the size problem)', { ...real1024, alg: 'RS256' }, [], ['RSA modulus is 1024 bits; at least 2048 required']],
    // use and key_ops
    ['use sig', { ...rsa, use: 'sig' }, allRsa, []],
    ['use enc', { ...rsa, use: 'enc' }, [], ['use is "enc"; only "sig" keys verify signatures']],
    ['use "" (empty)', { ...rsa, use: '' }, [], ['use is ""; only "sig" keys verify signatures']],
    ['key_ops [verify]', { ...rsa, key_ops: ['verify'] }, allRsa, []],
    ['key_ops [sign, verify]', { ...rsa, key_ops: ['sign', 'verify'] }, allRsa, []],
    ['key_ops [encrypt]', { ...rsa, key_ops: ['encrypt'] }, [], ['key_ops ["encrypt"] does not include "verify"']],
    ['key_ops []', { ...rsa, key_ops: [] }, [], ['key_ops [] does not include "verify"']],
    ['key_ops "verify" (not an array)', untyped({ ...rsa, key_ops: 'verify' }), [], ['key_ops "verify" does not include "verify"']],
    // private members: usable, with a note
    ['RSA with d', { ...rsa, d: 'AQAB' }, allRsa, ['contains private key material (d); only the public part is used']],
    [
      'RSA with all private members',
      { ...rsa, d: 'x', p: 'x', q: 'x', dp: 'x', dq: 'x', qi: 'x' },
      allRsa,
      ['contains private key material (d, p, q, dp, dq, qi); only the public part is used'],
    ],
    ['EC with d', { ...p256, d: coordinate(32) }, ['ES256'], ['contains private key material (d); only the public part is used']],
    // EC
    ['EC P-256', p256, ['ES256'], []],
    ['EC P-384', { kty: 'EC', crv: 'P-384', x: coordinate(48), y: coordinate(48) }, ['ES384'], []],
    ['EC P-521', { kty: 'EC', crv: 'P-521', x: coordinate(66), y: coordinate(66) }, ['ES512'], []],
    ['EC P-256 alg ES256', { ...p256, alg: 'ES256' }, ['ES256'], []],
    ['EC P-256 alg ES384', { ...p256, alg: 'ES384' }, [], ['alg "ES384" does not fit this EC P-256 key']],
    ['EC P-384 with P-256-sized coordinates', { ...p256, crv: 'P-384' }, [], [
      'x is not the 64-character base64url value a P-384 key needs',
      'y is not the 64-character base64url value a P-384 key needs',
    ]],
    ['EC without y', { kty: 'EC', crv: 'P-256', x: coordinate(32) }, [], ['EC P-256 key has no y coordinate']],
    ['EC x in base64 (not url)', { ...p256, x: `${coordinate(32).slice(0, -1)}+` }, [], ['x is not the 43-character base64url value a P-256 key needs']],
    ['EC without crv', { kty: 'EC', x: coordinate(32), y: coordinate(32) }, [], ['EC key has no curve (crv)']],
    ['EC secp256k1', realSecp256k1, [], ['curve "secp256k1" is not a supported signature curve']],
    ['EC crv Ed25519', { kty: 'EC', crv: 'Ed25519', x: coordinate(32), y: coordinate(32) }, [], ['curve "Ed25519" belongs to kty "OKP", not "EC"']],
    ['EC crv __proto__', { kty: 'EC', crv: '__proto__', x: coordinate(32), y: coordinate(32) }, [], ['curve "__proto__" is not a supported signature curve']],
    // OKP
    ['OKP Ed25519', ed25519, ['EdDSA'], []],
    ['OKP Ed25519 alg EdDSA', { ...ed25519, alg: 'EdDSA' }, ['EdDSA'], []],
    ['OKP Ed25519 alg Ed25519 (RFC 9864 name, not supported)', { ...ed25519, alg: 'Ed25519' }, [], ['alg "Ed25519" is not a supported signature algorithm']],
    ['OKP Ed25519 without x', { kty: 'OKP', crv: 'Ed25519' }, [], ['OKP Ed25519 key has no x coordinate']],
    ['OKP Ed448', realEd448, [], ['curve "Ed448" is not a supported signature curve']],
    ['OKP X25519', realX25519, [], ['curve "X25519" is not a supported signature curve']],
    ['OKP crv P-256', { kty: 'OKP', crv: 'P-256', x: coordinate(32) }, [], ['curve "P-256" belongs to kty "EC", not "OKP"']],
    // others
    ['oct', { kty: 'oct', k: 'c2VjcmV0' }, [], ['symmetric (oct) keys are never used']],
    ['oct alg HS256', { kty: 'oct', k: 'c2VjcmV0', alg: 'HS256' }, [], [
      'symmetric (oct) keys are never used',
      'alg "HS256" is not a supported signature algorithm',
    ]],
    ['kty "AKP" (unknown)', { kty: 'AKP', pub: 'x' }, [], ['key type "AKP" is not supported']],
    ['kty missing', untyped({ n: n2048, e: 'AQAB' }), [], ['kty is missing']],
    ['a long kty is shortened in messages', { kty: 'X'.repeat(500) }, [], [`key type "${'X'.repeat(56)}... is not supported`]],
    // several problems at once
    ['1024-bit RSA for encryption', { ...real1024, use: 'enc', d: 'x' }, [], [
      'RSA modulus is 1024 bits; at least 2048 required',
      'use is "enc"; only "sig" keys verify signatures',
      'contains private key material (d); only the public part is used',
    ]],
  ])('%s', (_name, jwk, algorithms, problems) => {
    expect(algorithmsForKey(jwk)).toEqual(algorithms)
    expect(keyProblems(jwk)).toEqual(problems)
  })

  it('accepts every key jose generates for a supported algorithm, for that algorithm', async () => {
    for (const alg of supportedAlgorithms) {
      const { publicKey } = await generateKeyPair(alg, { extractable: true })
      const jwk = (await exportJWK(publicKey)) as Jwk
      expect(algorithmsForKey(jwk)).toContain(alg)
      expect(keyProblems(jwk)).toEqual([])
    }
  })

  it('measures the modulus exactly as a big integer would (property)', () => {
    const bigBitLength = (bytes: Uint8Array): number =>
      bytes.some((b) => b !== 0) ? BigInt(`0x${Buffer.from(bytes).toString('hex')}`).toString(2).length : 0
    const bytes = fc.oneof(
      fc.uint8Array({ minLength: 0, maxLength: 300 }),
      // around the 2048-bit boundary, with leading zero bytes
      fc.tuple(fc.nat(3), fc.integer({ min: 254, max: 258 }), fc.nat(255)).map(([zeros, length, top]) => {
        const b = new Uint8Array(zeros + length).fill(0x5a)
        b.fill(0, 0, zeros)
        b[zeros] = top
        return b
      }),
    )
    fc.assert(
      fc.property(bytes, (n) => {
        const bits = bigBitLength(n)
        const usable = algorithmsForKey({ kty: 'RSA', n: b64u(n), e: 'AQAB' }).length > 0
        expect(usable).toBe(bits >= 2048 && bits <= 16384)
        if (!usable) expect(keyProblems({ kty: 'RSA', n: b64u(n), e: 'AQAB' })[0]).toContain(`is ${bits} bits`)
      }),
      { numRuns: 500 },
    )
  })
})

describe('validateKeyForAlgorithm', () => {
  it.each<[string, Jwk, SupportedAlgorithm, string | undefined, readonly string[]]>([
    ['usable', { ...rsa, kid: 'a' }, 'PS256', undefined, allRsa],
    ['narrowed by alg', { ...rsa, kid: 'a', alg: 'RS256' }, 'PS256', 'The key cannot verify PS256: it can verify only RS256', ['RS256']],
    ['wrong curve', { ...p256, kid: 'a' }, 'ES384', 'The key cannot verify ES384: it can verify only ES256', ['ES256']],
    ['wrong type', { ...p256, kid: 'a' }, 'RS256', 'The key cannot verify RS256: it can verify only ES256', ['ES256']],
    ['too small', { ...real1024, kid: 'a' }, 'RS256', 'The key cannot verify RS256: RSA modulus is 1024 bits; at least 2048 required', []],
    ['encryption key', { ...rsa, kid: 'a', use: 'enc' }, 'RS256', 'The key cannot verify RS256: use is "enc"; only "sig" keys verify signatures', []],
  ])('%s', (_name, jwk, alg, message, actual) => {
    const result = validateKeyForAlgorithm(jwk, alg)
    if (message === undefined) {
      expect(result).toEqual({ ok: true, value: jwk })
      return
    }
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.error).toMatchObject({ _tag: 'KeyError', code: 'invalid_key', message, kid: 'a', expected: alg, actual })
  })
})
