import { describe, expect, it } from 'vitest'
import { constantTimeEqual, jwkThumbprint, jwkThumbprintInput, sha256Base64Url } from './jwk-thumbprint.ts'

// RFC 7638 §3.1: the example RSA key and its thumbprint.
const rfc7638Key = {
  kty: 'RSA',
  n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
  e: 'AQAB',
  alg: 'RS256',
  kid: '2011-04-29',
}

describe('jwkThumbprint (RFC 7638)', () => {
  it('gives the RFC 7638 §3.1 thumbprint, ignoring optional members', async () => {
    expect(await jwkThumbprint(rfc7638Key)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs')
  })

  it("gives RFC 9449's jkt for the example proof key (§6.1)", async () => {
    const jwk = { kty: 'EC', x: 'l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs', y: '9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA', crv: 'P-256' }
    expect(await jwkThumbprint(jwk)).toBe('0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I')
  })

  it('hashes the required members in lexicographic order and nothing else', () => {
    expect(jwkThumbprintInput({ y: 'b', x: 'a', kty: 'EC', crv: 'P-256', d: 'secret' })).toBe('{"crv":"P-256","kty":"EC","x":"a","y":"b"}')
    expect(jwkThumbprintInput({ kty: 'OKP', crv: 'Ed25519', x: 'a' })).toBe('{"crv":"Ed25519","kty":"OKP","x":"a"}')
  })

  it('has no thumbprint for symmetric keys, unknown types or missing members', async () => {
    expect(await jwkThumbprint({ kty: 'oct', k: 'abc' })).toBeUndefined()
    expect(jwkThumbprintInput({ kty: 'EC', crv: 'P-256', x: 'a' })).toBeUndefined()
    expect(jwkThumbprintInput({ kty: 'RSA', n: 1, e: 'AQAB' })).toBeUndefined()
  })
})

describe('sha256Base64Url and constantTimeEqual', () => {
  it("gives RFC 9449's ath for the example access token (§7.1)", async () => {
    expect(await sha256Base64Url('Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU')).toBe('fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo')
  })

  it('compares equal strings as equal and any difference (also in length) as different', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true)
    expect(constantTimeEqual('abc', 'abd')).toBe(false)
    expect(constantTimeEqual('abc', 'abcd')).toBe(false)
    expect(constantTimeEqual('', 'a')).toBe(false)
  })
})
