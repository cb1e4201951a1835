import { describe, expect, it } from 'vitest'
import { InvalidHeaderError } from '../errors.ts'
import type { SupportedAlgorithm } from '../jose/jwk.ts'
import { validateJoseHeader } from './header.ts'
import type { ValidateJoseHeaderOptions } from './header.ts'

const lenient: ValidateJoseHeaderOptions = { algorithms: ['RS256', 'ES256'], requireAccessTokenType: false }
const strict: ValidateJoseHeaderOptions = { algorithms: ['RS256', 'ES256'], requireAccessTokenType: true }

describe('validateJoseHeader', () => {
  it.each<[string, Record<string, unknown>, ValidateJoseHeaderOptions, unknown]>([
    ['only alg', { alg: 'RS256' }, lenient, { alg: 'RS256', kid: undefined, typ: undefined }],
    ['alg, kid and typ', { alg: 'ES256', kid: 'k1', typ: 'at+jwt' }, strict, { alg: 'ES256', kid: 'k1', typ: 'at+jwt' }],
    ['typ AT+JWT', { alg: 'RS256', typ: 'AT+JWT' }, strict, { alg: 'RS256', kid: undefined, typ: 'AT+JWT' }],
    ['typ application/at+jwt', { alg: 'RS256', typ: 'application/at+jwt' }, strict, { alg: 'RS256', kid: undefined, typ: 'application/at+jwt' }],
    ['typ Application/At+Jwt', { alg: 'RS256', typ: 'Application/At+Jwt' }, strict, { alg: 'RS256', kid: undefined, typ: 'Application/At+Jwt' }],
    ['any typ string when not required', { alg: 'RS256', typ: 'JWT' }, lenient, { alg: 'RS256', kid: undefined, typ: 'JWT' }],
    ['b64 true', { alg: 'RS256', b64: true }, lenient, { alg: 'RS256', kid: undefined, typ: undefined }],
    ['unknown members', { alg: 'RS256', foo: 1, x5t: 'abc' }, lenient, { alg: 'RS256', kid: undefined, typ: undefined }],
    ['every supported algorithm when allowed', { alg: 'EdDSA' }, { algorithms: ['EdDSA'], requireAccessTokenType: false }, { alg: 'EdDSA', kid: undefined, typ: undefined }],
    [
      'jwk, jku, x5u and x5c of any shape',
      { alg: 'RS256', kid: 'k1', jwk: { kty: 'oct', k: 'c2VjcmV0' }, jku: 'https://attacker.example/keys', x5u: 42, x5c: 'not an array' },
      lenient,
      { alg: 'RS256', kid: 'k1', typ: undefined },
    ],
  ])('accepts %s', (_name, header, options, expected) => {
    expect(validateJoseHeader(header, options)).toStrictEqual({ ok: true, value: expected })
  })

  it('never reads jwk, jku, x5u or x5c', () => {
    const read: string[] = []
    const header: Record<string, unknown> = { alg: 'RS256' }
    for (const name of ['jwk', 'jku', 'x5u', 'x5c']) {
      Object.defineProperty(header, name, {
        enumerable: true,
        get: () => {
          read.push(name)
          throw new Error(`${name} was read`)
        },
      })
    }
    const result = validateJoseHeader(header, lenient)
    expect(result).toStrictEqual({ ok: true, value: { alg: 'RS256', kid: undefined, typ: undefined } })
    expect(read).toEqual([])
  })

  type Rejection = [
    name: string,
    header: Record<string, unknown>,
    options: ValidateJoseHeaderOptions,
    code: InvalidHeaderError['code'],
    claim: string,
    fields?: { readonly expected?: unknown; readonly actual?: unknown; readonly message?: string },
  ]
  const rs256: ValidateJoseHeaderOptions = { algorithms: ['RS256'], requireAccessTokenType: false }
  const misconfigured = { algorithms: ['RS256', 'HS256', 'none'] as unknown as SupportedAlgorithm[], requireAccessTokenType: false }
  it.each<Rejection>([
    ['no alg', {}, lenient, 'invalid_header', 'header.alg'],
    ['a numeric alg', { alg: 256 }, lenient, 'invalid_header', 'header.alg'],
    ['a null alg', { alg: null }, lenient, 'invalid_header', 'header.alg'],
    ['an array alg', { alg: ['RS256'] }, lenient, 'invalid_header', 'header.alg'],
    ['alg none', { alg: 'none' }, rs256, 'alg_not_allowed', 'header.alg', { expected: ['RS256'], actual: 'none' }],
    ['alg NONE', { alg: 'NONE' }, rs256, 'alg_not_allowed', 'header.alg', { actual: 'NONE' }],
    ['alg nOnE', { alg: 'nOnE' }, rs256, 'alg_not_allowed', 'header.alg', { actual: 'nOnE' }],
    ['alg HS256', { alg: 'HS256' }, rs256, 'alg_not_allowed', 'header.alg', { actual: 'HS256' }],
    ['alg HS384', { alg: 'HS384' }, rs256, 'alg_not_allowed', 'header.alg', { actual: 'HS384' }],
    ['alg HS512', { alg: 'HS512' }, rs256, 'alg_not_allowed', 'header.alg', { actual: 'HS512' }],
    ['alg hs256', { alg: 'hs256' }, rs256, 'alg_not_allowed', 'header.alg', { actual: 'hs256' }],
    ['HS256 even when (wrongly) listed', { alg: 'HS256' }, misconfigured, 'alg_not_allowed', 'header.alg', { message: 'Unsigned (none) and HMAC (HS256, HS384, HS512) tokens are never accepted' }],
    ['none even when (wrongly) listed', { alg: 'none' }, misconfigured, 'alg_not_allowed', 'header.alg'],
    ['an alg not on the list', { alg: 'ES256' }, rs256, 'alg_not_allowed', 'header.alg', { expected: ['RS256'], actual: 'ES256', message: "The token's alg is not one of the allowed algorithms (RS256)" }],
    ['an alg in the wrong case', { alg: 'rs256' }, rs256, 'alg_not_allowed', 'header.alg', { actual: 'rs256' }],
    ['an empty alg', { alg: '' }, rs256, 'alg_not_allowed', 'header.alg', { actual: '' }],
    ['a very long alg, cut to 64 characters', { alg: 'X'.repeat(500) }, rs256, 'alg_not_allowed', 'header.alg', { actual: 'X'.repeat(64) }],
    ['crit that is not an array', { alg: 'RS256', crit: 'b64' }, lenient, 'invalid_header', 'header.crit'],
    ['an empty crit', { alg: 'RS256', crit: [] }, lenient, 'invalid_header', 'header.crit', { message: 'crit must be a non-empty array of strings' }],
    ['crit with a number', { alg: 'RS256', crit: ['b64', 1] }, lenient, 'invalid_header', 'header.crit'],
    ['a null crit', { alg: 'RS256', crit: null }, lenient, 'invalid_header', 'header.crit'],
    ['crit b64', { alg: 'RS256', crit: ['b64'], b64: false }, lenient, 'invalid_header', 'header.crit', { actual: 'b64', message: 'crit lists "b64", which tokenward does not understand' }],
    ['crit naming the first unknown member', { alg: 'RS256', crit: ['exp', 'b64'], exp: 1 }, lenient, 'invalid_header', 'header.crit', { actual: 'exp' }],
    ['crit with an unprintable name', { alg: 'RS256', crit: ['a\nb'] }, lenient, 'invalid_header', 'header.crit', { actual: 'a\nb', message: 'crit lists an extension, which tokenward does not understand' }],
    ['b64 false', { alg: 'RS256', b64: false }, lenient, 'invalid_header', 'header.b64'],
    ['b64 "true"', { alg: 'RS256', b64: 'true' }, lenient, 'invalid_header', 'header.b64'],
    ['b64 null', { alg: 'RS256', b64: null }, lenient, 'invalid_header', 'header.b64'],
    ['zip', { alg: 'RS256', zip: 'DEF' }, lenient, 'invalid_header', 'header.zip'],
    ['an empty kid', { alg: 'RS256', kid: '' }, lenient, 'invalid_header', 'header.kid'],
    ['a numeric kid', { alg: 'RS256', kid: 1 }, lenient, 'invalid_header', 'header.kid'],
    ['a null kid', { alg: 'RS256', kid: null }, lenient, 'invalid_header', 'header.kid'],
    ['a numeric typ', { alg: 'RS256', typ: 1 }, lenient, 'invalid_header', 'header.typ'],
    ['a null typ', { alg: 'RS256', typ: null }, strict, 'invalid_header', 'header.typ'],
    ['a missing typ when required', { alg: 'RS256' }, strict, 'invalid_typ', 'header.typ', { expected: 'at+jwt', actual: undefined }],
    ['typ JWT when at+jwt is required', { alg: 'RS256', typ: 'JWT' }, strict, 'invalid_typ', 'header.typ', { expected: 'at+jwt', actual: 'JWT' }],
    ['typ application/jwt', { alg: 'RS256', typ: 'application/jwt' }, strict, 'invalid_typ', 'header.typ', { actual: 'application/jwt' }],
    ['typ at+jwt with a space', { alg: 'RS256', typ: 'at+jwt ' }, strict, 'invalid_typ', 'header.typ', { actual: 'at+jwt ' }],
    ['typ at+jwt with parameters', { alg: 'RS256', typ: 'application/at+jwt; charset=utf-8' }, strict, 'invalid_typ', 'header.typ'],
    ['a very long typ, cut to 64 characters', { alg: 'RS256', typ: 'y'.repeat(500) }, strict, 'invalid_typ', 'header.typ', { actual: 'y'.repeat(64) }],
  ])('refuses %s', (_name, header, options, code, claim, fields = {}) => {
    const result = validateJoseHeader(header, options)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.error).toBeInstanceOf(InvalidHeaderError)
    expect(result.error._tag).toBe('InvalidHeaderError')
    expect(result.error.code).toBe(code)
    expect(result.error.claim).toBe(claim)
    if ('expected' in fields) expect(result.error.expected).toEqual(fields.expected)
    if ('actual' in fields) expect(result.error.actual).toEqual(fields.actual)
    if (fields.message !== undefined) expect(result.error.message).toBe(fields.message)
    expect(result.error.message.length).toBeLessThan(120)
  })

  it('checks in order: alg, crit, b64, zip, kid, typ', () => {
    const everything = { alg: 'none', crit: ['x'], b64: false, zip: 'DEF', kid: '', typ: 1 }
    const codes: string[] = []
    const header: Record<string, unknown> = { ...everything }
    for (const [name, fixed] of [['alg', 'RS256'], ['crit', undefined], ['b64', undefined], ['zip', undefined], ['kid', undefined], ['typ', undefined]] as const) {
      const result = validateJoseHeader(header, strict)
      codes.push(result.ok ? 'ok' : `${result.error.code}:${result.error.claim}`)
      if (fixed === undefined) delete header[name]
      else header[name] = fixed
    }
    codes.push(validateJoseHeader(header, strict).ok ? 'ok' : 'error')
    expect(codes).toEqual([
      'alg_not_allowed:header.alg',
      'invalid_header:header.crit',
      'invalid_header:header.b64',
      'invalid_header:header.zip',
      'invalid_header:header.kid',
      'invalid_header:header.typ',
      'error', // no typ at all, but at+jwt is required
    ])
  })

  it('reads only own members, so a polluted prototype supplies nothing', () => {
    const proto = Object.prototype as Record<string, unknown>
    proto.alg = 'RS256'
    proto.crit = ['x']
    try {
      const missingAlg = validateJoseHeader({}, lenient)
      expect(missingAlg.ok ? undefined : missingAlg.error.code).toBe('invalid_header')
      expect(validateJoseHeader({ alg: 'ES256' }, lenient).ok).toBe(true)
    } finally {
      delete proto.alg
      delete proto.crit
    }
  })
})
