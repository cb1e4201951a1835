import { describe, expect, it } from 'vitest'
import {
  ClaimValidationError,
  AuditUnavailableError,
  ConfigError,
  InsufficientScopeError,
  IntrospectionUnavailableError,
  JwksUnavailableError,
  MissingTokenError,
  ReplayUnavailableError,
  StoreUnavailableError,
  isTokenwardError,
  isUnavailableError,
  isVerificationError,
} from './errors.ts'
import { renderChallenge } from './http/challenge.ts'

describe('errors', () => {
  it.each([
    [new MissingTokenError('x'), 'missing_token', 401, undefined],
    [new ClaimValidationError('token_expired', 'x', { claim: 'exp' }), 'token_expired', 401, 'invalid_token'],
    [new InsufficientScopeError('x'), 'insufficient_scope', 403, 'insufficient_scope'],
    [new JwksUnavailableError('x'), 'jwks_unavailable', 503, undefined],
  ] as const)('%s carries code, status and oauthError', (err, code, status, oauthError) => {
    expect(err.code).toBe(code)
    expect(err.status).toBe(status)
    expect(err.oauthError).toBe(oauthError)
    expect(err.name).toBe(err._tag)
    expect(isTokenwardError(err)).toBe(true)
    expect(isVerificationError(err)).toBe(true)
  })

  it.each([
    [new JwksUnavailableError('x'), 'keys', 'jwks_unavailable'],
    [new StoreUnavailableError('x'), 'store', 'store_unavailable'],
    [new AuditUnavailableError('x'), 'audit', 'audit_unavailable'],
    [new IntrospectionUnavailableError('x'), 'introspection', 'introspection_unavailable'],
    [new ReplayUnavailableError('x'), 'replay', 'replay_unavailable'],
  ] as const)('the outage family: %s is 503 with Retry-After, never a challenge', (err, reason, code) => {
    expect(err.reason).toBe(reason)
    expect(err.code).toBe(code)
    expect(isUnavailableError(err)).toBe(true)
    expect(err.toJSON()).toMatchObject({ reason, code, status: 503 })
    const answer = renderChallenge(err)
    expect(answer.status).toBe(503)
    expect(answer.headers['retry-after']).toBe('30')
    expect(answer.headers['www-authenticate']).toBeUndefined()
    expect(answer.body).toMatchObject({ error: 'temporarily_unavailable', code })
  })

  it('recognises an outage from another copy by tag, code and reason', () => {
    class ForeignStoreOutage extends Error {
      readonly _tag = 'StoreUnavailableError'
      readonly code = 'store_unavailable'
      readonly status = 503
      readonly reason = 'store'
    }
    expect(isUnavailableError(new ForeignStoreOutage('x'))).toBe(true)
    expect(isUnavailableError(new MissingTokenError('x'))).toBe(false)
    expect(isUnavailableError(new Error('x'))).toBe(false)
  })

  it('recognises an error from another copy of the package by its tag and code, not instanceof', () => {
    class ForeignClaimError extends Error {
      readonly _tag = 'ClaimValidationError'
      readonly code = 'invalid_audience'
      readonly status = 401
    }
    expect(isTokenwardError(new ForeignClaimError('x'))).toBe(true)
    expect(isTokenwardError({ _tag: 'ClaimValidationError', code: 'invalid_audience', status: 401 })).toBe(false)
    expect(isTokenwardError(new Error('x'))).toBe(false)
    expect(isVerificationError(new ConfigError([]))).toBe(false)
  })

  it('the one guard also recognises configuration errors, from this copy or another', () => {
    expect(isTokenwardError(new ConfigError([{ path: 'name', message: 'x' }]))).toBe(true)
    expect(new ConfigError([]).status).toBe(500)
    class ForeignConfigError extends Error {
      readonly _tag = 'ConfigError'
      readonly code = 'invalid_config'
      readonly issues = []
    }
    expect(isTokenwardError(new ForeignConfigError('x'))).toBe(true)
    expect(isTokenwardError({ _tag: 'ConfigError', code: 'invalid_config', issues: [] })).toBe(false)
  })

  it('ConfigError names every path in its message', () => {
    const e = new ConfigError([
      { path: 'name', message: 'must be letters and digits' },
      { path: 'algorithms[1]', message: 'HS256 is never allowed' },
    ])
    expect(e.message).toContain('name: must be letters and digits')
    expect(e.message).toContain('algorithms[1]: HS256 is never allowed')
  })
})
