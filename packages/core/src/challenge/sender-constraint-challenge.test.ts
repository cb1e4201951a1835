import { describe, expect, it } from 'vitest'
import { BindingError, InsufficientScopeError, InvalidDpopProofError, MissingTokenError, ReplayUnavailableError, UseDpopNonceError } from '../errors.ts'
import { renderChallenge } from '../http/challenge.ts'
import { dpopNonceHeaders, renderSenderConstraintChallenge, senderConstraintExposedHeaders } from './sender-constraint-challenge.ts'

const algs = ['ES256', 'RS256']

describe('renderSenderConstraintChallenge', () => {
  it('off: the Bearer challenge exactly as renderChallenge gives it', () => {
    const e = new BindingError('The token is bound to another certificate')
    expect(renderSenderConstraintChallenge(e, { realm: 'api' })).toEqual(renderChallenge(e, { realm: 'api' }))
    const missing = new MissingTokenError('no token')
    expect(renderSenderConstraintChallenge(missing)).toEqual(renderChallenge(missing))
  })

  it('enabled, no token: a bare Bearer and a DPoP challenge with algs (RFC 9449 §7.1)', () => {
    const r = renderSenderConstraintChallenge(new MissingTokenError('no token'), { dpopMode: 'enabled', dpopAlgorithms: algs, realm: 'api' })
    expect(r.status).toBe(401)
    expect(r.headers['www-authenticate']).toBe('Bearer realm="api", DPoP realm="api", algs="ES256 RS256"')
  })

  it('puts invalid_dpop_proof on the DPoP challenge and leaves Bearer bare', () => {
    const r = renderSenderConstraintChallenge(new InvalidDpopProofError('The "proof" is old'), { dpopMode: 'enabled', dpopAlgorithms: algs })
    expect(r.status).toBe(401)
    expect(r.headers['www-authenticate']).toBe(`Bearer, DPoP error="invalid_dpop_proof", error_description="The 'proof' is old", algs="ES256 RS256"`)
    expect(r.body).toMatchObject({ error: 'invalid_dpop_proof', code: 'invalid_dpop_proof' })
    expect(r.headers['cache-control']).toBe('no-store')
  })

  it('use_dpop_nonce: the error on DPoP, the fresh nonce in DPoP-Nonce, no-store', () => {
    const r = renderSenderConstraintChallenge(new UseDpopNonceError('nonce required', { nonce: '28333333.abc' }), { dpopMode: 'required', dpopAlgorithms: algs, includeDescription: false })
    expect(r.headers['www-authenticate']).toBe('DPoP error="use_dpop_nonce", algs="ES256 RS256"')
    expect(r.headers['dpop-nonce']).toBe('28333333.abc')
    expect(r.headers['cache-control']).toBe('no-store')
  })

  it('a token error on a DPoP request goes on the DPoP challenge; on a Bearer request on Bearer', () => {
    const e = new BindingError('bad binding')
    expect(renderSenderConstraintChallenge(e, { dpopMode: 'enabled', dpopAlgorithms: algs, scheme: 'DPoP', includeDescription: false }).headers['www-authenticate']).toBe(
      'Bearer, DPoP error="invalid_token", algs="ES256 RS256"',
    )
    expect(renderSenderConstraintChallenge(e, { dpopMode: 'enabled', dpopAlgorithms: algs, scheme: 'Bearer', includeDescription: false }).headers['www-authenticate']).toBe(
      'Bearer error="invalid_token", DPoP algs="ES256 RS256"',
    )
    expect(renderSenderConstraintChallenge(e, { dpopMode: 'required', scheme: 'Bearer', includeDescription: false }).headers['www-authenticate']).toBe('DPoP error="invalid_token"')
  })

  it('insufficient_scope keeps its scope; resource_metadata goes on every challenge, escaped', () => {
    const r = renderSenderConstraintChallenge(new InsufficientScopeError('no role', { requiredScope: ['zscloud::1::Admin'] }), {
      dpopMode: 'enabled',
      scheme: 'DPoP',
      includeDescription: false,
      resourceMetadata: 'https://api.example.test/.well-known/oauth-protected-resource/orgs/"a"',
    })
    expect(r.status).toBe(403)
    expect(r.headers['www-authenticate']).toBe(
      'Bearer resource_metadata="https://api.example.test/.well-known/oauth-protected-resource/orgs/\\"a\\"", DPoP error="insufficient_scope", scope="zscloud::1::Admin", resource_metadata="https://api.example.test/.well-known/oauth-protected-resource/orgs/\\"a\\""',
    )
  })

  it('an outage stays 503 with Retry-After and no challenge', () => {
    const r = renderSenderConstraintChallenge(new ReplayUnavailableError('store down', { retryAfterSeconds: 7 }), { dpopMode: 'required', nonce: 'n.1' })
    expect(r.status).toBe(503)
    expect(r.headers['retry-after']).toBe('7')
    expect(r.headers['www-authenticate']).toBeUndefined()
    expect(r.headers['dpop-nonce']).toBe('n.1')
  })

  it('drops algs that are not tokens, and offers the success-path nonce headers and CORS names', () => {
    const r = renderSenderConstraintChallenge(new MissingTokenError('x'), { dpopMode: 'required', dpopAlgorithms: ['ES256', 'bad"alg'] })
    expect(r.headers['www-authenticate']).toBe('DPoP algs="ES256"')
    expect(dpopNonceHeaders('n.2')).toEqual({ 'dpop-nonce': 'n.2', 'cache-control': 'no-store' })
    expect(senderConstraintExposedHeaders).toEqual(['WWW-Authenticate', 'DPoP-Nonce'])
  })
})
