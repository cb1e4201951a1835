import { describe, expect, it } from 'vitest'
import {
  ClaimValidationError,
  ConfigError,
  InsufficientScopeError,
  JwksUnavailableError,
  MissingTokenError,
  isTokenwardError,
} from './errors.ts'

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
    expect(isTokenwardError(new ConfigError([]))).toBe(false)
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
