import { describe, expect, it } from 'vitest'
import { resolveVerifierOptions } from '../verifier/resolve-options.ts'
import { checkOrgId, isOrgId } from './org-id.ts'

describe('checkOrgId', () => {
  it.each(['acme', '12345', 'a', 'a-b_c.d', '.hidden', 'x'.repeat(128), 'console', 'com10', 'lpt0', 'auxiliary', 'con-1', 'nul_'])('accepts %j', (id) => {
    expect(checkOrgId(id)).toBeUndefined()
    expect(isOrgId(id)).toBe(true)
  })

  it.each([
    ['', /1 to 128/],
    ['x'.repeat(129), /1 to 128/],
    ['.', /"\." or "\.\."/],
    ['..', /"\." or "\.\."/],
    ['...', /end with/],
    ['acme.', /end with/],
    ['Acme', /lowercase/],
    ['ACME', /lowercase/],
    ['a/b', /may contain only/],
    ['a\\b', /may contain only/],
    ['%2e%2e', /may contain only/],
    ['ac me', /may contain only/],
    ['é', /may contain only/],
    ['１２３', /may contain only/],
    ['con', /device/],
    ['prn', /device/],
    ['aux', /device/],
    ['nul', /device/],
    ['com1', /device/],
    ['com9', /device/],
    ['lpt1', /device/],
    ['lpt9', /device/],
    ['nul.json', /device/],
    ['con.tar.gz', /device/],
    ['CON', /lowercase/],
    ['Nul.json', /lowercase/],
  ])('refuses %j', (id, reason) => {
    expect(checkOrgId(id)).toMatch(reason)
    expect(isOrgId(id)).toBe(false)
  })

  it.each([undefined, null, 42, {}])('refuses the non-string %j', (value) => {
    expect(checkOrgId(value)).toBe('must be a string')
  })
})

describe('the same rule in verifier config', () => {
  it.each(['Acme', 'con', '..', 'acme.'])('refuses organization.orgId %j when the verifier is built', (orgId) => {
    const r = resolveVerifierOptions({
      server: { name: 'Okta1', jwksUrl: 'https://idp.example/keys' },
      organization: { cloud: 'zscloud', orgId, cloudDomain: 'zscloud.net', apiRoles: ['Admin'] },
    })
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error.issues).toEqual([{ path: 'organization.orgId', message: checkOrgId(orgId) }])
  })
})
