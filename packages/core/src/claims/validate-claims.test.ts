import { describe, expect, it } from 'vitest'
import { validateAccessTokenClaims, type ClaimExpectations } from './validate-claims.ts'

const now = 1_700_000_000
const open: ClaimExpectations = { issuer: undefined, audience: undefined, clientId: undefined, clockToleranceSeconds: 30 }
const strict: ClaimExpectations = { issuer: 'https://idp.example.com', audience: ['api://orders'], clientId: 'client-1', clockToleranceSeconds: 30 }
const good = { iss: 'https://idp.example.com', aud: 'api://orders', client_id: 'client-1', sub: 'client-1', exp: now + 300, iat: now - 10, nbf: now - 10, jti: 'j1' }

describe('validateAccessTokenClaims', () => {
  it('accepts a good token and types its claims', () => {
    const r = validateAccessTokenClaims(good, strict, now)
    expect(r).toEqual({
      ok: true,
      value: { clientId: 'client-1', clientIdClaim: 'client_id', subject: 'client-1', issuer: 'https://idp.example.com', audience: ['api://orders'], expiresAt: now + 300, issuedAt: now - 10, notBefore: now - 10, jwtId: 'j1' },
    })
  })

  it.each([
    ['exp missing', { ...good, exp: undefined }, strict, 'missing_claim', 'exp'],
    ['exp a string', { ...good, exp: String(now + 300) }, strict, 'invalid_claim', 'exp'],
    ['exp NaN-like null', { ...good, exp: null }, strict, 'invalid_claim', 'exp'],
    ['exp passed beyond tolerance', { ...good, exp: now - 30 }, strict, 'token_expired', 'exp'],
    ['nbf a string', { ...good, nbf: 'soon' }, strict, 'invalid_claim', 'nbf'],
    ['nbf in the future beyond tolerance', { ...good, nbf: now + 31 }, strict, 'token_not_yet_valid', 'nbf'],
    ['iat an array', { ...good, iat: [1] }, strict, 'invalid_claim', 'iat'],
    ['iat in the future beyond tolerance', { ...good, iat: now + 31 }, strict, 'invalid_iat', 'iat'],
    ['iss missing when configured', { ...good, iss: undefined }, strict, 'missing_claim', 'iss'],
    ['iss different', { ...good, iss: 'https://idp.example.com/' }, strict, 'invalid_issuer', 'iss'],
    ['iss differs only by case', { ...good, iss: 'https://IDP.example.com' }, strict, 'invalid_issuer', 'iss'],
    ['iss a number', { ...good, iss: 1 }, open, 'invalid_claim', 'iss'],
    ['aud missing when configured', { ...good, aud: undefined }, strict, 'missing_claim', 'aud'],
    ['aud different', { ...good, aud: 'api://billing' }, strict, 'invalid_audience', 'aud'],
    ['aud array without it', { ...good, aud: ['a', 'b'] }, strict, 'invalid_audience', 'aud'],
    ['aud array with a number', { ...good, aud: ['api://orders', 1] }, strict, 'invalid_claim', 'aud'],
    ['aud an object', { ...good, aud: { a: 1 } }, open, 'invalid_claim', 'aud'],
    ['no client id at all', { ...good, client_id: undefined }, open, 'missing_claim', 'client_id'],
    ['client_id empty', { ...good, client_id: '' }, open, 'invalid_claim', 'client_id'],
    ['cid a number', { ...good, client_id: undefined, cid: 5 }, open, 'invalid_claim', 'cid'],
    ['client differs', { ...good, client_id: 'client-2' }, strict, 'invalid_client', 'client_id'],
    ['aliases disagree', { ...good, azp: 'client-9' }, open, 'invalid_client', 'azp'],
    ['sub a number', { ...good, sub: 7 }, open, 'invalid_claim', 'sub'],
    ['scope a number', { ...good, scope: 5 }, open, 'invalid_claim', 'scope'],
    ['scope an array with a number', { ...good, scope: ['a', 1] }, open, 'invalid_claim', 'scope'],
    ['scp a number', { ...good, scp: 1 }, open, 'invalid_claim', 'scp'],
    ['roles a string', { ...good, roles: 'Admin' }, open, 'invalid_claim', 'roles'],
    ['jti a number', { ...good, jti: 1 }, open, 'invalid_claim', 'jti'],
  ] as const)('rejects %s', (_label, payload, expected, code, claim) => {
    const r = validateAccessTokenClaims(payload as Record<string, unknown>, expected, now)
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.error.code).toBe(code)
    expect(r.error.claim).toBe(claim)
    expect(r.error.status).toBe(401)
  })

  it.each([
    ['exp within tolerance', { ...good, exp: now - 29 }],
    ['nbf within tolerance', { ...good, nbf: now + 30 }],
    ['iat within tolerance', { ...good, iat: now + 30 }],
    ['aud array containing it', { ...good, aud: ['x', 'api://orders'] }],
    ['aliases agreeing', { ...good, azp: 'client-1' }],
  ])('accepts %s', (_label, payload) => {
    expect(validateAccessTokenClaims(payload, strict, now).ok).toBe(true)
  })

  it.each([
    ['client_id (RFC 9068, PingFederate, Cognito)', { client_id: 'a' }, 'client_id'],
    ['cid (Okta)', { cid: 'a' }, 'cid'],
    ['appid (Entra ID v1)', { appid: 'a' }, 'appid'],
    ['azp (Entra ID v2, Keycloak, Auth0)', { azp: 'a' }, 'azp'],
  ] as const)('reads the client identifier from %s', (_label, claims, claim) => {
    const r = validateAccessTokenClaims({ exp: now + 60, ...claims }, { ...open, clientId: 'a' }, now)
    expect(r.ok && r.value.clientIdClaim).toBe(claim)
  })

  it('accepts a token with no aud when no audience is configured (Cognito)', () => {
    const r = validateAccessTokenClaims({ exp: now + 60, client_id: 'c' }, open, now)
    expect(r.ok && r.value.audience).toEqual([])
  })

  it('with zero tolerance, a token expiring now is expired', () => {
    const r = validateAccessTokenClaims({ ...good, exp: now }, { ...strict, clockToleranceSeconds: 0 }, now)
    expect(!r.ok && r.error.code).toBe('token_expired')
  })

  it('never puts long claim values in errors unbounded', () => {
    const r = validateAccessTokenClaims({ ...good, iss: 'x'.repeat(10_000) }, strict, now)
    expect(!r.ok && String(r.error.actual).length).toBeLessThan(300)
  })
})

