/**
 * What an accepted command produces: the next organization, its audit events and the notices for
 * the admin. Built only by the command rules.
 *
 * @module
 */
import type { ChangeAuditEvent } from './audit-event.ts'
import type { Notice } from './notice.ts'
import type { Organization } from './types.ts'

/**
 * The result of an accepted command. When `changed` is `false` (the command asked for the state
 * the organization is already in), `organization` is the input itself, `events` and `notices` are
 * empty and the revision is unchanged; otherwise the revision is one higher and there is at least
 * one event.
 *
 * @example
 * ```ts
 * const r = applyCommand(org, { type: 'disable_server', name: 'Okta1' }, alice, now)
 * if (r.ok && r.value.changed) await store.save(r.value.organization, { expectedRevision: org.revision })
 * ```
 */
export interface CommandOutcome {
  readonly organization: Organization
  readonly events: readonly ChangeAuditEvent[]
  readonly notices: readonly Notice[]
  readonly changed: boolean
}

/**
 * Options of `applyCommand`.
 *
 * @example
 * ```ts
 * applyCommand(org, command, actor, now, { receiptMaxAgeSeconds: 300 })
 * ```
 */
export interface ApplyCommandOptions {
  /** How old a JWKS validation receipt may be, in seconds. Default 900 (15 minutes). */
  readonly receiptMaxAgeSeconds?: number
}

/**
 * The outcome of a command that changes nothing.
 *
 * @example
 * ```ts
 * if (server.enabled) return ok(unchangedOutcome(org))
 * ```
 */
export function unchangedOutcome(org: Organization): CommandOutcome {
  return { organization: org, events: [], notices: [], changed: false }
}
