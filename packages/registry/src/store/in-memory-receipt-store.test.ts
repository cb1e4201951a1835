import type { JwksValidationReceipt } from '@tokenward/core'
import { describe, expect, it } from 'vitest'
import { RegistryConfigError } from '../errors.ts'
import { createInMemoryReceiptStore } from './in-memory-receipt-store.ts'

const t0 = 1_760_000_000
const receipt = (validationId: string, orgId = 'acme', validatedAt = t0): JwksValidationReceipt => ({
  validationId,
  orgId,
  jwksUrl: 'https://idp.example/keys',
  jwksCertificateValidation: true,
  trustedCertificates: [],
  validatedAt,
})

function clockAt(seconds: number) {
  const clock = { seconds, now: () => new Date(clock.seconds * 1000) }
  return clock
}

describe('createInMemoryReceiptStore', () => {
  it('hands a receipt out once, to the organization it belongs to', async () => {
    const store = createInMemoryReceiptStore({ now: clockAt(t0).now })
    await store.save(receipt('v1'))
    expect(await store.take('other-org', 'v1')).toBeUndefined()
    expect(await store.take('acme', 'v1')).toEqual(receipt('v1'))
    expect(await store.take('acme', 'v1')).toBeUndefined()
  })

  it('gives a receipt to only one of many concurrent takers', async () => {
    const store = createInMemoryReceiptStore({ now: clockAt(t0).now })
    await store.save(receipt('v1'))
    const taken = await Promise.all(Array.from({ length: 20 }, () => store.take('acme', 'v1')))
    expect(taken.filter((r) => r !== undefined)).toHaveLength(1)
  })

  it('drops receipts older than an hour, measured from validatedAt', async () => {
    const clock = clockAt(t0)
    const store = createInMemoryReceiptStore({ now: clock.now })
    await store.save(receipt('fresh'))
    await store.save(receipt('edge'))
    await store.save(receipt('old', 'acme', t0 - 3601))
    expect(await store.take('acme', 'old')).toBeUndefined()
    clock.seconds = t0 + 3600
    expect(await store.take('acme', 'edge')).toEqual(receipt('edge'))
    clock.seconds = t0 + 3601
    expect(await store.take('acme', 'fresh')).toBeUndefined()
  })

  it('keeps at most maxEntries, evicting expired receipts first, then the oldest', async () => {
    const clock = clockAt(t0)
    const store = createInMemoryReceiptStore({ maxEntries: 3, maxAgeSeconds: 60, now: clock.now })
    await store.save(receipt('expiring', 'acme', t0 - 50))
    await store.save(receipt('a'))
    await store.save(receipt('b'))
    clock.seconds = t0 + 20 // 'expiring' is now 70 s old
    await store.save(receipt('c'))
    expect(await store.take('acme', 'a')).toBeDefined()
    await store.save(receipt('d'))
    await store.save(receipt('e')) // full (b, c, d): evicts b
    expect(await store.take('acme', 'b')).toBeUndefined()
    expect((await Promise.all(['c', 'd', 'e'].map((id) => store.take('acme', id)))).every((r) => r !== undefined)).toBe(true)
  })

  it('stores a copy', async () => {
    const store = createInMemoryReceiptStore({ now: clockAt(t0).now })
    const r = { ...receipt('v1'), trustedCertificates: ['pem-1'] }
    await store.save(r)
    r.trustedCertificates.push('pem-2')
    expect((await store.take('acme', 'v1'))?.trustedCertificates).toEqual(['pem-1'])
  })

  it('names bad options', () => {
    expect(() => createInMemoryReceiptStore({ maxEntries: 0, maxAgeSeconds: Number.NaN })).toThrow(RegistryConfigError)
    expect(() => createInMemoryReceiptStore({ maxEntries: 0 })).toThrow(/maxEntries/)
  })
})
