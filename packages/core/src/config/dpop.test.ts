import { describe, expect, it } from 'vitest'
import { ConfigError } from '../errors.ts'
import { validateAuthorizationServer } from './authorization-server.ts'
import { defaultDpopConfig, defineDpopConfig, validateDpopConfig } from './dpop.ts'
import { defineMtlsConfig, validateMtlsConfig } from './mtls.ts'

describe('dpop config', () => {
  it('fills the defaults: off, no nonce, 120 s, 5 s, ES256 RS256 PS256 EdDSA', () => {
    expect(defineDpopConfig({})).toEqual({
      mode: 'off',
      requireNonce: false,
      proofLifetimeSeconds: 120,
      clockToleranceSeconds: 5,
      algorithms: ['ES256', 'RS256', 'PS256', 'EdDSA'],
      nonceSecrets: [],
    })
    expect(defineDpopConfig({})).toEqual(defaultDpopConfig)
  })

  it('takes every member', () => {
    const secret = 's'.repeat(32)
    expect(defineDpopConfig({ mode: 'required', requireNonce: true, proofLifetimeSeconds: 60, clockToleranceSeconds: 0, algorithms: ['ES384'], nonceSecret: [secret, `${secret}x`] })).toEqual({
      mode: 'required',
      requireNonce: true,
      proofLifetimeSeconds: 60,
      clockToleranceSeconds: 0,
      algorithms: ['ES384'],
      nonceSecrets: [secret, `${secret}x`],
    })
    expect(defineDpopConfig({ nonceSecret: secret }).nonceSecrets).toEqual([secret])
    // A built section validates to itself (createVerifier is given built server configs, e.g. by the registry).
    const built = defineDpopConfig({ mode: 'enabled', requireNonce: true, nonceSecret: secret })
    expect(defineDpopConfig(built as never)).toEqual(built)
    expect(defineDpopConfig(defineDpopConfig({}) as never)).toEqual(defineDpopConfig({}))
    expect(validateDpopConfig({ nonceSecret: secret, nonceSecrets: [secret] })).toMatchObject({ ok: false, issues: [{ path: 'dpop.nonceSecrets' }] })
    expect(validateDpopConfig({ nonceSecrets: ['short'] })).toMatchObject({ ok: false, issues: [{ path: 'dpop.nonceSecrets[0]' }] })
  })

  it('names every bad member by its path', () => {
    const r = validateDpopConfig({ mode: 'sometimes', requireNonce: 'yes', proofLifetimeSeconds: 0, clockToleranceSeconds: 301, algorithms: ['ES256', 'HS256', 'none', 'XX1', 7], nonceSecret: 'short', extra: 1 })
    expect(r.ok).toBe(false)
    expect(!r.ok && r.issues.map((i) => i.path)).toEqual([
      'dpop.extra',
      'dpop.mode',
      'dpop.requireNonce',
      'dpop.proofLifetimeSeconds',
      'dpop.clockToleranceSeconds',
      'dpop.algorithms[1]',
      'dpop.algorithms[2]',
      'dpop.algorithms[3]',
      'dpop.algorithms[4]',
      'dpop.nonceSecret',
    ])
    expect(validateDpopConfig({ nonceSecret: ['s'.repeat(32), 'x'] })).toMatchObject({ ok: false, issues: [{ path: 'dpop.nonceSecret[1]' }] })
    expect(validateDpopConfig({ algorithms: [] })).toMatchObject({ ok: false, issues: [{ path: 'dpop.algorithms' }] })
    expect(validateDpopConfig('on')).toMatchObject({ ok: false, issues: [{ path: 'dpop' }] })
    expect(() => defineDpopConfig({ mode: 'on' } as never)).toThrow(ConfigError)
  })
})

describe('mtls config', () => {
  it('defaults to enabled, takes required, refuses anything else by path', () => {
    expect(defineMtlsConfig({})).toEqual({ mode: 'enabled' })
    expect(defineMtlsConfig({ mode: 'required' })).toEqual({ mode: 'required' })
    expect(validateMtlsConfig({ mode: 'off', x: 1 })).toMatchObject({ ok: false, issues: [{ path: 'mtls.x' }, { path: 'mtls.mode' }] })
    expect(() => defineMtlsConfig({ mode: 'always' } as never)).toThrow(ConfigError)
  })
})

describe('authorization server config: dpop and mtls sections', () => {
  const base = { name: 'Okta1', jwksUrl: 'https://idp.example.test/keys' }

  it('is unchanged without the sections', () => {
    const r = validateAuthorizationServer(base)
    expect(r.ok && 'dpop' in r.config).toBe(false)
    expect(r.ok && 'mtls' in r.config).toBe(false)
  })

  it('carries validated sections', () => {
    const r = validateAuthorizationServer({ ...base, dpop: { mode: 'enabled' }, mtls: { mode: 'required' } })
    expect(r.ok && r.config.dpop?.mode).toBe('enabled')
    expect(r.ok && r.config.dpop?.proofLifetimeSeconds).toBe(120)
    expect(r.ok && r.config.mtls).toEqual({ mode: 'required' })
  })

  it('names bad members under dpop. and mtls.', () => {
    const r = validateAuthorizationServer({ ...base, dpop: { algorithms: ['ES256', 'HS256'] }, mtls: { mode: 'x' } })
    expect(!r.ok && r.issues.map((i) => i.path)).toEqual(['dpop.algorithms[1]', 'mtls.mode'])
  })
})
