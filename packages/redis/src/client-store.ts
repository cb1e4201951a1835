/**
 * The issuer's client store on Redis: one hash per organization, client ID → the client as JSON.
 *
 * @module
 */
import type { ApiClient, ClientStore } from '@tokenward/issuer'
import { assertStorableOrgId } from '@tokenward/registry'
import { storeCommand, type RedisConnection } from './connection.ts'
import { checkStoreOptions } from './store-options.ts'

/**
 * Options of {@link createRedisClientStore}.
 *
 * @example
 * ```ts
 * const options: RedisClientStoreOptions = { connection, keyPrefix: 'orders-api' }
 * ```
 */
export interface RedisClientStoreOptions {
  /** The connection (shared with the other Redis stores). */
  readonly connection: RedisConnection
  /** Prefix of every key. Default `tokenward`. */
  readonly keyPrefix?: string | undefined
}

/**
 * Creates the issuer's `ClientStore` on Redis, so every instance of a token endpoint sees the same
 * API clients (and a disabled or deleted client is refused everywhere at once). Each organization's
 * clients are one hash `{<prefix>:org:<orgId>}:clients` (the organization's hash tag, so it shares
 * its Cluster slot), client ID → the client as JSON; `put` and `delete` are one command each. It
 * passes the issuer's `clientStoreContract` unchanged.
 *
 * When Redis cannot answer, every call rejects with `StoreUnavailableError`: the token endpoint
 * answers 503 `temporarily_unavailable`, and an admin write is refused with nothing half-written.
 * Client secrets are stored as their slow hashes only (as `defineApiClient` makes them).
 *
 * @example
 * ```ts
 * import { createIssuer } from '@tokenward/issuer'
 * const issuer = createIssuer({ ...options, clients: createRedisClientStore({ connection }) })
 * ```
 */
export function createRedisClientStore(options: RedisClientStoreOptions): ClientStore {
  const { redis, keys } = checkStoreOptions(options)
  const keyOf = (orgId: string): string => {
    assertStorableOrgId(orgId)
    return keys.clients(orgId)
  }
  return {
    async get(orgId, clientId) {
      const text = await storeCommand(redis, 'client get', () => redis.command(['HGET', keyOf(orgId), clientId]))
      return text === null || text === undefined ? undefined : (JSON.parse(String(text)) as ApiClient)
    },
    async list(orgId) {
      const texts = (await storeCommand(redis, 'client list', () => redis.command(['HVALS', keyOf(orgId)]))) as unknown[]
      return texts
        .map((t) => JSON.parse(String(t)) as ApiClient)
        .sort((a, b) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0))
    },
    async put(orgId, client) {
      await storeCommand(redis, 'client put', () => redis.command(['HSET', keyOf(orgId), client.clientId, JSON.stringify(client)]))
    },
    async delete(orgId, clientId) {
      return Number(await storeCommand(redis, 'client delete', () => redis.command(['HDEL', keyOf(orgId), clientId]))) === 1
    },
  }
}
