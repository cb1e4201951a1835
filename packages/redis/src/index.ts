/**
 * `@tokenward/redis`: every state port of tokenward on Redis, so several instances of an API act
 * as one — the organization store with its change feed, the fleet-wide API-call counter, JWKS
 * validation receipts, the audit stream, the DPoP and client-assertion replay stores, the shared
 * introspection cache, and the issuer's client and signing-key stores. Connections: one server
 * (`createRedisConnection`), Cluster, Sentinel, or your ioredis client. Node only (it uses
 * node-redis and `node:` modules).
 *
 * @example
 * ```ts
 * import { createRegistryVerifier } from '@tokenward/registry'
 * import { createRedisConnection, createRedisOrganizationStore, createRedisApiCallCounter, createRedisAuditSink } from '@tokenward/redis'
 *
 * const connection = await createRedisConnection({ url: process.env.REDIS_URL!, onEvent: console.warn })
 * const registry = createRegistryVerifier({
 *   store: createRedisOrganizationStore({ connection }),
 *   apiCallCounter: createRedisApiCallCounter({ connection }),
 *   auditSink: createRedisAuditSink({ connection }),
 *   apiCallThreshold: { maxCalls: 10_000, windowSeconds: 3600 },
 *   organizationRecheckMs: 30_000,
 * })
 * ```
 *
 * @module
 */
export { createRedisConnection, type RedisConnection, type RedisConnectionOptions, type RedisEvent } from './connection.ts'
export { createRedisOrganizationStore, type RedisOrganizationStoreOptions } from './organization-store.ts'
export { createRedisApiCallCounter, type RedisApiCallCounterOptions } from './api-call-counter.ts'
export { createRedisReceiptStore, type RedisReceiptStoreOptions } from './receipt-store.ts'
export { createRedisAuditSink, type RedisAuditSinkOptions } from './audit-sink.ts'
export { createRedisClientAssertionReplayStore, createRedisReplayStore, type RedisReplayStoreOptions } from './replay-store.ts'
export { createRedisClientStore, type RedisClientStoreOptions } from './client-store.ts'
export { createRedisSigningKeyStore, type RedisSigningKeyStore, type RedisSigningKeyStoreOptions } from './signing-key-store.ts'
export { createRedisClusterConnection, type RedisClusterConnectionOptions } from './cluster-connection.ts'
export { createIoredisConnection, type IoredisClient, type IoredisConnectionOptions } from './ioredis-connection.ts'
export { createRedisIntrospectionCache, type RedisIntrospectionCacheOptions } from './introspection-cache.ts'
export { createRedisSentinelConnection, type RedisSentinelConnectionOptions } from './sentinel-connection.ts'
