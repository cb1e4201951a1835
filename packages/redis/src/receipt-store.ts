/**
 * The receipt store on Redis: one key per receipt, expiring with the receipt, taken with `GETDEL`.
 *
 * @module
 */
import type { ConfigIssue } from '@tokenward/core'
import type { JwksValidationReceipt } from '@tokenward/core/organization'
import { assertStorableOrgId, type ReceiptStore } from '@tokenward/registry'
import { storeCommand, type RedisConnection } from './connection.ts'
import { checkStoreOptions } from './store-options.ts'

/** Options of {@link createRedisReceiptStore}. */
export interface RedisReceiptStoreOptions {
  /** The connection (shared with the other Redis stores). */
  readonly connection: RedisConnection
  /** Prefix of every key. Default `tokenward`. */
  readonly keyPrefix?: string | undefined
  /** Receipts whose `validatedAt` is older than this are gone (the key expires). Default 3600. */
  readonly maxAgeSeconds?: number | undefined
  /** The clock. Default `() => new Date()`. */
  readonly now?: (() => Date) | undefined
}

/**
 * Creates a {@link ReceiptStore} on Redis, so the "Validate" and "Save" of the admin UI may reach
 * different instances. Each receipt is one key that expires `maxAgeSeconds` after its
 * `validatedAt`; `take` is `GETDEL` (Redis 6.2 or later), so of two concurrent takes only one gets
 * it. When Redis cannot answer, both calls reject with `StoreUnavailableError` (503).
 *
 * @example
 * ```ts
 * const receipts = createRedisReceiptStore({ connection })
 * await receipts.save(receipt)
 * await receipts.take(receipt.orgId, receipt.validationId) // the receipt, once, on any instance
 * ```
 */
export function createRedisReceiptStore(options: RedisReceiptStoreOptions): ReceiptStore {
  const maxAgeSeconds = options.maxAgeSeconds ?? 3600
  const now = options.now ?? (() => new Date())
  const extra: ConfigIssue[] = []
  if (!(Number.isFinite(maxAgeSeconds) && maxAgeSeconds > 0)) extra.push({ path: 'maxAgeSeconds', message: 'must be a positive number' })
  if (typeof now !== 'function') extra.push({ path: 'now', message: 'must be a function returning a Date' })
  const { redis, keys } = checkStoreOptions(options, extra)
  return {
    async save(receipt) {
      assertStorableOrgId(receipt.orgId)
      const ttlMs = Math.floor((receipt.validatedAt + maxAgeSeconds) * 1000 - now().getTime())
      if (ttlMs <= 0) return
      const key = keys.receipt(receipt.orgId, receipt.validationId)
      await storeCommand(redis, 'receipt save', () => redis.command(['SET', key, JSON.stringify(receipt), 'PX', String(ttlMs)]))
    },
    async take(orgId, validationId) {
      assertStorableOrgId(orgId)
      const text = await storeCommand(redis, 'receipt take', () => redis.command(['GETDEL', keys.receipt(orgId, validationId)]))
      if (text === null || text === undefined) return undefined
      const receipt = JSON.parse(String(text)) as JwksValidationReceipt
      return now().getTime() / 1000 - receipt.validatedAt > maxAgeSeconds ? undefined : receipt
    },
  }
}
