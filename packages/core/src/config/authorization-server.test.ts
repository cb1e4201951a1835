import { generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../errors.ts'
import { createTestCertificateAuthority } from '../platform/tls-fixture.test-support.ts'
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

describe('nothing private in a config (issue 12, holes 6 and 7)', () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const ecPrivate = ec.privateKey.export({ format: 'jwk' })
  const ecPublic = ec.publicKey.export({ format: 'jwk' })
  const rsaPrivate = rsa.privateKey.export({ format: 'jwk' })
  const rsaPublic = rsa.publicKey.export({ format: 'jwk' })
  const ca = createTestCertificateAuthority('config test CA')
  const realCert = ca.certificatePem

  it.each([
    ['an EC private key (d)', { ...ecPrivate, kid: 'ec' }, ['d']],
    ['an RSA private key (d, p, q, dp, dq, qi)', { ...rsaPrivate, kid: 'rsa' }, ['d', 'p', 'q', 'dp', 'dq', 'qi']],
    ['an OKP private key (d)', { kty: 'OKP', crv: 'Ed25519', x: 'x', d: 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A' }, ['d']],
    ['a multi-prime RSA key (oth)', { ...rsaPublic, oth: [{ r: 'r', d: 'd', t: 't' }] }, ['oth']],
    ['a symmetric member on an RSA key (k)', { ...rsaPublic, k: 'c2VjcmV0' }, ['k']],
    ['a private member set to null', { ...ecPublic, d: null }, ['d']],
  ])('refuses %s in inline jwks, telling the admin to paste the public key', (_label, key, members) => {
    const r = validateAuthorizationServer({ name: 'Static', jwks: { keys: [ecPublic, key] } })
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.issues).toHaveLength(1)
    expect(r.issues[0]!.path).toBe('jwks.keys[1]')
    expect(r.issues[0]!.message).toMatch(/private key.*paste the public key/)
    for (const m of members) expect(r.issues[0]!.message).toContain(m)
    // The message names members, never their values.
    expect(r.issues[0]!.message).not.toContain(String((key as { d?: unknown }).d ?? 'no-d-value'))
    expect(() => defineAuthorizationServer({ name: 'Static', jwks: { keys: [key] } })).toThrow(ConfigError)
  })

  it('accepts the public halves, and keeps its own frozen copy the caller cannot add a private member to', () => {
    const keys = [{ ...ecPublic, kid: 'ec' }, { ...rsaPublic, kid: 'rsa', x5c: ['MIIB'] }]
    const input = { name: 'Static', jwks: { keys } }
    const config = defineAuthorizationServer(input)
    expect(config.jwks?.keys).toEqual(keys)
    ;(keys[0] as Record<string, unknown>).d = ecPrivate.d
    ;(keys[1] as { x5c: string[] }).x5c.push('more')
    expect(JSON.stringify(config)).not.toContain(String(ecPrivate.d))
    expect(config.jwks?.keys[1]?.x5c).toEqual(['MIIB'])
    expect(Object.isFrozen(config.jwks?.keys[0])).toBe(true)
    expect(() => {
      ;(config.jwks!.keys[0] as Record<string, unknown>).d = 'x'
    }).toThrow(TypeError)
  })

  const privateKeyPems = [
    ['a PKCS#8 private key', ec.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string],
    ['an EC (SEC1) private key', ec.privateKey.export({ format: 'pem', type: 'sec1' }) as string],
    ['an RSA (PKCS#1) private key', rsa.privateKey.export({ format: 'pem', type: 'pkcs1' }) as string],
    ['an encrypted private key', ec.privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'x' }) as string],
    ['a certificate followed by its private key', realCert + ca.privateKeyPem],
    ['a private key between two certificates', realCert + ca.privateKeyPem + realCert],
  ] as const
  it.each(privateKeyPems)('refuses %s in trustedCertificates, telling the admin to paste the certificate', (_label, pem) => {
    const r = validateAuthorizationServer({ ...base, trustedCertificates: [realCert, pem] })
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.issues).toEqual([{ path: 'trustedCertificates[1]', message: expect.stringMatching(/private key: paste only the CA certificate/) }])
    expect(JSON.stringify(r)).not.toContain('PRIVATE KEY-----')
  })

  it.each([
    ['a public key block', ec.publicKey.export({ format: 'pem', type: 'spki' }) as string],
    ['text before the block', `Subject: CN=Acme\n${realCert}`],
    ['text after the block', `${realCert}issuer: Acme\n`],
    ['text between two blocks', `${realCert}and\n${realCert}`],
    ['a block without its end line', realCert.replace('-----END CERTIFICATE-----', '')],
    ['a body with a character outside base64', realCert.replace(/\n(.)/, '\n!')],
    ['an empty body', '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n'],
    ['a mislabelled end line', realCert.replace('END CERTIFICATE', 'END X509 CRL')],
    ['an empty string', ''],
    ['a number', 42],
  ])('refuses %s in trustedCertificates', (_label, pem) => {
    const r = validateAuthorizationServer({ ...base, trustedCertificates: [pem] })
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.issues.map((i) => i.path)).toEqual(['trustedCertificates[0]'])
  })

  it.each([
    ['a real certificate', realCert],
    ['two certificates in one entry (a chain)', realCert + realCert],
    ['LF line ends', realCert.replace(/\r\n/g, '\n')],
    ['CRLF line ends and surrounding whitespace', `  \r\n${realCert.replace(/\r?\n/g, '\r\n')}\n\n`],
  ])('accepts %s in trustedCertificates, stored as given', (_label, pem) => {
    const r = validateAuthorizationServer({ ...base, trustedCertificates: [pem] })
    expect(r.ok && r.config.trustedCertificates).toEqual([pem])
  })
})

