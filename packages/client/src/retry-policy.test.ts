import { describe, expect, it } from 'vitest'
import { defaultRetryPolicy, isRetryableStatus, nextRetryDelayMs, parseRetryAfter } from './retry-policy.ts'
import { readTokenAnswer } from './token-response.ts'

const now = Date.parse('2026-12-06T03:00:00Z')
const bytes = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value))

describe('parseRetryAfter', () => {
  it.each([
    ['7', 7],
    [' 0 ', 0],
    ['Sun, 06 Dec 2026 03:00:10 GMT', 10],
    ['Sun, 06 Dec 2026 02:59:00 GMT', 0],
    ['-1', undefined],
    ['1.5', undefined],
    ['soon', undefined],
    [null, undefined],
  ])('%j → %j', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected)
  })
})

describe('nextRetryDelayMs', () => {
  it('doubles from the base, jittered into the upper half of each step, capped, and stops after maxAttempts', () => {
    const policy = { ...defaultRetryPolicy, maxAttempts: 6, baseDelayMs: 200, maxDelayMs: 1000 }
    expect([1, 2, 3, 4, 5].map((a) => nextRetryDelayMs(policy, a, undefined, () => 0))).toEqual([100, 200, 400, 500, 500])
    expect([1, 2, 3, 4, 5].map((a) => nextRetryDelayMs(policy, a, undefined, () => 0.999999))).toEqual([200, 400, 800, 1000, 1000])
    expect(nextRetryDelayMs(policy, 6, undefined, () => 0)).toBeUndefined()
  })
  it('honours Retry-After within maxRetryAfterSeconds and gives up beyond it', () => {
    expect(nextRetryDelayMs(defaultRetryPolicy, 1, 2, () => 0.5)).toBe(2000)
    expect(nextRetryDelayMs(defaultRetryPolicy, 1, 31, () => 0.5)).toBeUndefined()
  })
  it('retries only 429 and 5xx', () => {
    expect([200, 400, 401, 403, 404, 429, 500, 502, 503, 599].filter(isRetryableStatus)).toEqual([429, 500, 502, 503, 599])
  })
})

describe('readTokenAnswer', () => {
  it.each([
    ['a Bearer token', 200, { access_token: 'a', token_type: 'bearer', expires_in: 60, scope: 'x y' }, { kind: 'token', token: { accessToken: 'a', tokenType: 'Bearer', expiresAt: now + 60_000, scope: 'x y' } }],
    ['a DPoP token without expires_in (default lifetime)', 200, { access_token: 'a', token_type: 'DPoP' }, { kind: 'token', token: { accessToken: 'a', tokenType: 'DPoP', expiresAt: now + 300_000, scope: undefined } }],
    ['an unknown token_type', 200, { access_token: 'a', token_type: 'mac' }, { kind: 'unusable' }],
    ['no access_token', 200, { token_type: 'Bearer' }, { kind: 'unusable' }],
    ['an access_token with a line break', 200, { access_token: 'a\nb', token_type: 'Bearer' }, { kind: 'unusable' }],
    ['a negative expires_in', 200, { access_token: 'a', token_type: 'Bearer', expires_in: -1 }, { kind: 'unusable' }],
    ['a fractional expires_in', 200, { access_token: 'a', token_type: 'Bearer', expires_in: 1.5 }, { kind: 'unusable' }],
    ['not JSON', 200, 'access_token=a', { kind: 'unusable' }],
    ['an RFC 6749 error', 400, { error: 'invalid_scope', error_description: 'no' }, { kind: 'error', error: 'invalid_scope', description: 'no' }],
    ['a 401 error', 401, { error: 'invalid_client' }, { kind: 'error', error: 'invalid_client', description: undefined }],
    ['a 503', 503, { error: 'temporarily_unavailable' }, { kind: 'unusable' }],
  ])('%s', (_name, status, body, expected) => {
    expect(readTokenAnswer(status, bytes(body), now, 300)).toMatchObject(expected)
  })
})
