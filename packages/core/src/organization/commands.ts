/**
 * The one entry point for changing an organization: a total function of
 * `(organization, command, actor, now)` that returns the next organization with its audit events
 * and notices, or the rule the command breaks. No clock, no I/O, never throws; the input is never
 * modified.
 *
 * @module
 */
import { err, type Result } from '../result.ts'
import { applyApiClientCommand, isApiClientCommandType, isApiRoleCommandType, type ApiClientCommand, type ApiRoleCommand } from './api-client-commands.ts'
import type { ApplyCommandOptions, CommandOutcome } from './command-outcome.ts'
import { isServerCommandType, validateCommand, type OrganizationCommand, type ProviderCommand, type ServerCommand } from './organization-command.ts'
import { applyProviderCommand } from './provider-commands.ts'
import { ruleViolation, type RuleViolation } from './rule-violation.ts'
import { applyServerCommand } from './server-commands.ts'
import type { Actor, Organization } from './types.ts'
import { defaultReceiptMaxAgeSeconds } from './validation-receipt.ts'

/**
 * Applies `command` by `actor` at `now` (seconds since the epoch) to `org`.
 *
 * Checks, in order: the call is well formed (`invalid_command`: command shape, actor, `now`,
 * options); for server commands, the actor's permission (`permission_denied`), a suspension
 * (`organization_suspended`), an expired subscription (`subscription_expired`), then the
 * command's own rules. Provider commands (`suspend`, `lift_suspension`, `renew_subscription`,
 * `set_api_roles`) need no permission and work in every state; expose them only to the provider's
 * own tools.
 *
 * A command asking for the state the organization is already in (enable an enabled server,
 * disable a disabled one, an edit that changes nothing, suspend a suspended organization, …) is
 * accepted with `changed: false`: same organization, no revision bump, no event — so retries are
 * safe. Every other accepted command bumps `revision` by exactly one and yields at least one
 * audit event.
 *
 * @example
 * ```ts
 * const alice = { id: 'alice', permissions: [apiKeyManagementPermission] }
 * const r = applyCommand(org, { type: 'enable_server', name: 'Entra1', switchFromEnabled: true }, alice, now)
 * if (!r.ok) return res.status(r.error.status).json(r.error)
 * await store.save(r.value.organization, { expectedRevision: org.revision })
 * for (const e of r.value.events) await audit.append(e)
 * ```
 */
export function applyCommand(
  org: Organization,
  command: OrganizationCommand,
  actor: Actor,
  now: number,
  options: ApplyCommandOptions = {},
): Result<CommandOutcome, RuleViolation> {
  const parsed = validateCommand(command)
  if (!parsed.ok) return parsed
  if (typeof actor !== 'object' || actor === null || typeof actor.id !== 'string' || actor.id.length === 0) {
    return err(ruleViolation('invalid_command', 'The actor must have a non-empty id', { field: 'actor.id' }))
  }
  if (!Number.isFinite(now)) return err(ruleViolation('invalid_command', 'now must be a finite number of seconds since the epoch', { field: 'now', actual: String(now) }))
  const maxAge = options.receiptMaxAgeSeconds ?? defaultReceiptMaxAgeSeconds
  if (!(Number.isFinite(maxAge) && maxAge >= 0)) {
    return err(ruleViolation('invalid_command', 'options.receiptMaxAgeSeconds must be a non-negative number', { field: 'options.receiptMaxAgeSeconds', actual: String(maxAge) }))
  }
  const valid = parsed.value
  if (isApiClientCommandType(valid.type) || isApiRoleCommandType(valid.type)) {
    return applyApiClientCommand(org, valid as ApiClientCommand | ApiRoleCommand, actor, now, maxAge)
  }
  return isServerCommandType(valid.type)
    ? applyServerCommand(org, valid as ServerCommand, actor, now, maxAge)
    : applyProviderCommand(org, valid as ProviderCommand, actor, now)
}
