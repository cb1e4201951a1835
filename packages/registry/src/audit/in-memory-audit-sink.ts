/**
 * An {@link AuditSink} that keeps the latest events in memory: for tests and for showing recent
 * activity in an admin UI.
 *
 * @module
 */
import type { ConfigIssue } from '@tokenward/core'
import { AuditSinkClosedError, RegistryConfigError } from '../errors.ts'
import { pageAuditEvents, type AuditPage, type AuditQuery } from './audit-query.ts'
import type { AuditEventShape, AuditSink } from './audit-sink.ts'
import { serializeAuditEvent } from './serialize-audit-event.ts'

/**
 * An in-memory audit sink with read access to what it holds.
 *
 * @example
 * ```ts
 * const sink: InMemoryAuditSink<AuditEvent> = createInMemoryAuditSink()
 * ```
 */
export interface InMemoryAuditSink<E extends AuditEventShape = AuditEventShape> extends AuditSink<E> {
  /** Reads the kept events back (see {@link AuditSink.query}). */
  query(query: AuditQuery): Promise<AuditPage<E>>
  /** The recorded events, oldest first (a snapshot: at most `maxEvents`, each a JSON copy). */
  readonly events: readonly E[]
  /** How many of the oldest events were dropped to stay within `maxEvents`. */
  readonly droppedCount: number
}

/**
 * Options of {@link createInMemoryAuditSink}.
 *
 * @example
 * ```ts
 * const options: InMemoryAuditSinkOptions = { maxEvents: 100 }
 * ```
 */
export interface InMemoryAuditSinkOptions {
  /** At most this many events are kept; older ones are dropped first. Default 10 000. */
  readonly maxEvents?: number
}

/**
 * Creates an in-memory audit sink. Each event is checked and copied exactly as a durable sink
 * would store it (through `serializeAuditEvent` and back), so a test using this sink fails on the
 * same events the file sink would refuse.
 *
 * @example
 * ```ts
 * const sink = createInMemoryAuditSink({ maxEvents: 100 })
 * await sink.record({ type: 'server_added', orgId: 'acme' })
 * sink.events // [{ type: 'server_added', orgId: 'acme' }]
 * ```
 */
export function createInMemoryAuditSink<E extends AuditEventShape = AuditEventShape>(
  options: InMemoryAuditSinkOptions = {},
): InMemoryAuditSink<E> {
  const maxEvents = options.maxEvents ?? 10_000
  if (!(Number.isSafeInteger(maxEvents) && maxEvents >= 1)) {
    const issue: ConfigIssue = { path: 'maxEvents', message: 'must be a positive integer' }
    throw new RegistryConfigError([issue])
  }
  const events: E[] = []
  let droppedCount = 0
  let closed = false
  return {
    get events() {
      return events.slice()
    },
    get droppedCount() {
      return droppedCount
    },
    async record(event) {
      if (closed) throw new AuditSinkClosedError()
      events.push(JSON.parse(serializeAuditEvent(event)) as E)
      if (events.length > maxEvents) {
        events.shift()
        droppedCount++
      }
    },
    async query(query) {
      // Positions count from the first event ever recorded, so cursors survive dropped events.
      const page = pageAuditEvents(events.map((event, i) => ({ event, position: droppedCount + i })), query)
      return { events: page.events.map((e) => structuredClone(e)), next: page.next }
    },
    async close() {
      closed = true
    },
  }
}
