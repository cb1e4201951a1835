/**
 * The rules of the organization admins' commands: add, edit, delete, enable and disable an
 * authorization server. At most two servers, at most one enabled, ever; no change while the
 * organization is suspended or its subscription expired; remote key sources only with a fresh
 * validation receipt.
 *
 * @module
 */
import { validateAuthorizationServer, type AuthorizationServerConfig, type ConfigWarning } from '../config/authorization-server.ts'
import { err, ok, type Result } from '../result.ts'
import { acceptedChangeEvent, serverSnapshot, type AuditSnapshot, type ChangeAuditEvent } from './audit-event.ts'
import { unchangedOutcome, type CommandOutcome } from './command-outcome.ts'
import { isJsonEqual } from './json-equal.ts'
import type { Notice } from './notice.ts'
import type {
  AddServerCommand,
  DeleteServerCommand,
  DisableServerCommand,
  EditServerCommand,
  EnableServerCommand,
  ServerCommand,
} from './organization-command.ts'
import { ruleViolation, type RuleViolation } from './rule-violation.ts'
import { requireApiKeyManagement, requireOrganizationWritable } from './permission.ts'
import type { Actor, Organization } from './types.ts'
import { requireValidationReceipt } from './validation-receipt.ts'

/**
 * The most authorization servers an organization may have.
 *
 * @example
 * ```ts
 * if (org.authorizationServers.length >= maxAuthorizationServers) hideAddButton()
 * ```
 */
export const maxAuthorizationServers = 2

/**
 * The preconditions of every server command, in order: the actor holds the API Key Management
 * permission, the organization is not suspended, its subscription has not expired. Returns the
 * first violation, or `undefined`.
 *
 * @example
 * ```ts
 * requireServerChangesAllowed(org, { id: 'bob', permissions: [] }, now) // { code: 'permission_denied', … }
 * ```
 */
export function requireServerChangesAllowed(org: Organization, actor: Actor, now: number): RuleViolation | undefined {
  const denied = requireApiKeyManagement(actor, 'Changing')
  if (denied !== undefined) return denied
  return requireOrganizationWritable(org, now, 'authorization servers')
}


/**
 * Applies one admin command to an organization, checking {@link requireServerChangesAllowed}
 * first. The command's shape must already be valid (see `validateCommand`).
 *
 * @example
 * ```ts
 * applyServerCommand(org, { type: 'delete_server', name: 'Okta1' }, alice, now, 900)
 * // ok({ organization: { …, authorizationServers: [], revision: 8 }, events: [ … ], notices: [ { code: 'clients_lose_access', … } ], changed: true })
 * ```
 */
export function applyServerCommand(
  org: Organization,
  command: ServerCommand,
  actor: Actor,
  now: number,
  receiptMaxAgeSeconds: number,
): Result<CommandOutcome, RuleViolation> {
  const denied = requireServerChangesAllowed(org, actor, now)
  if (denied !== undefined) return err(denied)
  const change = { org, actor, now, receiptMaxAgeSeconds }
  switch (command.type) {
    case 'add_server':
      return addServer(change, command)
    case 'edit_server':
      return editServer(change, command)
    case 'delete_server':
      return deleteServer(change, command)
    case 'enable_server':
      return enableServer(change, command)
    case 'disable_server':
      return disableServer(change, command)
  }
}

interface Change {
  readonly org: Organization
  readonly actor: Actor
  readonly now: number
  readonly receiptMaxAgeSeconds: number
}

