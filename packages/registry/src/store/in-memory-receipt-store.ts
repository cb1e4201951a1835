/**
 * A bounded, expiring {@link ReceiptStore} in a `Map`.
 *
 * @module
 */
import type { ConfigIssue } from '@tokenward/core'
import type { JwksValidationReceipt } from '@tokenward/core/organization'
import { RegistryConfigError } from '../errors.ts'
import type { ReceiptStore } from './receipt-store.ts'

/**
 * Options of {@link createInMemoryReceiptStore}.
 *
 * @example
 * ```ts
 * const options: InMemoryReceiptStoreOptions = { maxEntries: 500, maxEntriesPerOrganization: 10, maxAgeSeconds: 900 }
 * ```
 */
export interface InMemoryReceiptStoreOptions {
  /**
   * At most this many receipts are kept in all; saving one more evicts the oldest receipt of the
   * organization holding the most. Default 1000.
   */
  readonly maxEntries?: number
  /**
   * At most this many receipts per organization; saving one more evicts that organization's
   * oldest, so one organization's "Validate" calls never evict another's receipts. Default 20.
   */
  readonly maxEntriesPerOrganization?: number
  /** Receipts whose `validatedAt` is older than this are dropped. Default 3600 (one hour). */
  readonly maxAgeSeconds?: number
  /** The clock. Default `() => new Date()`. */
  readonly now?: () => Date
}

/**
 * Creates an in-memory receipt store. A receipt expires `maxAgeSeconds` after its `validatedAt`
 * (an already expired receipt is not kept at all). Receipts are bounded per organization
 * (`maxEntriesPerOrganization`: an organization's oldest goes first) and in all (`maxEntries`:
 * expired ones first, then the oldest of the organization holding the most), so a flood of one
 * organization's validations cannot evict another organization's receipts. `take` is single use: it removes the receipt in the
 * same synchronous step that finds it, so two concurrent `take`s never both get it. Receipts are
 * deep-copied on the way in and out.
 *
 * @example
 * ```ts
 * const receipts = createInMemoryReceiptStore({ maxAgeSeconds: 3600 })
 * await receipts.save({ validationId: 'v1', orgId: 'acme', jwksUrl: 'https://idp.example/keys',
 *   jwksCertificateValidation: true, trustedCertificates: [], validatedAt: Date.now() / 1000 })
 * await receipts.take('acme', 'v1') // the receipt, once
 * ```
 */
export function createInMemoryReceiptStore(options: InMemoryReceiptStoreOptions = {}): ReceiptStore {
  const maxEntries = options.maxEntries ?? 1000
  const maxPerOrg = options.maxEntriesPerOrganization ?? 20
  const maxAgeSeconds = options.maxAgeSeconds ?? 3600
  const now = options.now ?? (() => new Date())
  const issues: ConfigIssue[] = []
  if (!(Number.isSafeInteger(maxEntries) && maxEntries >= 1)) issues.push({ path: 'maxEntries', message: 'must be a positive integer' })
  if (!(Number.isSafeInteger(maxPerOrg) && maxPerOrg >= 1)) issues.push({ path: 'maxEntriesPerOrganization', message: 'must be a positive integer' })
  if (!(Number.isFinite(maxAgeSeconds) && maxAgeSeconds > 0)) issues.push({ path: 'maxAgeSeconds', message: 'must be a positive number' })
  if (typeof now !== 'function') issues.push({ path: 'now', message: 'must be a function returning a Date' })
  if (issues.length > 0) throw new RegistryConfigError(issues)

  // Per organization, insertion order is age order: `save` re-inserts a replaced receipt at the end.
  const byOrg = new Map<string, Map<string, JwksValidationReceipt>>()
  let total = 0
  const nowSeconds = (): number => now().getTime() / 1000
  const expired = (receipt: JwksValidationReceipt, at: number): boolean => at - receipt.validatedAt > maxAgeSeconds
  const remove = (orgId: string, receipts: Map<string, JwksValidationReceipt>, validationId: string): void => {
    if (!receipts.delete(validationId)) return
    total--
    if (receipts.size === 0) byOrg.delete(orgId)
  }
  const dropOldest = (orgId: string, receipts: Map<string, JwksValidationReceipt>): void => {
    const oldest = receipts.keys().next()
    if (oldest.done !== true) remove(orgId, receipts, oldest.value)
  }

  return {
    async save(receipt) {
      const at = nowSeconds()
      if (expired(receipt, at)) return
      let own = byOrg.get(receipt.orgId)
      if (own !== undefined) remove(receipt.orgId, own, receipt.validationId)
      own = byOrg.get(receipt.orgId)
      if (own !== undefined) {
        for (const [id, r] of own) if (expired(r, at)) remove(receipt.orgId, own, id)
        while (own.size >= maxPerOrg) dropOldest(receipt.orgId, own)
      }
      if (total >= maxEntries) {
        for (const [orgId, receipts] of byOrg) for (const [id, r] of receipts) if (expired(r, at)) remove(orgId, receipts, id)
      }
      while (total >= maxEntries) {
        let largest: [string, Map<string, JwksValidationReceipt>] | undefined
        for (const entry of byOrg) if (largest === undefined || entry[1].size > largest[1].size) largest = entry
        if (largest === undefined) break
        dropOldest(largest[0], largest[1])
      }
      own = byOrg.get(receipt.orgId) ?? new Map<string, JwksValidationReceipt>()
      byOrg.set(receipt.orgId, own)
      own.set(receipt.validationId, structuredClone(receipt))
      total++
    },
    async take(orgId, validationId) {
      const own = byOrg.get(orgId)
      const receipt = own?.get(validationId)
      if (own === undefined || receipt === undefined) return undefined
      remove(orgId, own, validationId)
      return expired(receipt, nowSeconds()) ? undefined : receipt
    },
  }
}
