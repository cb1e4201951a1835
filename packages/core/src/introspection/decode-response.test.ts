import { describe, expect, it } from 'vitest'
import { introspectionCacheSeconds, parseIntrospectionBody, validateIntrospectionAnswer, type IntrospectionExpectations } from './decode-response.ts'

const now = 1_700_000_000
const base: IntrospectionExpectations = {
  issuer: 'https://as.example',
  audience: ['https://api.example'],
  clientId: undefined,
  clockToleranceSeconds: 30,
  sendAudience: false,
  noExpiryCeilingSeconds: 300,
}
const active = { active: true, iss: 'https://as.example', aud: 'https://api.example', client_id: 'app', exp: now + 600, iat: now - 10, scope: 'read' }

describe('parseIntrospectionBody', () => {
  it.each([
    ['{"active":true}', true],
    ['{"active":false}', true],
    ['{"active":"true"}', false],
    ['{"active":1}', false],
    ['{}', false],
    ['[true]', false],
    ['not json', false],
    ['{"active":true,"active":false}', false],
  ])('%s → parsed: %s', (body, parsed) => {
    expect(parseIntrospectionBody(new TextEncoder().encode(body)).ok).toBe(parsed)
  })
})

describe('validateIntrospectionAnswer', () => {
  const cases: [string, Record<string, unknown>, Partial<IntrospectionExpectations>, string | undefined][] = [
    ['an active answer whose claims pass', active, {}, undefined],
    ['active: false', { ...active, active: false }, {}, 'token_inactive'],
    ['active: "true" (a string is not the boolean)', { ...active, active: 'true' }, {}, 'token_inactive'],
    ['expired (beyond tolerance)', { ...active, exp: now - 31 }, {}, 'token_expired'],
    ['expired within tolerance', { ...active, exp: now - 29 }, {}, undefined],
    ['not yet valid', { ...active, nbf: now + 31 }, {}, 'token_not_yet_valid'],
    ['issued in the future', { ...active, iat: now + 31 }, {}, 'invalid_iat'],
    ['another issuer', { ...active, iss: 'https://evil.example' }, {}, 'invalid_issuer'],
    ['no iss while one is configured', { ...active, iss: undefined }, {}, 'missing_claim'],
    ['another audience', { ...active, aud: 'https://other.example' }, {}, 'invalid_audience'],
    ['no aud while an audience is configured', { ...active, aud: undefined }, {}, 'missing_claim'],
    ['no aud, but sendAudience made the AS check it', { ...active, aud: undefined }, { sendAudience: true }, undefined],
    ['a wrong aud even with sendAudience', { ...active, aud: 'https://other.example' }, { sendAudience: true }, 'invalid_audience'],
    ['another client', active, { clientId: 'someone-else' }, 'invalid_client'],
    ['no client_id', { ...active, client_id: undefined }, {}, 'missing_claim'],
    ['bound to a key (cnf) is refused by the binding placeholder', { ...active, cnf: { jkt: 'x' } }, {}, 'token_bound'],
    ['scope of the wrong type', { ...active, scope: 42 }, {}, 'invalid_claim'],
    ['no exp: the ceiling stands in', { ...active, exp: undefined }, {}, undefined],
  ]
  it.each(cases)('%s', (_name, answer, overrides, code) => {
    const r = validateIntrospectionAnswer(answer, { ...base, ...overrides }, now)
    if (code === undefined) expect(r.ok).toBe(true)
    else {
      expect(r.ok).toBe(false)
      if (!r.ok) {
        expect(r.error.code).toBe(code)
        expect(r.error.status).toBe(401)
        expect(r.error.stage).toBe(code === 'token_bound' ? 'binding' : 'introspect')
      }
    }
  })

  it('fills exp from the ceiling when the AS sent none', () => {
    const r = validateIntrospectionAnswer({ ...active, exp: undefined }, base, now)
    expect(r.ok && r.value.expiryFromCeiling).toBe(true)
    expect(r.ok && r.value.claims.expiresAt).toBe(now + 300)
  })
})

describe('introspectionCacheSeconds', () => {
  const policy = { cacheTokens: true, tokenTimeToLiveSeconds: -1, noExpiryCeilingSeconds: 300 }
  it.each([
    ['-1 means until exp', policy, { expiresAt: now + 3600, expiryFromCeiling: false }, 3600],
    ['TTL below exp wins', { ...policy, tokenTimeToLiveSeconds: 60 }, { expiresAt: now + 3600, expiryFromCeiling: false }, 60],
    ['exp below TTL wins', { ...policy, tokenTimeToLiveSeconds: 600 }, { expiresAt: now + 30, expiryFromCeiling: false }, 30],
    ['no exp: the ceiling', policy, { expiresAt: now + 300, expiryFromCeiling: true }, 300],
    ['caching off', { ...policy, cacheTokens: false }, { expiresAt: now + 3600, expiryFromCeiling: false }, 0],
    ['TTL 0 caches nothing', { ...policy, tokenTimeToLiveSeconds: 0 }, { expiresAt: now + 3600, expiryFromCeiling: false }, 0],
    ['already past exp', policy, { expiresAt: now - 5, expiryFromCeiling: false }, 0],
  ])('%s', (_name, p, answer, seconds) => {
    expect(introspectionCacheSeconds(p, answer, now)).toBe(seconds)
  })
})
