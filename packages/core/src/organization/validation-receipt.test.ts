import { describe, expect, it } from 'vitest'
import { defaultReceiptMaxAgeSeconds, requireValidationReceipt } from './validation-receipt.ts'
import { caA, configOf, inline, now, orgId, receiptFor, remote } from './organization.test-support.ts'

const input = remote('Okta1', { trustedCertificates: [caA] })
const config = configOf(input)
const good = receiptFor(input)

describe('requireValidationReceipt', () => {
  it('accepts a matching, fresh receipt; inline keys need none', () => {
    expect(requireValidationReceipt(config, good, orgId, now)).toBeUndefined()
    expect(requireValidationReceipt(configOf(inline('E')), undefined, orgId, now)).toBeUndefined()
  })

  it('tolerates whitespace differences around a PEM', () => {
    expect(requireValidationReceipt(config, { ...good, trustedCertificates: [caA.trim()] }, orgId, now)).toBeUndefined()
  })

  it('uses 15 minutes by default, boundary included', () => {
    expect(defaultReceiptMaxAgeSeconds).toBe(900)
    expect(requireValidationReceipt(config, { ...good, validatedAt: now - 900 }, orgId, now)).toBeUndefined()
    expect(requireValidationReceipt(config, { ...good, validatedAt: now - 901 }, orgId, now)?.code).toBe('validation_expired')
    expect(requireValidationReceipt(config, { ...good, validatedAt: now - 10 }, orgId, now, 5)?.code).toBe('validation_expired')
  })

  it.each([
    ['null', null],
    ['a string', 'v1'],
    ['a NaN date', { ...good, validatedAt: Number.NaN }],
    ['CAs not an array', { ...good, trustedCertificates: caA }],
  ])('treats a malformed receipt (%s) as missing', (_, receipt) => {
    expect(requireValidationReceipt(config, receipt as never, orgId, now)).toMatchObject({ code: 'validation_required', field: 'receipt' })
  })

  it('reports what was expected and found', () => {
    expect(requireValidationReceipt(config, { ...good, orgId: '9' }, orgId, now)).toMatchObject({ code: 'validation_mismatch', expected: orgId, actual: '9' })
    expect(requireValidationReceipt(config, { ...good, validatedAt: now + 3 }, orgId, now)).toMatchObject({ code: 'validation_in_future', actual: now + 3 })
  })
})

describe('requireValidationReceipt for an introspection connection', () => {
  const introspection = {
    endpoint: 'https://as.example/introspect',
    clientId: 'tokenward-rs',
    clientAuthentication: { method: 'client_secret_basic', clientSecret: 's3cr3t-value' },
  }
  // No jwksUrl, no jwks: the server answers opaque tokens by introspection only.
  const opaqueOnly: Record<string, unknown> = { name: 'Ping1', issuer: 'https://as.example', introspection }
  const opaqueConfig = configOf(opaqueOnly)
  const opaqueReceipt = receiptFor(opaqueOnly)

  it('an introspection-only server needs a receipt (it was saved without one before)', () => {
    expect(opaqueConfig.jwksUrl).toBeUndefined()
    expect(requireValidationReceipt(opaqueConfig, undefined, orgId, now)).toMatchObject({ code: 'validation_required', field: 'receipt' })
    expect(requireValidationReceipt(opaqueConfig, undefined, orgId, now)?.message).toContain('introspection endpoint')
    expect(requireValidationReceipt(opaqueConfig, opaqueReceipt, orgId, now)).toBeUndefined()
  })

  it.each([
    ['another endpoint', { endpoint: 'https://as.example/other' }, 'receipt.introspection.endpoint'],
    ['another client ID', { clientId: 'someone-else' }, 'receipt.introspection.clientId'],
    ['another method', { authMethod: 'client_secret_post' }, 'receipt.introspection.authMethod'],
  ])('refuses a receipt for %s', (_, change, field) => {
    const receipt = { ...opaqueReceipt, introspection: { ...opaqueReceipt.introspection!, ...change } }
    expect(requireValidationReceipt(opaqueConfig, receipt, orgId, now)).toMatchObject({ code: 'validation_mismatch', field })
  })

  it('a JWKS-only receipt does not cover a server that also introspects, nor the reverse', () => {
    const both = configOf({ ...remote('Okta1'), introspection })
    const jwksOnly = receiptFor(remote('Okta1'))
    expect(requireValidationReceipt(both, jwksOnly, orgId, now)).toMatchObject({ code: 'validation_mismatch', field: 'receipt.introspection' })
    expect(requireValidationReceipt(opaqueConfig, jwksOnly, orgId, now)).toMatchObject({ code: 'validation_mismatch', field: 'receipt.jwksUrl' })
    const bothReceipt = receiptFor({ ...remote('Okta1'), introspection })
    expect(requireValidationReceipt(both, bothReceipt, orgId, now)).toBeUndefined()
    expect(requireValidationReceipt(configOf(remote('Okta1')), bothReceipt, orgId, now)).toMatchObject({ code: 'validation_mismatch', field: 'receipt.introspection' })
  })

  it('the TLS settings of the receipt still count for introspection-only servers', () => {
    expect(requireValidationReceipt(opaqueConfig, { ...opaqueReceipt, jwksCertificateValidation: false }, orgId, now)).toMatchObject({
      code: 'validation_mismatch',
      field: 'receipt.jwksCertificateValidation',
    })
  })

  it('treats a receipt with neither a JWKS URL nor an introspection connection as malformed', () => {
    const { introspection: _, ...bare } = opaqueReceipt
    expect(requireValidationReceipt(opaqueConfig, bare, orgId, now)).toMatchObject({ code: 'validation_required', field: 'receipt' })
  })
})

describe('requireValidationReceipt for a server whose endpoints come from discovery', () => {
  const discovering = { name: 'Ping1', issuer: 'https://as.example', discovery: true }
  const config = configOf(discovering)
  const validated = { validationId: 'v1', orgId, jwksUrl: 'https://as.example/jwks', discovery: { issuer: 'https://as.example', source: true as const }, jwksCertificateValidation: true, trustedCertificates: [], validatedAt: now - 60 }

  it('needs a receipt even though the config names no JWKS URL or introspection endpoint', () => {
    expect(requireValidationReceipt(config, undefined, orgId, now)).toMatchObject({ code: 'validation_required' })
  })

  it('accepts a receipt for the same issuer and metadata source, whatever endpoints the metadata named', () => {
    expect(requireValidationReceipt(config, validated, orgId, now)).toBeUndefined()
  })

  it('refuses a receipt for another issuer, another metadata URL, or one validated without discovery', () => {
    expect(requireValidationReceipt(config, { ...validated, discovery: { issuer: 'https://evil.example', source: true } }, orgId, now)).toMatchObject({ code: 'validation_mismatch', field: 'receipt.discovery' })
    expect(requireValidationReceipt(config, { ...validated, discovery: { issuer: 'https://as.example', source: 'https://evil.example/meta' } }, orgId, now)).toMatchObject({ code: 'validation_mismatch', field: 'receipt.discovery' })
    const { discovery: _d, ...plain } = validated
    expect(requireValidationReceipt(config, plain, orgId, now)).toMatchObject({ code: 'validation_mismatch', field: 'receipt.discovery' })
  })
})
