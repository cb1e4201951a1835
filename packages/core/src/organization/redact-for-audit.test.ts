import { describe, expect, it } from 'vitest'
import { redactForAudit, redactedValue, summarizePem } from './redact-for-audit.ts'
import { caA, caB } from './organization.test-support.ts'

describe('summarizePem', () => {
  it('gives label, base64 length and both ends', () => {
    const body = caA.replace(/-----[A-Z ]+-----/g, '').replace(/\s/g, '')
    expect(summarizePem(caA)).toBe(`CERTIFICATE(${body.length} base64 chars, ${body.slice(0, 8)}…${body.slice(-8)})`)
    expect(summarizePem(caA)).not.toBe(summarizePem(caB))
  })

  it('summarizes each block of a bundle and never shows a private key', () => {
    const key = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n'
    const s = summarizePem(caA + key)
    expect(s).toMatch(/^CERTIFICATE\(.*\) \+ PRIVATE KEY\(\[redacted\]\)$/)
    expect(s).not.toContain('MIIEvQIB')
  })

  it('says when it cannot parse', () => {
    expect(summarizePem('-----BEGIN CERTIFICATE----- oops')).toBe('PEM(unparsable, 32 chars)')
  })
})

describe('redactForAudit', () => {
  it.each<[string, unknown, unknown]>([
    ['secret-like names', { clientSecret: 's', PASSWORD: 'p', privateKey: 'k', name: 'n' }, { clientSecret: redactedValue, PASSWORD: redactedValue, privateKey: redactedValue, name: 'n' }],
    ['nested secret-like names', { a: [{ api_secret: 'x' }] }, { a: [{ api_secret: redactedValue }] }],
    ['private JWK members', { kty: 'RSA', n: 'abc', e: 'AQAB', d: 'x', p: 'x', q: 'x', dp: 'x', dq: 'x', qi: 'x' }, { kty: 'RSA', n: 'abc', e: 'AQAB', d: redactedValue, p: redactedValue, q: redactedValue, dp: redactedValue, dq: redactedValue, qi: redactedValue }],
    ['symmetric JWK', { kty: 'oct', k: 'c2VjcmV0' }, { kty: 'oct', k: redactedValue }],
    ['d outside a JWK is kept', { d: 4 }, { d: 4 }],
    ['undefined members dropped', { a: undefined, b: 1 }, { b: 1 }],
    ['undefined in arrays becomes null', [undefined], [null]],
    ['non-JSON values', { f: () => 1, n: Number.NaN, b: 1n }, { f: '[function]', n: 'NaN', b: '[bigint]' }],
  ])('%s', (_, input, expected) => {
    expect(redactForAudit(input)).toEqual(expected)
  })

  it('summarizes PEM strings anywhere', () => {
    const out = redactForAudit({ trustedCertificates: [caA], note: caB }) as { trustedCertificates: string[]; note: string }
    expect(JSON.stringify(out)).not.toContain('BEGIN')
    expect(out.trustedCertificates[0]).toBe(summarizePem(caA))
  })

  it('bounds long strings, long arrays, wide objects and deep nesting', () => {
    expect(redactForAudit('x'.repeat(600))).toBe(`${'x'.repeat(64)}…(600 chars)`)
    const arr = redactForAudit(Array.from({ length: 25 }, (_, i) => i)) as unknown[]
    expect(arr).toHaveLength(21)
    expect(arr[20]).toBe('…(5 more)')
    const wide = redactForAudit(Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${i}`, i]))) as Record<string, unknown>
    expect(Object.keys(wide)).toHaveLength(51)
    let deep: unknown = 'bottom'
    for (let i = 0; i < 20; i++) deep = { deep }
    expect(JSON.stringify(redactForAudit(deep))).toContain('[too deep]')
  })

  it('survives a cycle', () => {
    const a: Record<string, unknown> = { name: 'a' }
    a.self = a
    expect(JSON.stringify(redactForAudit(a))).toContain('[too deep]')
  })
})
