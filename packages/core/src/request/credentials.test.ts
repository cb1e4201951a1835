import { describe, expect, it } from 'vitest'
import { readCredentials } from './credentials.ts'

describe('readCredentials', () => {
  it.each([
    [{ authorization: 'Bearer abc.def' }, { scheme: 'Bearer', token: 'abc.def' }],
    [{ authorization: 'bearer  abc' }, { scheme: 'Bearer', token: 'abc' }],
    [{ Authorization: 'DPoP abc' }, { scheme: 'DPoP', token: 'abc' }],
    [{ authorization: 'dpop abc' }, { scheme: 'DPoP', token: 'abc' }],
  ])('%j → %j', (headers, expected) => {
    expect(readCredentials({ headers })).toEqual({ ok: true, value: expected })
  })

  it.each([
    [{}, 'missing_token'],
    [{ authorization: 'Basic dTpw' }, 'missing_token'],
    [{ authorization: 'toString x' }, 'missing_token'],
    [{ authorization: ['Bearer a', 'Bearer b'] }, 'invalid_request'],
    [{ authorization: 'Bearer' }, 'invalid_request'],
    [{ authorization: 'DPoP   ' }, 'invalid_request'],
  ])('%j → %s', (headers, code) => {
    const read = readCredentials({ headers })
    expect(read.ok).toBe(false)
    if (!read.ok) expect(read.error.code).toBe(code)
  })

  it('reads Web Headers too', () => {
    expect(readCredentials({ headers: new Headers({ authorization: 'Bearer x' }) })).toEqual({ ok: true, value: { scheme: 'Bearer', token: 'x' } })
  })
})
