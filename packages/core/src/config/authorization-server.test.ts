import { describe, expect, it } from 'vitest'
import { ConfigError } from '../errors.ts'
import { checkJwksUrl, defineAuthorizationServer, validateAuthorizationServer } from './authorization-server.ts'
import { isLoopbackHost } from './loopback.ts'

const base = { name: 'Okta1', jwksUrl: 'https://acme.okta.com/oauth2/default/v1/keys' }
const cert = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n'

describe('validateAuthorizationServer', () => {
  it('fills secure defaults', () => {
    const r = validateAuthorizationServer(base)
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.config).toMatchObject({
      name: 'Okta1',
      description: '',
      enabled: true,
      jwksCertificateValidation: true,
      algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
      clockToleranceSeconds: 30,
      requireAccessTokenType: false,
      maxTokenLength: 16384,
      issuer: undefined,
      audience: undefined,
    })
    expect(r.warnings.map((w) => w.code).sort()).toEqual(['no_audience', 'no_client_id', 'no_issuer'])
  })

  it.each([
    ['name with a space', { ...base, name: 'Okta 1' }, 'name'],
    ['name too long', { ...base, name: 'a'.repeat(65) }, 'name'],
    ['empty name', { ...base, name: '' }, 'name'],
    ['name with a dash', { ...base, name: 'okta-1' }, 'name'],
    ['missing name', { jwksUrl: base.jwksUrl }, 'name'],
    ['description too long', { ...base, description: 'x'.repeat(257) }, 'description'],
    ['enabled not boolean', { ...base, enabled: 'yes' }, 'enabled'],
    ['no key source', { name: 'A' }, 'jwksUrl'],
    ['both key sources', { ...base, jwks: { keys: [{ kty: 'RSA' }] } }, 'jwks'],
    ['http jwks on a public host', { ...base, jwksUrl: 'http://idp.example.com/keys' }, 'jwksUrl'],
    ['relative jwks url', { ...base, jwksUrl: '/keys' }, 'jwksUrl'],
    ['ftp jwks url', { ...base, jwksUrl: 'ftp://idp.example.com/keys' }, 'jwksUrl'],
    ['credentials in url', { ...base, jwksUrl: 'https://u:p@idp.example.com/keys' }, 'jwksUrl'],
    ['fragment in url', { ...base, jwksUrl: 'https://idp.example.com/keys#x' }, 'jwksUrl'],
    ['inline jwks without keys', { name: 'A', jwks: {} }, 'jwks.keys'],
    ['inline oct key', { name: 'A', jwks: { keys: [{ kty: 'oct', k: 'AAAA' }] } }, 'jwks.keys[0]'],
    ['inline key without kty', { name: 'A', jwks: { keys: [{ n: 'x' }] } }, 'jwks.keys[0]'],
    ['cert validation not boolean', { ...base, jwksCertificateValidation: 0 }, 'jwksCertificateValidation'],
    ['TLS settings on http', { ...base, jwksUrl: 'http://127.0.0.1:8080/keys', jwksCertificateValidation: false }, 'jwksCertificateValidation'],
    ['trusted certificate not PEM', { ...base, trustedCertificates: ['hello'] }, 'trustedCertificates[0]'],
    ['trusted certificates not array', { ...base, trustedCertificates: cert }, 'trustedCertificates'],
    ['empty issuer', { ...base, issuer: '' }, 'issuer'],
    ['issuer not string', { ...base, issuer: 42 }, 'issuer'],
    ['audience empty array', { ...base, audience: [] }, 'audience'],
    ['audience array with number', { ...base, audience: ['a', 1] }, 'audience[1]'],
    ['clientId empty', { ...base, clientId: '' }, 'clientId'],
    ['alg none', { ...base, algorithms: ['RS256', 'none'] }, 'algorithms[1]'],
    ['alg HS256', { ...base, algorithms: ['HS256'] }, 'algorithms[0]'],
    ['alg unknown', { ...base, algorithms: ['RS1'] }, 'algorithms[0]'],
    ['algorithms empty', { ...base, algorithms: [] }, 'algorithms'],
    ['tolerance negative', { ...base, clockToleranceSeconds: -1 }, 'clockToleranceSeconds'],
    ['tolerance huge', { ...base, clockToleranceSeconds: 3600 }, 'clockToleranceSeconds'],
    ['tolerance NaN', { ...base, clockToleranceSeconds: Number.NaN }, 'clockToleranceSeconds'],
    ['typ flag not boolean', { ...base, requireAccessTokenType: 'true' }, 'requireAccessTokenType'],
    ['max length fraction', { ...base, maxTokenLength: 1000.5 }, 'maxTokenLength'],
    ['max length tiny', { ...base, maxTokenLength: 10 }, 'maxTokenLength'],
    ['unknown field', { ...base, audiance: 'typo' }, 'audiance'],
  ])('rejects %s, naming %s', (_label, input, path) => {
    const r = validateAuthorizationServer(input)
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.issues.map((i) => i.path)).toContain(path)
  })

  it('reports every bad field at once', () => {
    const r = validateAuthorizationServer({ name: 'bad name', description: 5, jwksUrl: 'http://x.example/k', algorithms: ['none'], extra: 1 })
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.issues.map((i) => i.path).sort()).toEqual(['algorithms[0]', 'description', 'extra', 'jwksUrl', 'name'])
  })

  it.each([null, 'x', 42, [], undefined])('rejects a non-object %s at the root', (input) => {
    const r = validateAuthorizationServer(input)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.issues[0]!.path).toBe('')
  })

  it('accepts a fully specified server and warns about risky choices only', () => {
    const r = validateAuthorizationServer({
      ...base,
      description: 'Production Okta',
      enabled: false,
      jwksCertificateValidation: false,
      trustedCertificates: [cert],
      issuer: 'https://acme.okta.com/oauth2/default',
      audience: ['api://default', 'api://other'],
      clientId: '0oa1',
      algorithms: ['ES256', 'ES256', 'RS256'],
      clockToleranceSeconds: 0,
      requireAccessTokenType: true,
      maxTokenLength: 8192,
    })
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.config.algorithms).toEqual(['ES256', 'RS256'])
    expect(r.config.audience).toEqual(['api://default', 'api://other'])
    expect(r.warnings.map((w) => w.code)).toEqual(['certificate_validation_disabled'])
  })

  it('warns about plain-http JWKS on loopback but accepts it', () => {
    const r = validateAuthorizationServer({ ...base, jwksUrl: 'http://127.0.0.1:9999/jwks', issuer: 'i', audience: 'a', clientId: 'c' })
    expect(r.ok).toBe(true)
    expect(r.warnings.map((w) => w.code)).toEqual(['http_jwks'])
  })

  it('accepts inline keys', () => {
    const r = validateAuthorizationServer({ name: 'Static', jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b' }] } })
    expect(r.ok && r.config.jwks?.keys.length).toBe(1)
  })

  it('re-validates its own output unchanged (configs round-trip through storage)', () => {
    const first = defineAuthorizationServer({ ...base, audience: 'api', issuer: 'https://i' })
    const again = defineAuthorizationServer(JSON.parse(JSON.stringify(first)))
    expect(again).toEqual(first)
  })
})

