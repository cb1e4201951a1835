/**
 * Audit records: every accepted (and, when the caller wants, every refused) change to an
 * organization, and every authorized API call. Plain JSON-compatible values; configs are redacted
 * with {@link redactForAudit} before they enter a record.
 *
 * @module
 */
import type { AuthorizationServerConfig } from '../config/authorization-server.ts'
import type { CommandType, OrganizationCommand, ProviderCommand } from './organization-command.ts'
import { isProviderCommandType, isServerCommandType } from './organization-command.ts'
import { apiClientsOf } from './api-client.ts'
import { apiClientSnapshot, isApiClientCommandType, isApiRoleCommandType } from './api-client-commands.ts'
import { redactForAudit } from './redact-for-audit.ts'
import type { RuleViolation } from './rule-violation.ts'
import type { Actor, Organization } from './types.ts'

/**
 * A redacted, JSON-compatible view of a server config or of the organization fields a command
 * touched.
 *
 * @example
 * ```ts
 * const snapshot: AuditSnapshot = { suspension: { reason: 'terms_violation', since: 1_700_000_000 } }
 * ```
 */
export type AuditSnapshot = Readonly<Record<string, unknown>>

/**
 * A change to an organization: `authorization_server_change` for server commands (one event per
 * server changed), `organization_change` for provider commands.
 *
 * @example
 * ```ts
 * const e: ChangeAuditEvent = {
 *   type: 'authorization_server_change', action: 'disable_server', orgId: '12345', actor: 'alice',
 *   at: 1_700_000_000, revision: 8, result: 'accepted',
 *   before: { name: 'Okta1', enabled: true }, after: { name: 'Okta1', enabled: false },
 * }
 * ```
 */
export interface ChangeAuditEvent {
  readonly type: 'authorization_server_change' | 'organization_change' | 'api_client_change' | 'api_role_change'
  /** The command type; `unknown` for a refused command whose type was not recognised. */
  readonly action: CommandType | 'unknown'
  readonly orgId: string
  /** The actor's `id`. */
  readonly actor: string
  /** Seconds since the epoch. */
  readonly at: number
  /** The organization's revision after the change (accepted), or its unchanged revision (rejected). */
  readonly revision: number
  /** The redacted server config or organization fields before the change; `null` when there was none. */
  readonly before: AuditSnapshot | null
  /** After the change; `null` when the server was deleted, and always for a rejected change. */
  readonly after: AuditSnapshot | null
  readonly result: 'accepted' | 'rejected'
  /** Rejected changes only: why. */
  readonly violation?: { readonly code: string; readonly message: string }
  /** Rejected changes only: the redacted command as received. */
  readonly request?: unknown
}

/**
 * An API call made with an access token, allowed or denied after the token was read.
 *
 * @example
 * ```ts
 * const e: ApiCallAuditEvent = {
 *   type: 'api_call', orgId: '12345', adminId: 'oauth-ReadOnly$@12345.zscloud.net', clientId: '0oa1',
 *   subject: undefined, authorizationServer: 'Okta1', outcome: 'allowed', at: 1_700_000_000,
 * }
 * ```
 */
export interface ApiCallAuditEvent {
  readonly type: 'api_call'
  readonly orgId: string
  /** `oauth-<role>$@<orgId>.<cloudDomain>`; `undefined` when the call was denied before a role was chosen. */
  readonly adminId: string | undefined
  /** The token's client identifier; `undefined` when it is not known (the token did not verify). */
  readonly clientId: string | undefined
  readonly subject: string | undefined
  /** The name of the authorization server the token was checked against. */
  readonly authorizationServer: string
  readonly outcome: 'allowed' | 'denied'
  /** Denied calls: the error or rule code (e.g. `insufficient_scope`, `api_call_threshold_exceeded`). */
  readonly code?: string
  /** Seconds since the epoch. */
  readonly at: number
}

/**
 * Every audit record tokenward produces; narrow on `type`.
 *
 * @example
 * ```ts
 * function log(e: AuditEvent) { if (e.type === 'api_call') metrics.count(e.outcome); else store.append(e) }
 * ```
 */
export type AuditEvent = ChangeAuditEvent | ApiCallAuditEvent

/**
 * What {@link apiCallAuditEvent} needs.
 *
 * @example
 * ```ts
 * const input: ApiCallAuditInput = { orgId: '12345', authorizationServer: 'Okta1', outcome: 'denied', code: 'insufficient_scope', at: now }
 * ```
 */
export interface ApiCallAuditInput {
  readonly orgId: string
  readonly authorizationServer: string
  readonly outcome: 'allowed' | 'denied'
  readonly at: number
  readonly adminId?: string | undefined
  readonly clientId?: string | undefined
  readonly subject?: string | undefined
  /** Ignored for allowed calls. */
  readonly code?: string | undefined
}

/**
 * Builds the audit record of an API call. `code` is kept only for denied calls; members not
 * given are `undefined`.
 *
 * @example
 * ```ts
 * const token = await verifier.verify(bearer)
 * apiCallAuditEvent({
 *   orgId: org.orgId, authorizationServer: token.authorizationServer, outcome: 'allowed', at: now,
 *   adminId: token.authorization?.adminId, clientId: token.clientId, subject: token.subject,
 * })
 * ```
 */
