import { describe, expect, it } from 'vitest'
import { extractBearerToken, headerValues } from './bearer.ts'

const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'

describe('extractBearerToken', () => {
  it.each([
    ['Bearer scheme', { authorization: `Bearer ${jwt}` }],
    ['lower-case scheme', { authorization: `bearer ${jwt}` }],
    ['upper-case scheme and header name', { AUTHORIZATION: `BEARER ${jwt}` }],
    ['several spaces', { authorization: `Bearer   ${jwt}` }],
    ['Web Headers', new Headers({ authorization: `Bearer ${jwt}` })],
    ['array header value', { authorization: [`Bearer ${jwt}`] }],
  ])('reads the token with %s', (_label, headers) => {
    expect(extractBearerToken({ headers })).toEqual({ ok: true, value: jwt })
  })

  it('accepts b64token padding characters', () => {
    expect(extractBearerToken({ headers: { authorization: 'Bearer abc==' } })).toEqual({ ok: true, value: 'abc==' })
  })

  it.each([
    ['no header', {}],
    ['undefined header', { authorization: undefined }],
    ['Basic scheme', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['DPoP scheme (not yet supported)', { authorization: `DPoP ${jwt}` }],
    ['a scheme-only header', { authorization: 'Negotiate' }],
  ])('%s is missing_token (401, no error code)', (_label, headers) => {
    const r = extractBearerToken({ headers })
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.error.code).toBe('missing_token')
    expect(r.error.status).toBe(401)
    expect(r.error.oauthError).toBeUndefined()
  })

  it.each([
    ['empty token', { authorization: 'Bearer ' }],
    ['scheme without token', { authorization: 'Bearer' }],
    ['two headers', { authorization: [`Bearer ${jwt}`, `Bearer ${jwt}`] }],
    ['two values joined by Headers', new Headers([['authorization', `Bearer ${jwt}`], ['authorization', `Bearer ${jwt}`]])],
    ['token with a space', { authorization: `Bearer ${jwt} extra` }],
    ['token with a quote', { authorization: 'Bearer "abc"' }],
    ['padding in the middle', { authorization: 'Bearer ab=c' }],
    ['non-ASCII', { authorization: 'Bearer abcé' }],
  ])('%s is invalid_request (400)', (_label, headers) => {
    const r = extractBearerToken({ headers })
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.error.code).toBe('invalid_request')
    expect(r.error.status).toBe(400)
  })
})

describe('headerValues', () => {
  it.each([
    ['one lower-case field', { authorization: 'a' }, ['a']],
    ['every casing, in order, arrays spread', { Authorization: 'a', accept: '*/*', authorization: ['b', 'c'], AUTHORIZATION: 'd' }, ['a', 'b', 'c', 'd']],
    ['undefined values skipped', { authorization: undefined, Authorization: 'a' }, ['a']],
    ['names that only contain or prefix it ignored', { 'x-authorization': 'no', authorizatio: 'no', authorizations: 'no' }, []],
    ['an empty record', {}, []],
    ['Headers: one joined value', new Headers([['authorization', 'a'], ['Authorization', 'b']]), ['a, b']],
    ['Headers without the field', new Headers({ accept: '*/*' }), []],
  ] as const)('%s', (_label, headers, expected) => {
    expect(headerValues(headers, 'Authorization')).toEqual(expected)
    expect(headerValues(headers, 'authorization')).toEqual(expected)
  })
})