function addServer(c: Change, command: AddServerCommand): Result<CommandOutcome, RuleViolation> {
  const servers = c.org.authorizationServers
  if (servers.length >= maxAuthorizationServers) {
    return err(
      ruleViolation('server_limit_reached', `An organization has at most ${maxAuthorizationServers} authorization servers; delete one first`, {
        expected: maxAuthorizationServers,
        actual: servers.length,
      }),
    )
  }
  const validation = validateAuthorizationServer(command.server)
  if (!validation.ok) return err(invalidConfig(validation.issues))
  const enabledServer = servers.find((s) => s.enabled)
  const config = hasExplicitEnabled(command.server) ? validation.config : { ...validation.config, enabled: enabledServer === undefined }
  const duplicate = nameTaken(servers, config.name)
  if (duplicate !== undefined) return err(duplicate)
  if (config.enabled && enabledServer !== undefined) return err(anotherEnabled(enabledServer, config.name))
  const receiptProblem = requireValidationReceipt(config, command.receipt, c.org.orgId, c.now, c.receiptMaxAgeSeconds)
  if (receiptProblem !== undefined) return err(receiptProblem)
  return accepted(c, 'add_server', [...servers, config], [[null, config]], warningNotices(config.name, validation.warnings))
}

function editServer(c: Change, command: EditServerCommand): Result<CommandOutcome, RuleViolation> {
  const servers = c.org.authorizationServers
  const index = servers.findIndex((s) => s.name === command.name)
  const current = servers[index]
  if (current === undefined) return err(notFound(command.name))
  const validation = validateAuthorizationServer(withKeptNonceSecrets(command.server, current))
  if (!validation.ok) return err(invalidConfig(validation.issues))
  const config = hasExplicitEnabled(command.server) ? validation.config : { ...validation.config, enabled: current.enabled }
  const others = servers.filter((_, i) => i !== index)
  const duplicate = nameTaken(others, config.name)
  if (duplicate !== undefined) return err(duplicate)
  const otherEnabled = others.find((s) => s.enabled)
  if (config.enabled && otherEnabled !== undefined) return err(anotherEnabled(otherEnabled, config.name))
  if (isJsonEqual(config, current)) return ok(unchangedOutcome(c.org))
  const receiptProblem = requireValidationReceipt(config, command.receipt, c.org.orgId, c.now, c.receiptMaxAgeSeconds)
  if (receiptProblem !== undefined) return err(receiptProblem)
  const notices: Notice[] = []
  if (current.enabled) {
    notices.push({
      code: 'may_disrupt_clients',
      server: current.name,
      message: `"${current.name}" is the server in use; clients may be refused until their tokens match the new settings`,
    })
    if (!config.enabled) notices.push(loseAccess(current.name))
  }
  notices.push(...warningNotices(config.name, validation.warnings))
  return accepted(c, 'edit_server', servers.with(index, config), [[current, config]], notices)
}

function deleteServer(c: Change, command: DeleteServerCommand): Result<CommandOutcome, RuleViolation> {
  const servers = c.org.authorizationServers
  const current = servers.find((s) => s.name === command.name)
  if (current === undefined) return err(notFound(command.name))
  const notices = current.enabled ? [loseAccess(current.name)] : []
  return accepted(c, 'delete_server', servers.filter((s) => s !== current), [[current, null]], notices)
}

function enableServer(c: Change, command: EnableServerCommand): Result<CommandOutcome, RuleViolation> {
  const servers = c.org.authorizationServers
  const current = servers.find((s) => s.name === command.name)
  if (current === undefined) return err(notFound(command.name))
  if (current.enabled) return ok(unchangedOutcome(c.org))
  const otherEnabled = servers.find((s) => s.enabled)
  if (otherEnabled !== undefined && command.switchFromEnabled !== true) return err(anotherEnabled(otherEnabled, current.name))
  const enabled = { ...current, enabled: true }
  const changes: [AuthorizationServerConfig, AuthorizationServerConfig][] = []
  const notices: Notice[] = []
  let next = servers.map((s) => (s === current ? enabled : s))
  if (otherEnabled !== undefined) {
    const disabled = { ...otherEnabled, enabled: false }
    next = next.map((s) => (s === otherEnabled ? disabled : s))
    changes.push([otherEnabled, disabled])
    notices.push({
      code: 'clients_lose_access',
      server: otherEnabled.name,
      message: `Tokens issued by "${otherEnabled.name}" are no longer accepted; tokens issued by "${current.name}" are`,
    })
  }
  changes.push([current, enabled])
  return accepted(c, 'enable_server', next, changes, notices)
}