export function apiCallAuditEvent(input: ApiCallAuditInput): ApiCallAuditEvent {
  return {
    type: 'api_call',
    orgId: input.orgId,
    adminId: input.adminId,
    clientId: input.clientId,
    subject: input.subject,
    authorizationServer: input.authorizationServer,
    outcome: input.outcome,
    ...(input.outcome === 'denied' && input.code !== undefined ? { code: input.code } : {}),
    at: input.at,
  }
}

/**
 * What {@link acceptedChangeEvent} needs.
 *
 * @example
 * ```ts
 * const input: AcceptedChangeInput = { type: 'organization_change', action: 'lift_suspension', organization: next, actor, at: now, before, after }
 * ```
 */
export interface AcceptedChangeInput {
  readonly type: ChangeAuditEvent['type']
  readonly action: CommandType
  /** The organization after the change. */
  readonly organization: Organization
  readonly actor: Actor
  readonly at: number
  readonly before: AuditSnapshot | null
  readonly after: AuditSnapshot | null
}

/**
 * Builds the audit record of an accepted change (its `revision` is the organization's after the
 * change).
 *
 * @example
 * ```ts
 * acceptedChangeEvent({
 *   type: 'authorization_server_change', action: 'delete_server', organization: next, actor, at: now,
 *   before: serverSnapshot(deleted), after: null,
 * })
 * ```
 */
export function acceptedChangeEvent(input: AcceptedChangeInput): ChangeAuditEvent {
  return {
    type: input.type,
    action: input.action,
    orgId: input.organization.orgId,
    actor: input.actor.id,
    at: input.at,
    revision: input.organization.revision,
    before: input.before,
    after: input.after,
    result: 'accepted',
  }
}

/**
 * The redacted audit view of a server config: PEM certificates summarized, secret-like and
 * private key members replaced, `undefined` members dropped.
 *
 * @example
 * ```ts
 * serverSnapshot(config).trustedCertificates // ['CERTIFICATE(1187 base64 chars, MIIBszCC…8xQ0Fw==)']
 * ```
 */
export function serverSnapshot(config: AuthorizationServerConfig): AuditSnapshot {
  return redactForAudit(config) as AuditSnapshot
}

/**
 * Builds the audit record of a refused command. The caller decides whether to record it (e.g.
 * record `permission_denied` and state conflicts, skip malformed requests). `before` is the
 * current state of what the command targeted; `request` is the redacted command.
 *
 * @example
 * ```ts
 * const r = applyCommand(org, command, actor, now)
 * if (!r.ok) await audit.append(rejectedChangeEvent(org, command, actor, r.error, now))
 * ```
 */
export function rejectedChangeEvent(
  org: Organization,
  command: OrganizationCommand,
  actor: Actor,
  violation: RuleViolation,
  now: number,
): ChangeAuditEvent {
  const c = (typeof command === 'object' && command !== null ? command : {}) as { type?: unknown; name?: unknown; clientId?: unknown }
  const serverCommand = isServerCommandType(c.type)
  const clientCommand = isApiClientCommandType(c.type)
  const roleCommand = isApiRoleCommandType(c.type)
  const action = serverCommand || clientCommand || roleCommand || isProviderCommandType(c.type) ? (c.type as CommandType) : 'unknown'
  let before: AuditSnapshot | null = null
  if (clientCommand) {
    const target = typeof c.clientId === 'string' ? apiClientsOf(org).find((x) => x.clientId === c.clientId) : undefined
    before = target === undefined ? null : apiClientSnapshot(target)
  } else if (roleCommand) {
    const categories = typeof c.name === 'string' && Object.hasOwn(org.apiRoles, c.name) ? org.apiRoles[c.name] : undefined
    before = categories === undefined ? null : { name: c.name as string, categories: [...categories] }
  } else if (serverCommand) {
    const target = typeof c.name === 'string' ? org.authorizationServers.find((s) => s.name === c.name) : undefined
    before = target === undefined ? null : serverSnapshot(target)
  } else if (isProviderCommandType(c.type)) {
    before = organizationSnapshot(org, c.type)
  }
  return {
    type: serverCommand ? 'authorization_server_change' : clientCommand ? 'api_client_change' : roleCommand ? 'api_role_change' : 'organization_change',
    action,
    orgId: org.orgId,
    actor: typeof actor === 'object' && actor !== null && typeof actor.id === 'string' ? actor.id : 'unknown',
    at: now,
    revision: org.revision,
    before,
    after: null,
    result: 'rejected',
    violation: { code: violation.code, message: violation.message },
    request: redactForAudit(withoutSecretHash(command)),
  }
}

/**
 * The organization fields a provider command touches, as an audit snapshot.
 *
 * @example
 * ```ts
 * organizationSnapshot(org, 'renew_subscription') // { subscriptionValidUntil: 1_800_000_000 }
 * organizationSnapshot(org, 'suspend') // { suspension: null }
 * ```
 */
export function organizationSnapshot(org: Organization, action: ProviderCommand['type']): AuditSnapshot {
  switch (action) {
    case 'suspend':
    case 'lift_suspension':
      return { suspension: org.suspension === undefined ? null : { reason: org.suspension.reason, since: org.suspension.since } }
    case 'renew_subscription':
      return { subscriptionValidUntil: org.subscriptionValidUntil }
    case 'set_api_roles':
      return { apiRoles: redactForAudit(org.apiRoles) }
  }
}

/** A rejected client command's request is recorded without the hash of the secret it carried. */
function withoutSecretHash(command: unknown): unknown {
  if (typeof command !== 'object' || command === null || !('secretHash' in command)) return command
  const { secretHash: _omitted, ...rest } = command as Record<string, unknown>
  return rest
}
