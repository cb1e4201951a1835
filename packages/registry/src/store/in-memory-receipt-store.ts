/**
 * A bounded, expiring {@link ReceiptStore} in a `Map`.
 *
 * @module
 */
import type { ConfigIssue, JwksValidationReceipt } from '@tokenward/core'
import { RegistryConfigError } from '../errors.ts'
import type { ReceiptStore } from './receipt-store.ts'

/**
 * Options of {@link createInMemoryReceiptStore}.
 *
 * @example
 * ```ts
 * const options: InMemoryReceiptStoreOptions = { maxEntries: 500, maxAgeSeconds: 900 }
 * ```
 */
export interface InMemoryReceiptStoreOptions {
  /** At most this many receipts are kept; saving one more evicts the oldest. Default 1000. */
  readonly maxEntries?: number
  /** Receipts whose `validatedAt` is older than this are dropped. Default 3600 (one hour). */
  readonly maxAgeSeconds?: number
  /** The clock. Default `() => new Date()`. */
  readonly now?: () => Date
}

const keyOf = (orgId: string, validationId: string): string => JSON.stringify([orgId, validationId])

/**
 * Creates an in-memory receipt store. A receipt expires `maxAgeSeconds` after its `validatedAt`
 * (an already expired receipt is not kept at all); when `maxEntries` receipts are held, expired
 * ones are dropped first, then the oldest. `take` is single use: it removes the receipt in the
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
  const maxAgeSeconds = options.maxAgeSeconds ?? 3600
  const now = options.now ?? (() => new Date())
  const issues: ConfigIssue[] = []
  if (!(Number.isSafeInteger(maxEntries) && maxEntries >= 1)) issues.push({ path: 'maxEntries', message: 'must be a positive integer' })
  if (!(Number.isFinite(maxAgeSeconds) && maxAgeSeconds > 0)) issues.push({ path: 'maxAgeSeconds', message: 'must be a positive number' })
  if (typeof now !== 'function') issues.push({ path: 'now', message: 'must be a function returning a Date' })
  if (issues.length > 0) throw new RegistryConfigError(issues)

  // Insertion order is age order: `save` re-inserts a replaced key at the end.
  const receipts = new Map<string, JwksValidationReceipt>()
  const nowSeconds = (): number => now().getTime() / 1000
  const expired = (receipt: JwksValidationReceipt, at: number): boolean => at - receipt.validatedAt > maxAgeSeconds

  return {
    async save(receipt) {
      const at = nowSeconds()
      if (expired(receipt, at)) return
      const key = keyOf(receipt.orgId, receipt.validationId)
      receipts.delete(key)
      if (receipts.size >= maxEntries) {
        for (const [k, r] of receipts) if (expired(r, at)) receipts.delete(k)
      }
      while (receipts.size >= maxEntries) {
        const oldest = receipts.keys().next()
        if (oldest.done === true) break
        receipts.delete(oldest.value)
      }
      receipts.set(key, structuredClone(receipt))
    },
    async take(orgId, validationId) {
      const key = keyOf(orgId, validationId)
      const receipt = receipts.get(key)
      if (receipt === undefined) return undefined
      receipts.delete(key)
      return expired(receipt, nowSeconds()) ? undefined : receipt
    },
  }
}
