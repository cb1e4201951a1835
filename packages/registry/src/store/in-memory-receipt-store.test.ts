import type { JwksValidationReceipt } from '@tokenward/core/organization'
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

  it("one organization's flood of validations never evicts another organization's receipts", async () => {
    // Before: one global LRU of maxEntries, so org B's 5000 validations pushed org A's receipt out.
    const store = createInMemoryReceiptStore({ maxEntries: 100, now: clockAt(t0).now })
    await store.save(receipt('a-1', 'org-a'))
    await store.save(receipt('c-1', 'org-c'))
    for (let i = 0; i < 5000; i++) await store.save(receipt(`b-${i}`, 'org-b'))
    expect(await store.take('org-a', 'a-1')).toMatchObject({ orgId: 'org-a' })
    expect(await store.take('org-c', 'c-1')).toMatchObject({ orgId: 'org-c' })
    // B keeps its newest receipts, up to the per-organization bound (20 by default).
    expect(await store.take('org-b', 'b-4999')).toBeDefined()
    expect(await store.take('org-b', 'b-4980')).toBeDefined()
    expect(await store.take('org-b', 'b-4979')).toBeUndefined()
  })

  it('when full in all, evicts from the organization holding the most', async () => {
    const store = createInMemoryReceiptStore({ maxEntries: 4, maxEntriesPerOrganization: 3, now: clockAt(t0).now })
    for (const id of ['b-1', 'b-2', 'b-3']) await store.save(receipt(id, 'org-b'))
    await store.save(receipt('a-1', 'org-a'))
    await store.save(receipt('c-1', 'org-c')) // full: org-b holds the most, its oldest goes
    expect(await store.take('org-b', 'b-1')).toBeUndefined()
    expect((await Promise.all([store.take('org-b', 'b-2'), store.take('org-b', 'b-3'), store.take('org-a', 'a-1'), store.take('org-c', 'c-1')])).every((r) => r !== undefined)).toBe(true)
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
    expect(() => createInMemoryReceiptStore({ maxEntriesPerOrganization: 1.5 })).toThrow(/maxEntriesPerOrganization/)
  })
})
