import type { JwksValidationResult } from '@tokenward/registry'
import { describe, expect, it } from 'vitest'
import { permissionWords, readOnlyReasonOf } from './page-state.ts'
import { reportInWords, resultInWords } from './report-words.ts'

type Report = NonNullable<JwksValidationResult['report']>
const good: Report = {
  url: 'https://idp.example.com/keys',
  reachable: true,
  tls: 'ok',
  validJwkSet: true,
  keys: [
    { kid: 'a', kty: 'EC', usable: true, algorithms: ['ES256'], problems: [] },
    { kid: 'b', kty: 'RSA', usable: true, algorithms: ['RS256', 'PS256'], problems: [] },
    { kid: 'c', kty: 'oct', usable: false, algorithms: [], problems: ['symmetric'] },
  ],
  usableSigningKeyCount: 2,
  problems: [],
  warnings: [],
  ok: true,
  checkedAt: '2026-01-01T00:00:00.000Z',
}

describe('reportInWords', () => {
  it.each<[string, Report, string[]]>([
    [
      'a good key set: verdict, reachability, TLS, keys and their algorithms',
      good,
      ['Validation succeeded.', 'Reachable: the JWKS location answered.', 'TLS: the server certificate is valid.', 'Keys: 3 keys found, 2 usable signing keys (ES256, RS256, PS256).'],
    ],
    [
      'unreachable: no TLS or key lines, the problem in words',
      { ...good, reachable: false, tls: 'not_checked', validJwkSet: false, keys: [], usableSigningKeyCount: 0, ok: false, problems: ['unreachable: no answer in time'] },
      ['Validation failed.', 'Not reachable: the JWKS location did not answer.', 'Problem: unreachable: no answer in time'],
    ],
    [
      'not a key set, certificate unchecked, with a warning',
      { ...good, tls: 'not_checked', validJwkSet: false, keys: [], usableSigningKeyCount: 0, ok: false, problems: ['not a JWK Set'], warnings: ['TLS off'] },
      ['Validation failed.', 'Reachable: the JWKS location answered.', 'TLS: the server certificate was not checked.', 'Keys: the answer is not a JSON Web Key Set.', 'Problem: not a JWK Set', 'Warning: TLS off'],
    ],
  ])('%s', (_name, report, lines) => {
    expect(reportInWords(report)).toEqual(lines)
  })
})

describe('resultInWords', () => {
  type Introspection = NonNullable<JwksValidationResult['introspection']>
  const healthy: Introspection = {
    endpoint: 'https://as.example/introspect', clientId: 'tokenward-rs', authMethod: 'client_secret_basic', reachable: true, tls: 'ok',
    outcome: 'healthy', problems: [], warnings: [], ok: true, checkedAt: '2026-01-01T00:00:00.000Z',
  }
  it('an introspection-only answer: the verdict, then the introspection check in words', () => {
    expect(resultInWords({ introspection: healthy, validationId: 'v1' })).toEqual([
      'Validation succeeded.',
      'Introspection: the authorization server accepted the client credentials and answered "not active" for a random string, as it should.',
      'Reachable: the introspection endpoint answered.',
      'TLS: the server certificate is valid.',
    ])
  })
  it('both checks: one verdict, which fails when either fails', () => {
    const refused: Introspection = { ...healthy, outcome: 'credentials_refused', ok: false, problems: ['check the secret'] }
    expect(resultInWords({ report: good, introspection: refused })).toEqual([
      'Validation failed.',
      'Reachable: the JWKS location answered.',
      'TLS: the server certificate is valid.',
      'Keys: 3 keys found, 2 usable signing keys (ES256, RS256, PS256).',
      'Introspection: the authorization server refused the client credentials.',
      'Reachable: the introspection endpoint answered.',
      'TLS: the server certificate is valid.',
      'Problem: check the secret',
    ])
  })
})

describe('readOnlyReasonOf', () => {
  const list = (organization: object, changes: object) => ({ orgId: 'acme', revision: 1, authorizationServers: [], organization, changes }) as never
  const active = { status: 'active', suspensionReason: null, subscriptionValidUntil: '2027-01-01T00:00:00.000Z' }
  it.each<[string, unknown, RegExp | undefined]>([
    ['active with permission: not read-only', list(active, { allowed: true, refusal: null }), undefined],
    ['suspended for API calls', list({ ...active, status: 'suspended', suspensionReason: 'api_call_threshold_exceeded' }, { allowed: false, refusal: null }), /threshold for the number of API calls[\s\S]*Contact support/],
    ['suspended for terms', list({ ...active, status: 'suspended', suspensionReason: 'terms_violation' }, { allowed: false, refusal: null }), /terms and conditions/],
    ['expired', list({ ...active, status: 'subscription_expired' }, { allowed: false, refusal: null }), /re-enabled when the subscription is renewed/],
    ['refused for another reason', list(active, { allowed: false, refusal: { code: 'permission_denied', message: 'x' } }), /API Key Management permission/],
  ])('%s', (_name, value, expected) => {
    const reason = readOnlyReasonOf(value as never)
    if (expected === undefined) expect(reason).toBeUndefined()
    else expect(reason).toMatch(expected)
  })

  it('permissionWords passes other refusals through', () => {
    expect(permissionWords('conflict', 'Try again')).toBe('Read-only: Try again')
  })
})
