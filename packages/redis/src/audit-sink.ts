/**
 * The audit sink on Redis: one Stream entry per record, trimmed to a documented length.
 *
 * @module
 */
import { AuditUnavailableError, type ConfigIssue } from '@tokenward/core'
import { AuditSinkClosedError, serializeAuditEvent, type AuditEventShape, type AuditSink } from '@tokenward/registry'
import { messageOf, type RedisConnection } from './connection.ts'
import { checkStoreOptions } from './store-options.ts'

/** Options of {@link createRedisAuditSink}. */
export interface RedisAuditSinkOptions {
  /** The connection (shared with the other Redis stores). */
  readonly connection: RedisConnection
  /** Prefix of the stream's key (`<prefix>:audit`). Default `tokenward`. */
  readonly keyPrefix?: string | undefined
  /**
   * Retention: the stream keeps about this many of the latest records (`XADD … MAXLEN ~ n`: Redis
   * trims in whole nodes, so slightly more may be kept, never fewer). Default 1 000 000. Ship the
   * stream elsewhere (a consumer group reading it) if you must keep more.
   */
  readonly maxLength?: number | undefined
}

/**
 * Creates an {@link AuditSink} writing to a Redis Stream (`<prefix>:audit`): each record is one
 * entry with the fields `orgId`, `type` and `event` (the JSON of the event), in the order Redis
 * received them, shared by the whole fleet. `record` resolves once Redis acknowledged the entry
 * (durability is then the server's: AOF or replicas). When Redis cannot answer it rejects with
 * `AuditUnavailableError`, which the registry verifier turns into 503 for allowed calls (its
 * default fail-closed audit policy). Read it with `XRANGE`/`XREAD` or a consumer group.
 *
 * @example
 * ```ts
 * const auditSink = createRedisAuditSink({ connection, maxLength: 5_000_000 })
 * const registry = createRegistryVerifier({ store, auditSink })
 * ```
 */
export function createRedisAuditSink<E extends AuditEventShape = AuditEventShape>(options: RedisAuditSinkOptions): AuditSink<E> {
  const maxLength = options.maxLength ?? 1_000_000
  const extra: ConfigIssue[] = []
  if (!(Number.isSafeInteger(maxLength) && maxLength >= 1)) extra.push({ path: 'maxLength', message: 'must be a positive integer' })
  const { redis, keys } = checkStoreOptions(options, extra)
  const key = keys.audit
  const pending = new Set<Promise<unknown>>()
  let closed = false
  return {
    async record(event) {
      if (closed) throw new AuditSinkClosedError()
      const json = serializeAuditEvent(event)
      const write = redis.command(['XADD', key, 'MAXLEN', '~', String(maxLength), '*', 'orgId', event.orgId, 'type', event.type, 'event', json])
      pending.add(write)
      try {
        await write
      } catch (e) {
        redis.report({ type: 'redis_error', operation: 'audit record', message: messageOf(e) })
        throw new AuditUnavailableError('The audit stream could not be written', { cause: e, retryAfterSeconds: 1 })
      } finally {
        pending.delete(write)
      }
    },
    async close() {
      closed = true
      await Promise.allSettled([...pending])
    },
  }
}
