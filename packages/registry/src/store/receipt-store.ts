/**
 * The receipt store port: where proofs of a successful JWKS "Validate" wait until the admin saves
 * the server they were made for. Web-standard.
 *
 * @module
 */
import type { JwksValidationReceipt } from '@tokenward/core/organization'

/**
 * Keeps {@link JwksValidationReceipt}s between the admin UI's "Validate" and "Save". A receipt
 * can be taken once: `take` removes it, so one validation authorizes one change.
 *
 * @example
 * ```ts
 * await receipts.save(receipt)
 * const r = await receipts.take('acme', receipt.validationId) // the receipt
 * await receipts.take('acme', receipt.validationId) // undefined: already used
 * ```
 */
export interface ReceiptStore {
  /** Keeps a receipt (replacing one with the same `orgId` and `validationId`). */
  save(receipt: JwksValidationReceipt): Promise<void>
  /** Removes and returns the receipt, or `undefined` if there is none, it was taken, or it expired. */
  take(orgId: string, validationId: string): Promise<JwksValidationReceipt | undefined>
}
