/**
 * Reading an audit log back, one organization at a time: the optional `query` of an
 * {@link AuditSink}, and the pure filter and pager both built-in sinks share.
 *
 * @module
 */
import type { AuditEventShape } from './audit-sink.ts'

/**
 * What to read: one organization's events, newest first, in bounded pages, optionally within a
 * time range and for one actor or action.
 *
 * @example
 * ```ts
 * const q: AuditQuery = { orgId: 'acme', from: 1_767_225_600, action: 'add_server', limit: 50 }
 * ```
 */
export interface AuditQuery {
  /** Only this organization's events (tenant isolation). */
  readonly orgId: string
  /** Seconds since the epoch, inclusive. */
  readonly from?: number | undefined
  /** Seconds since the epoch, exclusive. */
  readonly to?: number | undefined
  /** Exactly this actor: an admin's `actor`, or an API call's admin ID (`oauth-<role>$@<orgId>.<cloudDomain>`) or client ID. */
  readonly actor?: string | undefined
  /** Exactly this action: a change's command type (`add_server`...), or `api_call`. */
  readonly action?: string | undefined
  /** Page size, 1 to {@link maxAuditPageSize}. */
  readonly limit: number
  /** The `next` of the previous page, to read older events. */
  readonly cursor?: string | undefined
}

/**
 * One page of an audit query: newest first, and the cursor of the next (older) page, `null` at
 * the end.
 *
 * @example
 * ```ts
 * const page: AuditPage = { events: [event], next: null }
 * ```
 */
export interface AuditPage<E extends AuditEventShape = AuditEventShape> {
  readonly events: readonly E[]
  readonly next: string | null
}

/**
 * The largest page an audit query returns.
 *
 * @example
 * ```ts
 * const limit = Math.min(requested, maxAuditPageSize)
 * ```
 */
export const maxAuditPageSize = 100

/**
 * The action an audit event stands for: a change's `action`, otherwise its `type` (`api_call`).
 *
 * @example
 * ```ts
 * auditAction({ type: 'api_call', orgId: 'acme' }) // 'api_call'
 * ```
 */
export function auditAction(event: AuditEventShape): string {
  const action = (event as { action?: unknown }).action
  return typeof action === 'string' ? action : event.type
}

/**
 * Who an audit event is about: a change's `actor`, an API call's admin ID, else its client ID.
 *
 * @example
 * ```ts
 * auditActor({ type: 'api_call', orgId: 'acme', adminId: 'oauth-ReadOnly$@acme.zscloud.net' } as never) // 'oauth-ReadOnly$@acme.zscloud.net'
 * ```
 */
export function auditActor(event: AuditEventShape): string | undefined {
  const e = event as { actor?: unknown; adminId?: unknown; clientId?: unknown }
  for (const value of [e.actor, e.adminId, e.clientId]) if (typeof value === 'string' && value !== '') return value
  return undefined
}

/**
 * Answers `query` from events in log order (oldest first), each with its position in the log.
 * Pure. Records of refused cross-tenant access (`admin_access_denied`) are the API owner's and
 * never listed for the organization they targeted.
 *
 * @example
 * ```ts
 * const page = pageAuditEvents(events.map((event, position) => ({ event, position })), { orgId: 'acme', limit: 50 })
 * ```
 */
export function pageAuditEvents<E extends AuditEventShape>(log: readonly { readonly event: E; readonly position: number }[], query: AuditQuery): AuditPage<E> {
  const before = query.cursor === undefined ? Number.POSITIVE_INFINITY : Number(query.cursor)
  const events: E[] = []
  let last = 0
  for (let i = log.length - 1; i >= 0; i--) {
    const { event, position } = log[i] as { event: E; position: number }
    if (position >= before || !matches(event, query)) continue
    // One more match than fits: there is an older page, which starts below the last one shown.
    if (events.length === query.limit) return { events, next: String(last) }
    events.push(event)
    last = position
  }
  return { events, next: null }
}

function matches(event: AuditEventShape, q: AuditQuery): boolean {
  if (event.orgId !== q.orgId || event.type === 'admin_access_denied') return false
  const at = (event as { at?: unknown }).at
  if (q.from !== undefined && !(typeof at === 'number' && at >= q.from)) return false
  if (q.to !== undefined && !(typeof at === 'number' && at < q.to)) return false
  if (q.action !== undefined && auditAction(event) !== q.action) return false
  if (q.actor !== undefined && auditActor(event) !== q.actor) return false
  return true
}

/**
 * Checks a cursor: a position in the log as the sinks write it (a non-negative integer).
 *
 * @example
 * ```ts
 * isAuditCursor('42') // true
 * ```
 */
export function isAuditCursor(value: string): boolean {
  return /^(?:0|[1-9][0-9]{0,15})$/.test(value)
}