function disableServer(c: Change, command: DisableServerCommand): Result<CommandOutcome, RuleViolation> {
  const servers = c.org.authorizationServers
  const current = servers.find((s) => s.name === command.name)
  if (current === undefined) return err(notFound(command.name))
  if (!current.enabled) return ok(unchangedOutcome(c.org))
  const disabled = { ...current, enabled: false }
  return accepted(c, 'disable_server', servers.map((s) => (s === current ? disabled : s)), [[current, disabled]], [loseAccess(current.name)])
}

function accepted(
  c: Change,
  action: ServerCommand['type'],
  servers: readonly AuthorizationServerConfig[],
  changes: readonly (readonly [AuthorizationServerConfig | null, AuthorizationServerConfig | null])[],
  notices: readonly Notice[],
): Result<CommandOutcome, RuleViolation> {
  const organization: Organization = { ...c.org, authorizationServers: servers, revision: c.org.revision + 1 }
  const snapshot = (s: AuthorizationServerConfig | null): AuditSnapshot | null => (s === null ? null : serverSnapshot(s))
  const events: ChangeAuditEvent[] = changes.map(([before, after]) =>
    acceptedChangeEvent({ type: 'authorization_server_change', action, organization, actor: c.actor, at: c.now, before: snapshot(before), after: snapshot(after) }),
  )
  return ok({ organization, events, notices, changed: true })
}

function hasExplicitEnabled(input: unknown): boolean {
  return typeof input === 'object' && input !== null && (input as { enabled?: unknown }).enabled !== undefined
}

function nameTaken(servers: readonly AuthorizationServerConfig[], name: string): RuleViolation | undefined {
  const clash = servers.find((s) => s.name.toLowerCase() === name.toLowerCase())
  if (clash === undefined) return undefined
  return ruleViolation('duplicate_name', `An authorization server named "${clash.name}" already exists (names are compared without regard to case)`, {
    field: 'name',
    actual: name,
  })
}

function anotherEnabled(enabledServer: AuthorizationServerConfig, name: string): RuleViolation {
  return ruleViolation(
    'another_server_enabled',
    `"${enabledServer.name}" is enabled and only one server may be; disable it first, save "${name}" with enabled: false, or switch with switchFromEnabled`,
    { field: 'enabled', actual: enabledServer.name },
  )
}

function notFound(name: string): RuleViolation {
  return ruleViolation('server_not_found', `No authorization server named "${name}"`, { field: 'name', actual: name })
}

function invalidConfig(issues: RuleViolation['issues'] & object): RuleViolation {
  const first = issues[0]
  const summary = first === undefined ? '' : `: ${first.path || '(root)'} ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`
  return ruleViolation('invalid_config', `The authorization server configuration is invalid${summary}`, { issues })
}

function loseAccess(name: string): Notice {
  return { code: 'clients_lose_access', server: name, message: `Tokens issued by "${name}" are no longer accepted` }
}

function warningNotices(server: string, warnings: readonly ConfigWarning[]): Notice[] {
  return warnings.map((w) => ({ code: w.code, server, path: w.path, message: w.message }))
}

/**
 * An edit that keeps a `dpop` section but gives neither `nonceSecret` nor `nonceSecrets` keeps the
 * current ones: admin UIs never see them (server views leave secrets out), so a read-modify-write
 * must not drop them silently. Giving either member replaces them.
 */
function withKeptNonceSecrets(server: unknown, current: AuthorizationServerConfig): unknown {
  const kept = current.dpop?.nonceSecrets
  if (kept === undefined || kept.length === 0 || typeof server !== 'object' || server === null) return server
  const dpop = (server as { dpop?: unknown }).dpop
  if (typeof dpop !== 'object' || dpop === null || Array.isArray(dpop)) return server
  if ('nonceSecret' in dpop || 'nonceSecrets' in dpop) return server
  return { ...server, dpop: { ...dpop, nonceSecrets: kept } }
}
