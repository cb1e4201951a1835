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
