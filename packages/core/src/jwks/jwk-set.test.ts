import { describe, expect, it } from 'vitest'
import { decodeJwkSet, type DecodedJwkSet } from './jwk-set.ts'

const bytes = (text: string) => new TextEncoder().encode(text)
const ec = { kty: 'EC', kid: 'a', crv: 'P-256', x: 'xx', y: 'yy' }

describe('decodeJwkSet: the set is rejected only when its shape is wrong', () => {
  it.each([
    ['not UTF-8', new Uint8Array([0x7b, 0xff, 0x7d]), 'body is not valid UTF-8'],
    ['truncated UTF-8 sequence', new Uint8Array([0x7b, 0x22, 0xe2, 0x82]), 'body is not valid UTF-8'],
    ['empty body', bytes(''), 'body is not JSON ('],
    ['HTML', bytes('<html></html>'), 'body is not JSON ('],
    ['JSON null', bytes('null'), 'expected a JSON object'],
    ['JSON array', bytes('[{"kty":"EC"}]'), 'expected a JSON object'],
    ['JSON string', bytes('"keys"'), 'expected a JSON object'],
    ['missing keys', bytes('{"jwks":[]}'), 'keys: missing'],
    ['keys is an object', bytes('{"keys":{"kty":"EC"}}'), 'keys: expected an array'],
    ['keys is null', bytes('{"keys":null}'), 'keys: expected an array'],
    ['keys is a string', bytes('{"keys":"[]"}'), 'keys: expected an array'],
  ])('%s', (_name, body, message) => {
    const result = decodeJwkSet(body)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.error.startsWith(message)).toBe(true)
  })
})

describe('decodeJwkSet: accepted sets', () => {
  const decoded = (text: string | Uint8Array): DecodedJwkSet => {
    const result = decodeJwkSet(typeof text === 'string' ? bytes(text) : text)
    if (!result.ok) throw new Error(result.error)
    return result.value
  }

  it('keeps every member of a well-formed key, including unknown ones', () => {
    const key = { ...ec, use: 'sig', alg: 'ES256', key_ops: ['verify'], x5c: ['MIIB'], x5t: 'thumb', custom: { nested: [1, 2] } }
    expect(decoded(JSON.stringify({ keys: [key] }))).toEqual({ keys: [key], problems: [] })
  })

  it('ignores members of the set other than keys', () => {
    expect(decoded(JSON.stringify({ keys: [ec], meta: 'x' })).keys).toEqual([ec])
  })

  it('accepts an empty key list (whether that is usable is the caller’s call)', () => {
    expect(decoded('{"keys":[]}')).toEqual({ keys: [], problems: [] })
  })

  it('tolerates a UTF-8 byte-order mark and surrounding whitespace', () => {
    expect(decoded(new Uint8Array([0xef, 0xbb, 0xbf, ...bytes(` \n${JSON.stringify({ keys: [ec] })}\n`)])).keys).toEqual([ec])
  })

  it('keeps unsupported key types: usability is decided elsewhere', () => {
    expect(decoded('{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}').keys).toEqual([{ kty: 'oct', k: 'c2VjcmV0' }])
  })

  it('returns fresh objects, not the parsed ones (safe to freeze)', () => {
    const first = decoded(JSON.stringify({ keys: [ec] })).keys[0]
    expect(first).toEqual(ec)
    expect(Object.isFrozen(first)).toBe(false)
  })

  it.each([
    ['a number', 1, 'expected a JSON object'],
    ['null', null, 'expected a JSON object'],
    ['an array', [ec], 'expected a JSON object'],
    ['no kty', { kid: 'z', crv: 'P-256' }, 'kty: missing'],
    ['numeric kty', { kty: 1 }, 'kty: expected a string'],
    ['null kty', { kty: null }, 'kty: expected a string'],
    ['numeric kid', { kty: 'EC', kid: 7 }, 'kid: expected a string'],
    ['object alg', { kty: 'RSA', alg: { name: 'RS256' } }, 'alg: expected a string'],
    ['numeric n', { kty: 'RSA', n: 12345, e: 'AQAB' }, 'n: expected a string'],
    ['key_ops not an array', { kty: 'EC', key_ops: 'verify' }, 'key_ops: expected an array of strings'],
    ['key_ops with a number', { kty: 'EC', key_ops: ['verify', 2] }, 'key_ops[1]: expected a string'],
    ['x5c with a number', { kty: 'RSA', x5c: [3] }, 'x5c[0]: expected a string'],
    ['two bad members', { kty: 'EC', kid: 1, use: 2 }, 'kid: expected a string; use: expected a string'],
  ])('drops a key that is %s, keeps the others, and says why', (_name, bad, message) => {
    const result = decoded(JSON.stringify({ keys: [ec, bad, { ...ec, kid: 'b' }] }))
    expect(result.keys.map((k) => k.kid)).toEqual(['a', 'b'])
    expect(result.problems).toHaveLength(1)
    expect(result.problems[0]?.index).toBe(1)
    expect(result.problems[0]?.message).toBe(message)
  })

  it('names a dropped key by its kid when it has a string one', () => {
    expect(decoded('{"keys":[{"kid":"k9","kty":3}]}').problems).toEqual([{ index: 0, kid: 'k9', message: 'kty: expected a string' }])
  })

  it('keeps a __proto__ member as data without touching prototypes', () => {
    const result = decoded('{"keys":[{"kty":"EC","__proto__":{"polluted":true}}]}')
    expect(result.keys).toHaveLength(1)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})
