import { describe, expect, it } from 'vitest'
import type { Jwk, SupportedAlgorithm } from '../jose/jwk.ts'
import { selectVerificationKey } from './select-key.ts'

const b64u = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url')
const n = (bits: number): string => {
  const bytes = new Uint8Array(Math.ceil(bits / 8)).fill(0xa5)
  bytes[0] = 1 << ((bits - 1) % 8)
  return b64u(bytes)
}
const xy = (bytes: number, fill: number): string => b64u(new Uint8Array(bytes).fill(fill))

// `tag` only names the fixture in expectations; it is an extra JWK member the code ignores.
const rsa = (kid: string | undefined, tag: string, extra: Partial<Jwk> = {}): Jwk => ({
  kty: 'RSA',
  n: n(2048),
  e: 'AQAB',
  ...(kid === undefined ? {} : { kid }),
  tag,
  ...extra,
})
const p256 = (kid: string | undefined, tag: string, extra: Partial<Jwk> = {}): Jwk => ({
  kty: 'EC',
  crv: 'P-256',
  x: xy(32, 1),
  y: xy(32, 2),
  ...(kid === undefined ? {} : { kid }),
  tag,
  ...extra,
})
const p384 = (kid: string, tag: string): Jwk => ({ kty: 'EC', crv: 'P-384', x: xy(48, 1), y: xy(48, 2), kid, tag })

type Expected =
  | { readonly select: string }
  | { readonly code: 'key_not_found' | 'invalid_key'; readonly message: string; readonly kid?: string; readonly expected?: unknown; readonly actual?: unknown }

