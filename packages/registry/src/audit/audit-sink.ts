/**
 * The audit sink port: where every accepted (and refused) organization change is recorded.
 * Web-standard. Generic over the event type, so it carries whatever events the organization
 * rules produce; all it relies on is a `type` and an `orgId`.
 *
 * @module
 */
import type { AuditPage, AuditQuery } from './audit-query.ts'

/**
 * The least an audit event must have: what happened and to which organization. Everything else
 * is the event's own business, but must be JSON-serializable (see `serializeAuditEvent`).
 *
 * @example
 * ```ts
 * const e: AuditEventShape = { type: 'authorization_server_added', orgId: 'acme' }
 * ```
 */
export interface AuditEventShape {
  readonly type: string
  readonly orgId: string
}

/**
 * Records audit events. `record` resolves once the event is stored as durably as the sink
 * promises (for the JSON-lines file sink: written and, by default, fsynced) and rejects with
 * `AuditEventNotSerializableError` for an event that JSON cannot represent faithfully, or
 * `AuditSinkClosedError` after `close()`. Events are recorded in the order `record` was called.
 *
 * @example
 * ```ts
 * async function addServer(sink: AuditSink<AuditEvent>) {
 *   // ... store.put(...) succeeded
 *   await sink.record({ type: 'authorization_server_added', orgId: 'acme', actorId: 'u-1', at: 1760000000 })
 * }
 * ```
 */
export interface AuditSink<E extends AuditEventShape = AuditEventShape> {
  record(event: E): Promise<void>
  /** Waits for pending records, then releases resources; later `record`s reject. */
  close(): Promise<void>
  /**
   * Optional: reads one organization's recorded events back, newest first, a bounded page at a
   * time (the admin API's audit log route needs it). Both built-in sinks have it. Typed by shape
   * only: a log shared by several writers may hold events of other types too.
   */
  query?(query: AuditQuery): Promise<AuditPage>
}
