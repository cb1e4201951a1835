/**
 * The rules of the provider's commands (the API owner's back office, or the system): suspend,
 * lift a suspension, renew the subscription, set API roles. No permission is checked here — only
 * the provider's own tools may reach these commands — and they work while the organization is
 * suspended or expired. They never touch the authorization servers, so their stored state
 * survives a suspension or an expiry unchanged.
 *
 * @module
 */
import type { ConfigIssue } from '../errors.ts'
import { err, ok, type Result } from '../result.ts'
import { acceptedChangeEvent, organizationSnapshot } from './audit-event.ts'
import { unchangedOutcome, type CommandOutcome } from './command-outcome.ts'
import { isJsonEqual } from './json-equal.ts'
import type { Notice } from './notice.ts'
import type { ProviderCommand } from './organization-command.ts'
import { ruleViolation, type RuleViolation } from './rule-violation.ts'
import { activeServer } from './status.ts'
import type { Actor, Organization } from './types.ts'

const roleName = /^[^\s:]{1,128}$/

/**
 * Applies one provider command. Suspending a suspended organization keeps the first suspension
 * (and its reason); lifting when not suspended, renewing to the same date and setting the same
 * roles change nothing.
 *
 * @example
 * ```ts
 * applyProviderCommand(org, { type: 'suspend', reason: 'terms_violation' }, operator, now)
 * // ok({ organization: { …, suspension: { reason: 'terms_violation', since: now }, revision: 8 }, … })
 * ```
 */
export function applyProviderCommand(org: Organization, command: ProviderCommand, actor: Actor, now: number): Result<CommandOutcome, RuleViolation> {
  const notices: Notice[] = []
  let next: Organization
  switch (command.type) {
    case 'suspend': {
      if (org.suspension !== undefined) return ok(unchangedOutcome(org))
      const active = activeServer(org, now)
      if (active.ok) notices.push({ code: 'clients_lose_access', server: active.server.name, message: `Organization ${org.orgId} is suspended; no access tokens are accepted` })
      next = { ...org, suspension: { reason: command.reason, since: now } }
      break
    }
    case 'lift_suspension':
      if (org.suspension === undefined) return ok(unchangedOutcome(org))
      next = { ...org, suspension: undefined }
      break
    case 'renew_subscription':
      if (org.subscriptionValidUntil === command.validUntil) return ok(unchangedOutcome(org))
      next = { ...org, subscriptionValidUntil: command.validUntil }
      break
    case 'set_api_roles': {
      const issues = apiRoleIssues(command.apiRoles)
      if (issues.length > 0) return err(ruleViolation('invalid_config', 'The API roles are invalid', { issues }))
      const apiRoles = Object.fromEntries(Object.entries(command.apiRoles).map(([role, categories]) => [role, [...categories]]))
      if (isJsonEqual(apiRoles, org.apiRoles)) return ok(unchangedOutcome(org))
      const removed = Object.keys(org.apiRoles).filter((role) => !Object.hasOwn(apiRoles, role))
      if (removed.length > 0) {
        notices.push({ code: 'may_disrupt_clients', message: `Tokens carrying only the removed API roles (${removed.join(', ')}) are no longer accepted` })
      }
      next = { ...org, apiRoles }
      break
    }
  }
  const organization: Organization = { ...next, revision: org.revision + 1 }
  const event = acceptedChangeEvent({
    type: 'organization_change',
    action: command.type,
    organization,
    actor,
    at: now,
    before: organizationSnapshot(org, command.type),
    after: organizationSnapshot(organization, command.type),
  })
  return ok({ organization, events: [event], notices, changed: true })
}

function apiRoleIssues(apiRoles: Readonly<Record<string, unknown>>): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  for (const [role, categories] of Object.entries(apiRoles)) {
    const path = `apiRoles[${JSON.stringify(role)}]`
    if (!roleName.test(role)) issues.push({ path, message: 'role names are 1 to 128 characters without spaces or colons' })
    if (!Array.isArray(categories)) issues.push({ path, message: 'must be an array of API resource categories' })
    else {
      categories.forEach((category: unknown, i) => {
        if (typeof category !== 'string' || category.length === 0) issues.push({ path: `${path}[${i}]`, message: 'must be a non-empty string' })
      })
    }
  }
  return issues
}