describe('defineAuthorizationServer', () => {
  it('throws a ConfigError naming the field', () => {
    expect(() => defineAuthorizationServer({ ...base, name: 'has space' })).toThrowError(ConfigError)
    try {
      defineAuthorizationServer({ ...base, algorithms: ['HS256'] })
    } catch (e) {
      expect((e as ConfigError).issues).toEqual([{ path: 'algorithms[0]', message: 'HS256 is never allowed (unsigned or symmetric)' }])
    }
  })
})

describe('checkJwksUrl / isLoopbackHost', () => {
  it.each([
    ['https://idp.example.com/keys', true],
    ['http://localhost:3000/keys', true],
    ['http://127.0.0.1/keys', true],
    ['http://127.255.0.9/keys', true],
    ['http://[::1]:8080/keys', true],
    ['http://app.localhost/keys', true],
    ['http://128.0.0.1/keys', false],
    ['http://localhost.evil.com/keys', false],
    ['http://127.0.0.1.nip.io/keys', false],
    ['http://10.0.0.1/keys', false],
  ])('%s acceptable: %s', (url, acceptable) => {
    expect(checkJwksUrl(url) === undefined).toBe(acceptable)
  })
  it('rejects oversized URLs', () => {
    expect(checkJwksUrl(`https://idp.example.com/${'a'.repeat(3000)}`)).toMatch(/at most/)
  })
  it('parses loopback hosts strictly', () => {
    expect(isLoopbackHost('127.0.0.256')).toBe(false)
    expect(isLoopbackHost('LOCALHOST')).toBe(true)
  })
})
