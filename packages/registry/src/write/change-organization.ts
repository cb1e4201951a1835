/**
 * The registry's one write path: read the organization, apply a command with the organization
 * rules, compare-and-set on its revision, then audit. The admin API's server routes and the
 * registry verifier's threshold suspension both call it; each translates the typed result into
 * its own answer (an HTTP response, a suspension that took effect).
 *
 * @module
 */
import { AuditUnavailableError, StoreUnavailableError } from '@tokenward/core'
import {
  applyCommand,
  rejectedChangeEvent,
  type Actor,
  type ChangeAuditEvent,
  type CommandOutcome,
  type Organization,
  type OrganizationCommand,
  type RuleViolation,
} from '@tokenward/core/organization'
import type { AuditSink } from '../audit/audit-sink.ts'
import { isRegistryError } from '../errors.ts'
import type { OrganizationStore } from '../store/organization-store.ts'

/** At most this many attempts, however many a caller asks for. */
const maxAttempts = 5

/**
 * What to change: which organization, with which command, by whom, at what time, and how to
 * behave on a precondition or a lost revision race.
 *
 * @example
 * ```ts
 * const change: OrganizationChange = { orgId: 'acme', command: { type: 'disable_server', name: 'Okta1' }, actor, now: 1760000000, attempts: 2 }
 * ```
 */
export interface OrganizationChange {
  readonly orgId: string
  readonly command: OrganizationCommand
  readonly actor: Actor
  /** Seconds since the epoch, as the organization rules take it. */
  readonly now: number
  /**
   * A precondition on the revision read (an `If-Match`): when it answers `false`, nothing is
   * applied or written and the result is `precondition_failed`. Default: any revision.
   */
  readonly ifRevision?: (revision: number) => boolean
  /**
   * How many times to try when another write wins the race, each from a fresh read (1 to 5,
   * default 1). Only for commands that mean the same thing on any revision (enable, disable,
   * suspend); an edit of what the admin saw must not be replayed on something else.
   */
  readonly attempts?: number
  /** How old a validation receipt may be, in seconds (the rules' default when absent). */
  readonly receiptMaxAgeSeconds?: number
  /** Also record commands the rules refused (with `rejectedChangeEvent`). Default `true`. */
  readonly auditRefusals?: boolean
}

/**
 * The result of {@link changeOrganization}, as a value (it never rejects for an outage or a
 * refusal):
 * - `changed`: written; `auditError` is set when the change is saved but its audit record is not.
 * - `unchanged`: the organization was already in the requested state; nothing written.
 * - `not_found`: no such organization.
 * - `precondition_failed`: `ifRevision` refused the revision read.
 * - `refused`: the organization rules refused the command (their `status` and `code`).
 * - `conflict`: every attempt lost the compare-and-set race; nothing written.
 * - `unavailable`: the store could not be read or written; nothing written.
 *
 * @example
 * ```ts
 * const r: OrganizationChangeResult = await changeOrganization(store, audit, change)
 * if (r.kind === 'refused') console.log(r.violation.code)
 * ```
 */
export type OrganizationChangeResult =
  | { readonly kind: 'changed'; readonly outcome: CommandOutcome; readonly auditError: AuditUnavailableError | undefined }
  | { readonly kind: 'unchanged'; readonly outcome: CommandOutcome }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'precondition_failed'; readonly currentRevision: number }
  | { readonly kind: 'refused'; readonly violation: RuleViolation; readonly auditError: AuditUnavailableError | undefined }
  | { readonly kind: 'conflict'; readonly readRevision: number; readonly currentRevision: number | undefined }
  | { readonly kind: 'unavailable'; readonly error: StoreUnavailableError }

