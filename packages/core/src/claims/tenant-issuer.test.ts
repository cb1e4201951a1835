// Microsoft Entra ID multi-tenant issuers: a `{tenantid}` template matches only when `tid` fills it exactly.
import { describe, expect, it } from 'vitest'
import { validateAccessTokenClaims } from './validate-claims.ts'

const template = 'https://login.microsoftonline.com/{tenantid}/v2.0'
const tid = '72f988bf-86f1-41af-91ab-2d7cd011db47'
const now = 1_700_000_000
const expect_ = { issuer: template, audience: undefined, clientId: undefined, clockToleranceSeconds: 30 }
const claims = (extra: Record<string, unknown>) => ({ exp: now + 600, azp: 'app', ...extra })

describe('issuer template with {tenantid}', () => {
  it.each([
    ['iss filled with the token\'s own tid', { iss: `https://login.microsoftonline.com/${tid}/v2.0`, tid }, undefined],
    ['iss of another tenant than tid', { iss: 'https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0', tid }, 'invalid_issuer'],
    ['iss equal to the template itself', { iss: template, tid }, 'invalid_issuer'],
    ['iss equal to the template, tid "{tenantid}"', { iss: template, tid: '{tenantid}' }, 'invalid_claim'],
    ['no tid', { iss: `https://login.microsoftonline.com/${tid}/v2.0` }, 'missing_claim'],
    ['tid with a slash (path games)', { iss: `https://login.microsoftonline.com/${tid}/x/v2.0`, tid: `${tid}/x` }, 'invalid_claim'],
    ['tid that is not a string', { iss: `https://login.microsoftonline.com/${tid}/v2.0`, tid: 42 }, 'invalid_claim'],
    ['iss with a prefix or suffix around the filled template', { iss: `https://login.microsoftonline.com/${tid}/v2.0/`, tid }, 'invalid_issuer'],
  ])('%s', (_name, extra, code) => {
    const r = validateAccessTokenClaims(claims(extra), expect_, now)
    if (code === undefined) expect(r.ok).toBe(true)
    else expect(!r.ok && r.error.code).toBe(code)
  })

  it('leaves an issuer without the placeholder compared exactly, tid or not', () => {
    const fixed = { ...expect_, issuer: `https://login.microsoftonline.com/${tid}/v2.0` }
    expect(validateAccessTokenClaims(claims({ iss: fixed.issuer, tid: 'other' }), fixed, now).ok).toBe(true)
    expect(validateAccessTokenClaims(claims({ iss: template, tid }), fixed, now).ok).toBe(false)
  })
})