describe('only plain bearer access tokens (cnf, token_use, typ)', () => {
  it.each([
    ['DPoP-bound (cnf.jkt, RFC 9449)', { cnf: { jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' } }, ['jkt']],
    ['certificate-bound (cnf.x5t#S256, RFC 8705)', { cnf: { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' } }, ['x5t#S256']],
    ['key-bound (cnf.jwk, RFC 7800)', { cnf: { jwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' } } }, ['jwk']],
    ['bound by a member not defined yet', { cnf: { 'x-future': 'v' } }, ['x-future']],
    ['bound by several members', { cnf: { jkt: 'a', 'x5t#S256': 'b' } }, ['jkt', 'x5t#S256']],
    ['an empty cnf object', { cnf: {} }, []],
    ['cnf a string', { cnf: 'jkt' }, 'string'],
    ['cnf null', { cnf: null }, 'null'],
    ['cnf an array', { cnf: [{ jkt: 'a' }] }, 'array'],
  ] as const)('refuses a token carrying cnf: %s (token_bound)', (_label, claims, actual) => {
    const r = validateAccessTokenClaims({ ...good, ...claims }, strict, now)
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.error).toMatchObject({ _tag: 'ClaimValidationError', code: 'token_bound', claim: 'cnf', status: 401, oauthError: 'invalid_token', actual })
  })

  it.each([
    ['a Cognito ID token (token_use id)', { token_use: 'id' }, 'token_use', 'id'],
    ['token_use in another case', { token_use: 'Access' }, 'token_use', 'Access'],
    ['token_use a number', { token_use: 1 }, 'token_use', 'number'],
    ['a Keycloak ID token (typ ID)', { typ: 'ID' }, 'typ', 'ID'],
    ['a Keycloak refresh token (typ Refresh)', { typ: 'Refresh' }, 'typ', 'Refresh'],
    ['a Keycloak logout token (typ Logout)', { typ: 'Logout' }, 'typ', 'Logout'],
    ['typ empty', { typ: '' }, 'typ', ''],
    ['typ an object', { typ: { a: 1 } }, 'typ', 'object'],
  ] as const)('refuses %s (invalid_token_use)', (_label, claims, claim, actual) => {
    const r = validateAccessTokenClaims({ ...good, ...claims }, strict, now)
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.error).toMatchObject({ code: 'invalid_token_use', claim, status: 401, oauthError: 'invalid_token', actual })
  })

  it.each([
    ['token_use access (Cognito)', { token_use: 'access' }],
    ['typ Bearer (Keycloak)', { typ: 'Bearer' }],
    ['typ bearer (the OAuth token type is case-insensitive)', { typ: 'bearer' }],
    ['neither', {}],
  ])('accepts %s', (_label, claims) => {
    expect(validateAccessTokenClaims({ ...good, ...claims }, strict, now).ok).toBe(true)
  })

  it('names the failing check first for a foreign token: issuer before token kind', () => {
    const r = validateAccessTokenClaims({ ...good, iss: 'https://other', cnf: { jkt: 'a' } }, strict, now)
    expect(!r.ok && r.error.code).toBe('invalid_issuer')
  })

  it('never echoes a long cnf member name unbounded', () => {
    const r = validateAccessTokenClaims({ ...good, cnf: { ['m'.repeat(10_000)]: 1 } }, strict, now)
    expect(!r.ok && JSON.stringify(r.error.actual).length).toBeLessThan(300)
  })
})

describe('the client_assertion profile (RFC 7523)', () => {
  const expectations: ClaimExpectations = { issuer: 'client-7', audience: ['https://auth.example.com'], clientId: undefined, clockToleranceSeconds: 30, profile: 'client_assertion' }
  const assertion = { iss: 'client-7', sub: 'client-7', aud: 'https://auth.example.com', exp: now + 60, jti: 'a1' }

  it('accepts an assertion that names no client_id: its client is the sub', () => {
    const r = validateAccessTokenClaims(assertion, expectations, now)
    expect(r.ok && { clientId: r.value.clientId, clientIdClaim: r.value.clientIdClaim }).toEqual({ clientId: 'client-7', clientIdClaim: 'sub' })
    // The same payload is no access token: without the profile it names no client.
    expect(validateAccessTokenClaims(assertion, { ...expectations, profile: undefined }, now)).toMatchObject({ ok: false, error: { code: 'missing_claim', claim: 'client_id' } })
  })

  it.each([
    ['sub missing', { ...assertion, sub: undefined }, 'missing_claim', 'sub'],
    ['sub ≠ iss', { ...assertion, sub: 'client-8' }, 'invalid_client', 'sub'],
    ['exp missing', { ...assertion, exp: undefined }, 'missing_claim', 'exp'],
    ['aud of another server', { ...assertion, aud: 'https://other.example.com' }, 'invalid_audience', 'aud'],
  ])('refuses %s', (_name, payload, code, claim) => {
    expect(validateAccessTokenClaims(payload, expectations, now)).toMatchObject({ ok: false, error: { code, claim } })
  })
})