/**
 * Changes one organization: read → `ifRevision` → `applyCommand` → `put(next, revisionRead)` →
 * every event to `audit`, in order. Nothing is half-written: the store is written once, only
 * after the rules accepted the command and only if nobody wrote meanwhile; a store that throws
 * (I/O error, lock timeout, closed, corrupt document) gives `unavailable` with a
 * `StoreUnavailableError` (503 with `Retry-After` in every answer built from it), its cause
 * kept. Audit records are written only after the change is saved; a failing sink does not undo
 * it but is reported as `auditError`. Programming errors (an unusable `orgId` passed to the
 * store, a wrong revision) are thrown.
 *
 * @example
 * ```ts
 * import { systemActor } from '@tokenward/core/organization'
 *
 * const r = await changeOrganization(store, audit, { orgId: 'acme', command: { type: 'suspend', reason: 'terms_violation' }, actor: systemActor, now: Math.floor(Date.now() / 1000), attempts: 5 })
 * if (r.kind === 'unavailable') throw r.error
 * ```
 */
export async function changeOrganization(
  store: Pick<OrganizationStore, 'get' | 'put'>,
  audit: Pick<AuditSink<ChangeAuditEvent>, 'record'> | undefined,
  change: OrganizationChange,
): Promise<OrganizationChangeResult> {
  const attempts = Math.min(Math.max(Math.trunc(change.attempts ?? 1), 1), maxAttempts)
  for (let attempt = 1; ; attempt++) {
    const org = await storeCall(() => store.get(change.orgId))
    if (org instanceof StoreUnavailableError) return { kind: 'unavailable', error: org }
    if (org === undefined) return { kind: 'not_found' }
    if (change.ifRevision !== undefined && !change.ifRevision(org.revision)) return { kind: 'precondition_failed', currentRevision: org.revision }
    const options = change.receiptMaxAgeSeconds === undefined ? {} : { receiptMaxAgeSeconds: change.receiptMaxAgeSeconds }
    const applied = applyCommand(org, change.command, change.actor, change.now, options)
    if (!applied.ok) {
      const auditError = change.auditRefusals === false ? undefined : await record(audit, [rejectedChangeEvent(org, change.command, change.actor, applied.error, change.now)])
      return { kind: 'refused', violation: applied.error, auditError }
    }
    const outcome = applied.value
    if (!outcome.changed) return { kind: 'unchanged', outcome }
    const put = await storeCall(() => store.put(outcome.organization, org.revision))
    if (put instanceof StoreUnavailableError) return { kind: 'unavailable', error: put }
    if (!put.ok) {
      if (attempt < attempts) continue
      return { kind: 'conflict', readRevision: org.revision, currentRevision: put.currentRevision }
    }
    return { kind: 'changed', outcome, auditError: await record(audit, outcome.events) }
  }
}

/**
 * What a store failure means for a caller: `StoreUnavailableError` (the store could not answer;
 * retry later) for everything a store may throw, except the programming errors that name a bad
 * argument (`invalid_org_id`, `invalid_revision`), which are rethrown. `store` names it in the
 * message (default `organization store`).
 *
 * @example
 * ```ts
 * const org = await storeCall(() => store.get('acme'))
 * if (org instanceof StoreUnavailableError) return unavailable(org)
 * ```
 */
export async function storeCall<T>(call: () => Promise<T>, store = 'organization store'): Promise<T | StoreUnavailableError> {
  try {
    return await call()
  } catch (error) {
    if (isRegistryError(error) && (error.code === 'invalid_org_id' || error.code === 'invalid_revision')) throw error
    const busy = isRegistryError(error) && error.code === 'store_lock_timeout'
    return new StoreUnavailableError(busy ? `The ${store} is busy` : `The ${store} could not be reached`, {
      retryAfterSeconds: busy ? 1 : 5,
      cause: error,
    })
  }
}

async function record(audit: Pick<AuditSink<ChangeAuditEvent>, 'record'> | undefined, events: readonly ChangeAuditEvent[]): Promise<AuditUnavailableError | undefined> {
  if (audit === undefined) return undefined
  try {
    for (const event of events) await audit.record(event)
    return undefined
  } catch (error) {
    return new AuditUnavailableError('The audit record of an organization change could not be written', { cause: error })
  }
}