const cases: ReadonlyArray<[string, readonly Jwk[], SupportedAlgorithm, string | undefined, Expected]> = [
  // kid present
  ['kid matches a usable key', [rsa('a', 'A'), p256('b', 'B')], 'RS256', 'a', { select: 'A' }],
  ['kid matches the EC key', [rsa('a', 'A'), p256('b', 'B')], 'ES256', 'b', { select: 'B' }],
  ['kid matches a key whose alg member is the token alg', [rsa('a', 'A', { alg: 'PS384' })], 'PS384', 'a', { select: 'A' }],
  ['kid is compared exactly (case)', [rsa('A', 'A')], 'RS256', 'a', { code: 'key_not_found', message: "No key in the JWK Set has the token's kid", kid: 'a' }],
  ['kid is compared exactly (prefix)', [rsa('abc', 'A')], 'RS256', 'ab', { code: 'key_not_found', message: "No key in the JWK Set has the token's kid", kid: 'ab' }],
  ['kid "" matches only kid ""', [rsa(undefined, 'A'), rsa('', 'B')], 'RS256', '', { select: 'B' }],
  ['kid unknown', [rsa('a', 'A'), p256('b', 'B')], 'RS256', 'zzz', { code: 'key_not_found', message: "No key in the JWK Set has the token's kid", kid: 'zzz' }],
  ['kid given, empty set', [], 'RS256', 'a', { code: 'key_not_found', message: "No key in the JWK Set has the token's kid", kid: 'a' }],
  ['kid given, only keys without kid', [rsa(undefined, 'A')], 'RS256', 'a', { code: 'key_not_found', message: "No key in the JWK Set has the token's kid", kid: 'a' }],
  [
    'kid matches an EC key but the token is RS256 (no fallback to the RSA key)',
    [p256('a', 'A'), rsa('b', 'B')],
    'RS256',
    'a',
    { code: 'invalid_key', message: 'The key cannot verify RS256: it can verify only ES256', kid: 'a', expected: 'RS256', actual: ['ES256'] },
  ],
  [
    'kid matches a P-384 key but the token is ES256',
    [p384('a', 'A')],
    'ES256',
    'a',
    { code: 'invalid_key', message: 'The key cannot verify ES256: it can verify only ES384', kid: 'a', expected: 'ES256', actual: ['ES384'] },
  ],
  [
    'kid matches a key whose alg member differs from the token alg',
    [rsa('a', 'A', { alg: 'RS256' }), rsa(undefined, 'B')],
    'PS256',
    'a',
    { code: 'invalid_key', message: 'The key cannot verify PS256: it can verify only RS256', kid: 'a', expected: 'PS256', actual: ['RS256'] },
  ],
  [
    'kid matches a 1024-bit RSA key',
    [rsa('a', 'A', { n: n(1024) })],
    'RS256',
    'a',
    { code: 'invalid_key', message: 'The key cannot verify RS256: RSA modulus is 1024 bits; at least 2048 required', kid: 'a', actual: [] },
  ],
  [
    'kid matches an encryption key',
    [rsa('a', 'A', { use: 'enc' })],
    'RS256',
    'a',
    { code: 'invalid_key', message: 'The key cannot verify RS256: use is "enc"; only "sig" keys verify signatures', kid: 'a' },
  ],
  [
    'kid matches a symmetric key',
    [{ kty: 'oct', k: 'c2VjcmV0', kid: 'a' }],
    'RS256',
    'a',
    { code: 'invalid_key', message: 'The key cannot verify RS256: symmetric (oct) keys are never used', kid: 'a' },
  ],
  // duplicate kid
  ['two keys share the kid, only the RSA one fits RS256', [p256('a', 'EC'), rsa('a', 'RSA')], 'RS256', 'a', { select: 'RSA' }],
  ['two keys share the kid, only the EC one fits ES256', [p256('a', 'EC'), rsa('a', 'RSA')], 'ES256', 'a', { select: 'EC' }],
  ['two RSA keys share the kid, one is for encryption', [rsa('a', 'enc', { use: 'enc' }), rsa('a', 'sig', { use: 'sig' })], 'RS256', 'a', { select: 'sig' }],
  [
    'two RSA keys share the kid and both fit (ambiguous)',
    [rsa('a', 'A1'), rsa('a', 'A2'), p256('b', 'B')],
    'RS256',
    'a',
    { code: 'invalid_key', message: "2 keys share the token's kid and could verify RS256", kid: 'a', expected: 'RS256' },
  ],
  [
    'two keys share the kid and neither fits',
    [p256('a', 'A1'), p384('a', 'A2')],
    'RS256',
    'a',
    {
      code: 'invalid_key',
      message: "2 keys share the token's kid and none can verify RS256",
      kid: 'a',
      expected: 'RS256',
      actual: [['ES256'], ['ES384']],
    },
  ],
  // kid absent
  ['no kid, exactly one key fits', [rsa('a', 'A'), p256('b', 'B')], 'ES256', undefined, { select: 'B' }],
  ['no kid, one key fits among unusable ones', [rsa('a', 'small', { n: n(1024) }), rsa('b', 'enc', { use: 'enc' }), rsa(undefined, 'ok')], 'RS256', undefined, { select: 'ok' }],
  ['no kid, one key fits because of alg members', [rsa('a', 'A', { alg: 'RS256' }), rsa('b', 'B', { alg: 'PS256' })], 'PS256', undefined, { select: 'B' }],
  [
    'no kid, no key fits',
    [rsa('a', 'A')],
    'ES256',
    undefined,
    { code: 'key_not_found', message: 'The token has no kid and no key in the JWK Set can verify ES256', expected: 'ES256' },
  ],
  ['no kid, empty set', [], 'RS256', undefined, { code: 'key_not_found', message: 'The token has no kid and no key in the JWK Set can verify RS256' }],
  [
    'no kid, two keys fit',
    [rsa('a', 'A'), rsa('b', 'B'), p256('c', 'C')],
    'RS256',
    undefined,
    { code: 'invalid_key', message: 'The token has no kid and 2 keys could verify it', actual: 2 },
  ],
  [
    'no kid, three keys fit',
    [p256('a', 'A'), p256('b', 'B'), p256(undefined, 'C')],
    'ES256',
    undefined,
    { code: 'invalid_key', message: 'The token has no kid and 3 keys could verify it', actual: 3 },
  ],
]

describe('selectVerificationKey', () => {
  it.each(cases)('%s', (_name, keys, alg, kid, expected) => {
    const result = selectVerificationKey(keys, { alg, kid })
    if ('select' in expected) {
      expect(result.ok).toBe(true)
      if (result.ok) expect(result.value.tag).toBe(expected.select)
      return
    }
    expect(result.ok).toBe(false)
    if (result.ok) return
    const { code, message, ...fields } = expected
    expect(result.error).toMatchObject({ _tag: 'KeyError', code, message, oauthError: 'invalid_token', status: 401, ...fields })
    if (!('kid' in fields)) expect(result.error.kid).toBeUndefined()
  })

  it('returns the very key object from the set (no copy)', () => {
    const key = rsa('a', 'A')
    const result = selectVerificationKey([key], { alg: 'RS256', kid: 'a' })
    expect(result.ok && result.value).toBe(key)
  })
})
