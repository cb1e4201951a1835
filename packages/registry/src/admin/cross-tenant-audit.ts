/**
 * Cross-tenant attempts: an authenticated actor asking for an organization `authorizeOrganization`
 * does not let them manage. The answer stays `404 organization_not_found` (existence is not
 * revealed); the attempt is audited, a bounded number of records per actor and window, the rest
 * counted into the actor's next record.
 *
 * @module
 */
import type { ConfigIssue } from '@tokenward/core'
import type { Actor, ChangeAuditEvent } from '@tokenward/core/organization'
import type { AuditSink } from '../audit/audit-sink.ts'
import type { AdminOperation } from './admin-routes.ts'

/**
 * An authenticated actor asked the admin API about an organization they may not manage.
 *
 * @example
 * ```ts
 * const e: AdminAccessDeniedEvent = { type: 'admin_access_denied', orgId: 'globex', actor: 'alice', operation: 'list_servers', at: 1_760_000_000, unrecordedBefore: 0 }
 * ```
 */
export interface AdminAccessDeniedEvent {
  readonly type: 'admin_access_denied'
  /** The organization asked for (a well-formed ID; it may or may not exist). */
  readonly orgId: string
  /** The actor's `id`. */
  readonly actor: string
  readonly operation: AdminOperation
  /** Seconds since the epoch. */
  readonly at: number
  /** Attempts of this actor left unrecorded (over the bound) since its previous record. */
  readonly unrecordedBefore: number
}

/**
 * Every event the admin API records: organization changes (accepted and refused) and
 * cross-tenant attempts.
 *
 * @example
 * ```ts
 * const sink: AuditSink<AdminAuditEvent> = createInMemoryAuditSink<AdminAuditEvent>()
 * ```
 */
export type AdminAuditEvent = ChangeAuditEvent | AdminAccessDeniedEvent

/**
 * The bound on cross-tenant audit records: at most `maxRecords` per actor in each window of
 * `windowSeconds`; later attempts in the window are counted and reported with the actor's next
 * record (`unrecordedBefore`).
 *
 * @example
 * ```ts
 * const bound: CrossTenantAuditBound = { maxRecords: 10, windowSeconds: 60 }
 * ```
 */
export interface CrossTenantAuditBound {
  readonly maxRecords: number
  readonly windowSeconds: number
}

/** The default bound: 10 records per actor per minute. */
export const defaultCrossTenantAuditBound: CrossTenantAuditBound = Object.freeze({ maxRecords: 10, windowSeconds: 60 })

/** How many actors' windows are remembered at most (the oldest is forgotten first). */
const maxActors = 10_000

/**
 * The problems of a `crossTenantAudit` option, by path.
 *
 * @example
 * ```ts
 * checkCrossTenantAuditBound({ maxRecords: 0, windowSeconds: 60 }, 'crossTenantAudit') // [{ path: 'crossTenantAudit.maxRecords', … }]
 * ```
 */
export function checkCrossTenantAuditBound(value: unknown, path: string): readonly ConfigIssue[] {
  if (value === undefined || value === false) return []
  if (typeof value !== 'object' || value === null) return [{ path, message: 'must be { maxRecords, windowSeconds }, or false to record no cross-tenant attempts' }]
  const { maxRecords, windowSeconds } = value as Partial<CrossTenantAuditBound>
  const issues: ConfigIssue[] = []
  if (!(Number.isSafeInteger(maxRecords) && (maxRecords as number) >= 1 && (maxRecords as number) <= 10_000)) {
    issues.push({ path: `${path}.maxRecords`, message: 'must be an integer from 1 to 10000' })
  }
  if (!(Number.isFinite(windowSeconds) && (windowSeconds as number) >= 1)) issues.push({ path: `${path}.windowSeconds`, message: 'must be at least 1 second' })
  return issues
}

/**
 * Records cross-tenant attempts within a bound; `record` never rejects (a failing sink goes to
 * `onError`), so the 404 answer never depends on the audit.
 *
 * @example
 * ```ts
 * const crossTenant = createCrossTenantAudit(sink, { maxRecords: 10, windowSeconds: 60 }, console.error)
 * await crossTenant.record(actor, 'globex', 'list_servers', Math.floor(Date.now() / 1000))
 * ```
 */
export function createCrossTenantAudit(
  sink: Pick<AuditSink<AdminAuditEvent>, 'record'>,
  bound: CrossTenantAuditBound,
  onError: (error: unknown) => void,
): { record(actor: Actor, orgId: string, operation: AdminOperation, now: number): Promise<void> } {
  // Per actor: the start of its window, records written in it, attempts not recorded since its last record.
  const windows = new Map<string, { start: number; recorded: number; unrecorded: number }>()
  return {
    async record(actor, orgId, operation, now) {
      let w = windows.get(actor.id)
      if (w === undefined || now - w.start >= bound.windowSeconds) {
        const unrecorded = w?.unrecorded ?? 0
        windows.delete(actor.id)
        if (windows.size >= maxActors) windows.delete(windows.keys().next().value as string)
        w = { start: now, recorded: 0, unrecorded }
        windows.set(actor.id, w)
      }
      if (w.recorded >= bound.maxRecords) {
        w.unrecorded++
        return
      }
      w.recorded++
      const unrecordedBefore = w.unrecorded
      w.unrecorded = 0
      try {
        await sink.record({ type: 'admin_access_denied', orgId, actor: actor.id, operation, at: now, unrecordedBefore })
      } catch (error) {
        onError(error)
      }
    },
  }
}
