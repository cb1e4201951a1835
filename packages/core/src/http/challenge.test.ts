import { describe, expect, it } from 'vitest'
import {
  ClaimValidationError,
  InsufficientScopeError,
  InvalidRequestError,
  JwksUnavailableError,
  MissingTokenError,
} from '../errors.ts'
import { renderChallenge } from './challenge.ts'

describe('renderChallenge', () => {
  it.each([
    [new MissingTokenError('No token'), 401, 'Bearer realm="api"', { error: 'unauthorized', code: 'missing_token' }],
    [
      new ClaimValidationError('token_expired', 'The token has expired'),
      401,
      'Bearer realm="api", error="invalid_token", error_description="The token has expired"',
      { error: 'invalid_token', code: 'token_expired' },
    ],
    [
      new InvalidRequestError('Two Authorization headers'),
      400,
      'Bearer realm="api", error="invalid_request", error_description="Two Authorization headers"',
      { error: 'invalid_request', code: 'invalid_request' },
    ],
    [
      new InsufficientScopeError('No role', { requiredScope: ['zscloud::1::Admin', 'zscloud::1::Ops'] }),
      403,
      'Bearer realm="api", error="insufficient_scope", error_description="No role", scope="zscloud::1::Admin zscloud::1::Ops"',
      { error: 'insufficient_scope', code: 'insufficient_scope' },
    ],
  ] as const)('renders %s', (error, status, challenge, body) => {
    const r = renderChallenge(error, { realm: 'api' })
    expect(r.status).toBe(status)
    expect(r.headers['www-authenticate']).toBe(challenge)
    expect(r.body).toMatchObject(body)
    expect(r.headers['cache-control']).toBe('no-store')
  })

  it('answers an outage with 503, Retry-After and no Bearer error', () => {
    const r = renderChallenge(new JwksUnavailableError('JWKS fetch failed', { retryAfterSeconds: 12.2 }))
    expect(r.status).toBe(503)
    expect(r.headers['retry-after']).toBe('13')
    expect(r.headers['www-authenticate']).toBeUndefined()
    expect(r.body).toEqual({ error: 'temporarily_unavailable', code: 'jwks_unavailable', error_description: 'JWKS fetch failed' })
  })

  it('escapes what RFC 6750 forbids in error_description and quotes the realm', () => {
    const r = renderChallenge(new ClaimValidationError('invalid_issuer', 'bad "iss" \\ here\r\nInjected: header é'), { realm: 'my "realm" \\' })
    const h = r.headers['www-authenticate']!
    expect(h).toBe(`Bearer realm="my \\"realm\\" \\\\", error="invalid_token", error_description="bad 'iss' / here??Injected: header ?"`)
    expect(h).not.toMatch(/[\r\n]/)
  })

  it('leaves the description out when asked', () => {
    const r = renderChallenge(new ClaimValidationError('token_expired', 'expired'), { includeDescription: false })
    expect(r.headers['www-authenticate']).toBe('Bearer error="invalid_token"')
    expect(r.body).toEqual({ error: 'invalid_token', code: 'token_expired' })
  })

  it('drops scope values that are not valid scope-tokens', () => {
    const r = renderChallenge(new InsufficientScopeError('x', { requiredScope: ['good', 'has"quote', 'has space'] }))
    expect(r.headers['www-authenticate']).toContain('scope="good"')
  })
})
