/**
 * The option check every plain Redis store shares: a key prefix and a connection, checked when
 * the store is built.
 *
 * @module
 */
import type { ConfigIssue } from '@tokenward/core'
import { RegistryConfigError } from '@tokenward/registry'
import type { RedisConnection } from './connection.ts'
import { defaultKeyPrefix, keyPrefixIssues, keysOf } from './keys.ts'

/** The options a store takes that only name where its keys live. */
interface StoreLocationOptions {
  readonly connection: RedisConnection
  readonly keyPrefix?: string | undefined
}

/**
 * Checks a store's `keyPrefix` and `connection` (throwing `RegistryConfigError` naming each bad
 * field, with the store's own `extra` issues between the two) and returns the connection and the
 * key names under the prefix.
 */
export function checkStoreOptions(options: StoreLocationOptions, extra: readonly ConfigIssue[] = []): { redis: RedisConnection; keys: ReturnType<typeof keysOf> } {
  const prefix = options.keyPrefix ?? defaultKeyPrefix
  const issues: ConfigIssue[] = [...keyPrefixIssues(prefix), ...extra]
  if (options.connection === undefined || typeof options.connection.command !== 'function') {
    issues.push({ path: 'connection', message: 'must be a RedisConnection (createRedisConnection)' })
  }
  if (issues.length > 0) throw new RegistryConfigError(issues)
  return { redis: options.connection, keys: keysOf(prefix) }
}
