import { describe, expect, it } from 'vitest'
import { readDisableBody, readEnableBody, readServerBody, readValidateBody } from './request-bodies.ts'

const uuid = '1b4e28ba-2fa1-41d2-883f-0016d3cca427'
const paths = (issues: readonly { path: string }[]): string[] => issues.map((i) => i.path).sort()

describe('readServerBody', () => {
  it('splits the validationId from the server config', () => {
    expect(readServerBody({ name: 'Okta1', jwksUrl: 'https://x.example.com/k', validationId: uuid })).toEqual({
      ok: true,
      server: { name: 'Okta1', jwksUrl: 'https://x.example.com/k' },
      validationId: uuid,
    })
    expect(readServerBody({ name: 'Okta1' })).toEqual({ ok: true, server: { name: 'Okta1' }, validationId: undefined })
  })

  it.each([42, null, '', 'not-a-uuid', `${uuid}x`, [uuid]])('refuses validationId %j, naming the config problems too', (validationId) => {
    const r = readServerBody({ name: 'bad name', validationId, extra: true })
    expect(r.ok).toBe(false)
    if (!r.ok) expect(paths(r.issues)).toEqual(['extra', 'jwksUrl', 'name', 'validationId'])
  })
})

describe('readEnableBody / readDisableBody', () => {
  it.each([
    [undefined, { ok: true, switchFromEnabled: undefined }],
    [{}, { ok: true, switchFromEnabled: undefined }],
    [{ switchFromEnabled: true }, { ok: true, switchFromEnabled: true }],
    [{ switchFromEnabled: false }, { ok: true, switchFromEnabled: false }],
    [{ switchFromEnabled: 'true' }, { ok: false, issues: [{ path: 'switchFromEnabled', message: 'must be true or false' }] }],
    [{ name: 'x' }, { ok: false, issues: [{ path: 'name', message: 'unknown field' }] }],
  ])('enable %j', (body, expected) => {
    expect(readEnableBody(body)).toEqual(expected)
  })

  it('disable takes nothing or {}', () => {
    expect(readDisableBody(undefined)).toEqual([])
    expect(readDisableBody({})).toEqual([])
    expect(readDisableBody({ a: 1, b: 2 })).toEqual([{ path: 'a', message: 'unknown field' }, { path: 'b', message: 'unknown field' }])
  })
})

describe('readValidateBody', () => {
  it('normalizes the URL and fills in the TLS defaults', () => {
    expect(readValidateBody({ jwksUrl: 'https://IDP.example.com:443/keys' })).toEqual({
      ok: true,
      value: { jwksUrl: 'https://idp.example.com/keys', jwksCertificateValidation: true, trustedCertificates: [] },
    })
  })

  it.each([
    [{}, ['jwksUrl']],
    [{ jwksUrl: 7 }, ['jwksUrl']],
    [{ jwksUrl: 'ftp://idp.example.com/keys' }, ['jwksUrl']],
    [{ jwksUrl: 'https://user:pw@idp.example.com/keys' }, ['jwksUrl']],
    [{ jwksUrl: 'https://idp.example.com/keys', trustedCertificates: 'pem' }, ['trustedCertificates']],
    [{ jwksUrl: 'https://idp.example.com/keys', jwks: { keys: [] } }, ['jwks']],
    [{ jwksCertificateValidation: 1, extra: 1 }, ['extra', 'jwksCertificateValidation', 'jwksUrl']],
  ])('%j names %j', (body, expected) => {
    const r = readValidateBody(body)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(paths(r.issues)).toEqual(expected)
  })
})