describe('description length counts characters (code points), not UTF-16 units', () => {
  const emoji = '😀' // one character, two UTF-16 units
  it.each([
    ['209 characters with emoji (256 + 162 UTF-16 units)', 'a'.repeat(47) + emoji.repeat(162), true],
    ['256 emoji', emoji.repeat(256), true],
    ['256 characters mixing scripts', 'é'.repeat(100) + '漢'.repeat(100) + emoji.repeat(56), true],
    ['257 emoji', emoji.repeat(257), false],
    ['257 ASCII characters', 'x'.repeat(257), false],
    ['256 ASCII characters', 'x'.repeat(256), true],
  ])('%s', (_label, description, ok) => {
    const r = validateAuthorizationServer({ ...base, description })
    expect(r.ok).toBe(ok)
    if (!r.ok) expect(r.issues).toEqual([{ path: 'description', message: `must be at most 256 characters (got ${[...description].length})` }])
  })
})

describe('scopePrefix', () => {
  it.each([
    ['tokenward-api/'],
    ['https://api.acme.example/'],
  ])('accepts %j and keeps it', (scopePrefix) => {
    const r = validateAuthorizationServer({ ...base, scopePrefix })
    expect(r.ok && r.config.scopePrefix).toBe(scopePrefix)
  })
  it('is left out when not set (stored configs stay as they were)', () => {
    const r = validateAuthorizationServer(base)
    expect(r.ok && Object.hasOwn(r.config, 'scopePrefix')).toBe(false)
  })
  it.each([
    ['empty', ''],
    ['without the trailing slash', 'tokenward-api'],
    ['with a space', 'tokenward api/'],
    ['with full-width letters', 'ｔｏｋｅｎ/'],
    ['with a quote', 'a"b/'],
    ['not a string', 5],
    ['too long', `${'a'.repeat(256)}/`],
  ])('refuses one %s', (_label, scopePrefix) => {
    const r = validateAuthorizationServer({ ...base, scopePrefix })
    expect(!r.ok && r.issues.map((i) => i.path)).toEqual(['scopePrefix'])
  })
})
