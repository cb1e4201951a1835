/**
 * The organization admins' commands over API clients and API roles (OneAPI): add, edit, delete,
 * enable and disable a client, rotate its secret; add, edit and delete a role and the API resource
 * categories it grants. Same preconditions as the server commands (API Key Management permission,
 * read-only while suspended or expired), same audit, pure. Secrets are generated and hashed by the
 * caller (hashing is slow I/O-like work): a command carries only the hash, and no audit record ever
 * holds a secret or a hash.
 *
 * @module
 */
import type { ConfigIssue } from '../errors.ts'
import { err, ok, type Result } from '../result.ts'
import {
  apiClientsOf,
  maxApiClients,
  maxClientSecrets,
  validateApiClientInput,
  type ApiClientAuthentication,
  type ApiClientInput,
  type ClientSecretHash,
  type OrganizationApiClient,
} from './api-client.ts'
import { acceptedChangeEvent, type AuditSnapshot, type ChangeAuditEvent } from './audit-event.ts'
import { unchangedOutcome, type CommandOutcome } from './command-outcome.ts'
import { isJsonEqual } from './json-equal.ts'
import type { Notice } from './notice.ts'
import { ruleViolation, type RuleViolation } from './rule-violation.ts'
import { requireOrganizationWritable } from './permission.ts'
import { apiKeyManagementPermission, type Actor, type JwksValidationReceipt, type Organization } from './types.ts'
import { requireValidationReceipt } from './validation-receipt.ts'

/**
 * Add an API client. `client` is the raw input (see `validateApiClientInput`); `secretHash` is the
 * hash of a secret the caller generated, required when the client uses `client_secret`; `receipt`
 * is required when it uses a `jwksUrl`.
 *
 * @example
 * ```ts
 * const add: AddApiClientCommand = { type: 'add_api_client', client: { clientId: 'ci', name: 'CI', roles: ['ReadOnly'], authentication: { method: 'client_secret' } }, receipt: undefined, secretHash: hash }
 * ```
 */
export interface AddApiClientCommand {
  readonly type: 'add_api_client'
  readonly client: unknown
  readonly receipt: JwksValidationReceipt | undefined
  readonly secretHash?: ClientSecretHash | undefined
}

/**
 * Replace an API client's name, description, roles and authentication (`clientId` cannot change;
 * an omitted `enabled` keeps the current flag). A client that keeps `client_secret` keeps its
 * secrets; one that switches to it needs `secretHash`. A `jwksUrl` different from the current one
 * needs `receipt`.
 *
 * @example
 * ```ts
 * const edit: EditApiClientCommand = { type: 'edit_api_client', clientId: 'ci', client: { clientId: 'ci', name: 'CI', roles: ['Admin'], authentication: { method: 'client_secret' } }, receipt: undefined }
 * ```
 */
export interface EditApiClientCommand {
  readonly type: 'edit_api_client'
  readonly clientId: string
  readonly client: unknown
  readonly receipt: JwksValidationReceipt | undefined
  readonly secretHash?: ClientSecretHash | undefined
}

/**
 * Delete an API client.
 *
 * @example
 * ```ts
 * const del: DeleteApiClientCommand = { type: 'delete_api_client', clientId: 'ci' }
 * ```
 */
export interface DeleteApiClientCommand {
  readonly type: 'delete_api_client'
  readonly clientId: string
}

/**
 * Enable an API client.
 *
 * @example
 * ```ts
 * const on: EnableApiClientCommand = { type: 'enable_api_client', clientId: 'ci' }
 * ```
 */
export interface EnableApiClientCommand {
  readonly type: 'enable_api_client'
  readonly clientId: string
}

/**
 * Disable an API client: it gets no more tokens.
 *
 * @example
 * ```ts
 * const off: DisableApiClientCommand = { type: 'disable_api_client', clientId: 'ci' }
 * ```
 */
export interface DisableApiClientCommand {
  readonly type: 'disable_api_client'
  readonly clientId: string
}

/**
 * Give a `client_secret` client a new secret (its hash: the caller shows the secret once). The
 * previous secret keeps working beside it (at most two) unless `dropPrevious: true`, which leaves
 * only the new one.
 *
 * @example
 * ```ts
 * const rotate: RotateApiClientSecretCommand = { type: 'rotate_api_client_secret', clientId: 'ci', secretHash: hash, dropPrevious: false }
 * ```
 */
export interface RotateApiClientSecretCommand {
  readonly type: 'rotate_api_client_secret'
  readonly clientId: string
  readonly secretHash: ClientSecretHash
  readonly dropPrevious?: boolean
}

/**
 * Add an API role: `role` is `{ name, categories }` (the API resource categories it grants).
 *
 * @example
 * ```ts
 * const add: AddApiRoleCommand = { type: 'add_api_role', role: { name: 'Auditor', categories: ['reports'] } }
 * ```
 */
export interface AddApiRoleCommand {
  readonly type: 'add_api_role'
  readonly role: unknown
}

/**
 * Replace the API role `name` with `role` (`{ name, categories }`). Renaming a role that API
 * clients use is refused (`role_in_use`): their tokens name it.
 *
 * @example
 * ```ts
 * const edit: EditApiRoleCommand = { type: 'edit_api_role', name: 'Auditor', role: { name: 'Auditor', categories: ['reports', 'logs'] } }
 * ```
 */
export interface EditApiRoleCommand {
  readonly type: 'edit_api_role'
  readonly name: string
  readonly role: unknown
}

/**
 * Delete the API role `name`. Refused with `role_in_use` (listing the clients) while API clients
 * hold it, unless `detachFromClients: true`, which removes it from those clients in the same change.
 *
 * @example
 * ```ts
 * const del: DeleteApiRoleCommand = { type: 'delete_api_role', name: 'Auditor', detachFromClients: true }
 * ```
 */
export interface DeleteApiRoleCommand {
  readonly type: 'delete_api_role'
  readonly name: string
  readonly detachFromClients?: boolean
}

/**
 * A command of the organization admins over API clients.
 *
 * @example
 * ```ts
 * const c: ApiClientCommand = { type: 'disable_api_client', clientId: 'ci' }
 * ```
 */
export type ApiClientCommand =
  | AddApiClientCommand
  | EditApiClientCommand
  | DeleteApiClientCommand
  | EnableApiClientCommand
  | DisableApiClientCommand
  | RotateApiClientSecretCommand

/**
 * A command of the organization admins over API roles.
 *
 * @example
 * ```ts
 * const c: ApiRoleCommand = { type: 'delete_api_role', name: 'Auditor' }
 * ```
 */
export type ApiRoleCommand = AddApiRoleCommand | EditApiRoleCommand | DeleteApiRoleCommand

/**
 * API client command types, in a stable order.
 *
 * @example
 * ```ts
 * apiClientCommandTypes.includes('rotate_api_client_secret') // true
 * ```
 */
export const apiClientCommandTypes: readonly ApiClientCommand['type'][] = [
  'add_api_client',
  'edit_api_client',
  'delete_api_client',
  'enable_api_client',
  'disable_api_client',
  'rotate_api_client_secret',
]

/**
 * API role command types, in a stable order.
 *
 * @example
 * ```ts
 * apiRoleCommandTypes.includes('delete_api_role') // true
 * ```
 */
export const apiRoleCommandTypes: readonly ApiRoleCommand['type'][] = ['add_api_role', 'edit_api_role', 'delete_api_role']

/**
 * True when `type` names an API client command.
 *
 * @example
 * ```ts
 * isApiClientCommandType('enable_api_client') // true
 * ```
 */
export function isApiClientCommandType(type: unknown): type is ApiClientCommand['type'] {
  return (apiClientCommandTypes as readonly unknown[]).includes(type)
}

/**
 * True when `type` names an API role command.
 *
 * @example
 * ```ts
 * isApiRoleCommandType('add_api_role') // true
 * ```
 */
export function isApiRoleCommandType(type: unknown): type is ApiRoleCommand['type'] {
  return (apiRoleCommandTypes as readonly unknown[]).includes(type)
}

/**
 * The preconditions of every API client and API role command, in order: the actor holds the API
 * Key Management permission, the organization is not suspended, its subscription has not expired.
 *
 * @example
 * ```ts
 * requireApiClientChangesAllowed(org, { id: 'bob', permissions: [] }, now) // { code: 'permission_denied', … }
 * ```
 */
export function requireApiClientChangesAllowed(org: Organization, actor: Actor, now: number): RuleViolation | undefined {
  if (!(Array.isArray(actor.permissions) && actor.permissions.includes(apiKeyManagementPermission))) {
    return ruleViolation('permission_denied', `Managing API clients and API roles needs the ${apiKeyManagementPermission} permission`, {
      field: 'actor.permissions',
      expected: apiKeyManagementPermission,
    })
  }
  return requireOrganizationWritable(org, now, 'API clients and roles')
}

/**
 * The redacted picture of an API client for audit records: everything but the secrets, of which
 * only the count and creation times are kept (never a hash).
 *
 * @example
 * ```ts
 * apiClientSnapshot(client).authentication // { method: 'client_secret', secretCount: 2, secretsCreatedAt: [1760000100, 1760000000] }
 * ```
 */
export function apiClientSnapshot(client: OrganizationApiClient): AuditSnapshot {
  const a = client.authentication
  const authentication =
    a.method === 'client_secret'
      ? { method: a.method, secretCount: a.secrets.length, secretsCreatedAt: a.secrets.map((s) => s.createdAt) }
      : 'jwksUrl' in a
        ? { method: a.method, jwksUrl: a.jwksUrl }
        : 'certificate' in a
          ? { method: a.method, certificate: summarize(a.certificate) }
          : { method: a.method, publicKey: typeof a.publicKey === 'string' ? summarize(a.publicKey) : { kty: a.publicKey.kty, kid: a.publicKey.kid ?? null } }
  return {
    clientId: client.clientId,
    name: client.name,
    description: client.description,
    enabled: client.enabled,
    roles: [...client.roles],
    authentication,
  }
}

function summarize(pem: string): string {
  const body = pem.replace(/-----[A-Z ]+-----/g, '').replace(/[^A-Za-z0-9+/=]/g, '')
  return `PEM(${body.length} base64 chars, ${body.slice(0, 8)}…${body.slice(-8)})`
}

interface Change {
  readonly org: Organization
  readonly actor: Actor
  readonly now: number
  readonly receiptMaxAgeSeconds: number
}

/**
 * Applies one API client or API role command, checking {@link requireApiClientChangesAllowed}
 * first. The command's shape must already be valid (see `validateCommand`).
 *
 * @example
 * ```ts
 * applyApiClientCommand(org, { type: 'disable_api_client', clientId: 'ci' }, alice, now, 900)
 * ```
 */
export function applyApiClientCommand(
  org: Organization,
  command: ApiClientCommand | ApiRoleCommand,
  actor: Actor,
  now: number,
  receiptMaxAgeSeconds: number,
): Result<CommandOutcome, RuleViolation> {
  const denied = requireApiClientChangesAllowed(org, actor, now)
  if (denied !== undefined) return err(denied)
  const c: Change = { org, actor, now, receiptMaxAgeSeconds }
  switch (command.type) {
    case 'add_api_client':
      return addClient(c, command)
    case 'edit_api_client':
      return editClient(c, command)
    case 'delete_api_client':
      return deleteClient(c, command)
    case 'enable_api_client':
    case 'disable_api_client':
      return setClientEnabled(c, command.clientId, command.type)
    case 'rotate_api_client_secret':
      return rotateSecret(c, command)
    case 'add_api_role':
      return addRole(c, command)
    case 'edit_api_role':
      return editRole(c, command)
    case 'delete_api_role':
      return deleteRole(c, command)
  }
}

function addClient(c: Change, command: AddApiClientCommand): Result<CommandOutcome, RuleViolation> {
  const clients = apiClientsOf(c.org)
  if (clients.length >= maxApiClients) {
    return err(ruleViolation('client_limit_reached', `An organization has at most ${maxApiClients} API clients; delete one first`, { expected: maxApiClients, actual: clients.length }))
  }
  const v = validateApiClientInput(command.client, Object.keys(c.org.apiRoles))
  if (!v.ok) return err(invalidClient(v.issues))
  const input = v.client
  const clash = clientClash(clients, input.clientId, input.name)
  if (clash !== undefined) return err(clash)
  const authentication = authenticationFor(input.authentication, undefined, command.secretHash, c.now)
  if (!authentication.ok) return authentication
  const receiptProblem = receiptFor(c, input.clientId, authentication.value, undefined, command.receipt)
  if (receiptProblem !== undefined) return err(receiptProblem)
  const client: OrganizationApiClient = {
    clientId: input.clientId,
    name: input.name,
    description: input.description,
    enabled: input.enabled ?? true,
    roles: input.roles,
    authentication: authentication.value,
    createdAt: c.now,
    updatedAt: c.now,
  }
  return acceptedClients(c, 'add_api_client', [...clients, client], [[null, client]], [])
}

function editClient(c: Change, command: EditApiClientCommand): Result<CommandOutcome, RuleViolation> {
  const clients = apiClientsOf(c.org)
  const index = clients.findIndex((x) => x.clientId === command.clientId)
  const current = clients[index]
  if (current === undefined) return err(clientNotFound(command.clientId))
  const raw = typeof command.client === 'object' && command.client !== null && !Array.isArray(command.client) ? (command.client as Record<string, unknown>) : undefined
  // The client ID is the path's; a body may repeat it but never change it.
  const v = validateApiClientInput(raw === undefined ? command.client : { ...raw, clientId: raw.clientId ?? current.clientId }, Object.keys(c.org.apiRoles))
  if (!v.ok) return err(invalidClient(v.issues))
  const input = v.client
  if (input.clientId !== current.clientId) {
    return err(ruleViolation('invalid_config', 'The client ID cannot be changed; delete the client and add a new one', { issues: [{ path: 'clientId', message: `must be ${current.clientId}` }] }))
  }
  const clash = clientClash(clients.filter((_, i) => i !== index), input.clientId, input.name)
  if (clash !== undefined) return err(clash)
  const authentication = authenticationFor(input.authentication, current.authentication, command.secretHash, c.now)
  if (!authentication.ok) return authentication
  const next: OrganizationApiClient = {
    ...current,
    name: input.name,
    description: input.description,
    enabled: input.enabled ?? current.enabled,
    roles: input.roles,
    authentication: authentication.value,
  }
  if (isJsonEqual(next, current)) return ok(unchangedOutcome(c.org))
  const receiptProblem = receiptFor(c, current.clientId, authentication.value, current.authentication, command.receipt)
  if (receiptProblem !== undefined) return err(receiptProblem)
  const updated = { ...next, updatedAt: c.now }
  return acceptedClients(c, 'edit_api_client', clients.with(index, updated), [[current, updated]], [])
}

function deleteClient(c: Change, command: DeleteApiClientCommand): Result<CommandOutcome, RuleViolation> {
  const clients = apiClientsOf(c.org)
  const current = clients.find((x) => x.clientId === command.clientId)
  if (current === undefined) return err(clientNotFound(command.clientId))
  return acceptedClients(c, 'delete_api_client', clients.filter((x) => x !== current), [[current, null]], current.enabled ? [loseAccess(current)] : [])
}

function setClientEnabled(c: Change, clientId: string, action: 'enable_api_client' | 'disable_api_client'): Result<CommandOutcome, RuleViolation> {
  const clients = apiClientsOf(c.org)
  const current = clients.find((x) => x.clientId === clientId)
  if (current === undefined) return err(clientNotFound(clientId))
  const enabled = action === 'enable_api_client'
  if (current.enabled === enabled) return ok(unchangedOutcome(c.org))
  const next = { ...current, enabled, updatedAt: c.now }
  return acceptedClients(c, action, clients.map((x) => (x === current ? next : x)), [[current, next]], enabled ? [] : [loseAccess(current)])
}

function rotateSecret(c: Change, command: RotateApiClientSecretCommand): Result<CommandOutcome, RuleViolation> {
  const clients = apiClientsOf(c.org)
  const current = clients.find((x) => x.clientId === command.clientId)
  if (current === undefined) return err(clientNotFound(command.clientId))
  const a = current.authentication
  if (a.method !== 'client_secret') {
    return err(ruleViolation('not_a_secret_client', `API client "${current.clientId}" authenticates with private_key_jwt, not a client secret`, { field: 'clientId', actual: a.method }))
  }
  if (!isSecretHash(command.secretHash)) return err(ruleViolation('invalid_command', 'secretHash must be the hash of the new secret', { field: 'secretHash' }))
  const fresh = { hash: command.secretHash, createdAt: c.now }
  const secrets = command.dropPrevious === true ? [fresh] : [fresh, ...a.secrets].slice(0, maxClientSecrets)
  const next: OrganizationApiClient = { ...current, authentication: { method: 'client_secret', secrets }, updatedAt: c.now }
  const notices: Notice[] =
    command.dropPrevious === true && a.secrets.length > 0
      ? [{ code: 'may_disrupt_clients', message: `The previous secrets of "${current.clientId}" no longer work; only the new one does` }]
      : []
  return acceptedClients(c, 'rotate_api_client_secret', clients.map((x) => (x === current ? next : x)), [[current, next]], notices)
}

const roleNamePattern = /^[A-Za-z0-9._~-]{1,128}$/
const categoryPattern = /^[\x21-\x7E]{1,128}$/
const maxCategories = 100
const maxApiRoles = 100

function readRole(input: unknown): Result<{ readonly name: string; readonly categories: readonly string[] }, RuleViolation> {
  const issues: ConfigIssue[] = []
  if (typeof input !== 'object' || input === null || Array.isArray(input)) issues.push({ path: '', message: 'must be an object { name, categories }' })
  else {
    const o = input as Record<string, unknown>
    for (const key of Object.keys(o)) if (key !== 'name' && key !== 'categories') issues.push({ path: key, message: 'unknown field' })
    if (typeof o.name !== 'string' || !roleNamePattern.test(o.name) || o.name === '.' || o.name === '..') {
      issues.push({ path: 'name', message: 'must be 1 to 128 characters from A-Z a-z 0-9 . _ ~ -' })
    }
    if (!Array.isArray(o.categories) || o.categories.length > maxCategories) issues.push({ path: 'categories', message: `must be an array of at most ${maxCategories} API resource categories` })
    else {
      o.categories.forEach((category: unknown, i) => {
        if (typeof category !== 'string' || !categoryPattern.test(category)) issues.push({ path: `categories[${i}]`, message: 'must be 1 to 128 printable ASCII characters without spaces' })
      })
      if (new Set(o.categories).size !== o.categories.length) issues.push({ path: 'categories', message: 'must not repeat a category' })
    }
    if (issues.length === 0) return ok({ name: o.name as string, categories: [...(o.categories as string[])] })
  }
  return err(ruleViolation('invalid_config', `The API role is invalid: ${issues[0]?.path || '(root)'} ${issues[0]?.message}`, { issues }))
}

function addRole(c: Change, command: AddApiRoleCommand): Result<CommandOutcome, RuleViolation> {
  const role = readRole(command.role)
  if (!role.ok) return role
  const { name, categories } = role.value
  const existing = Object.keys(c.org.apiRoles)
  if (existing.length >= maxApiRoles) return err(ruleViolation('role_limit_reached', `An organization has at most ${maxApiRoles} API roles`, { expected: maxApiRoles, actual: existing.length }))
  const clash = existing.find((r) => r.toLowerCase() === name.toLowerCase())
  if (clash !== undefined) return err(ruleViolation('duplicate_role', `An API role named "${clash}" already exists (names are compared without regard to case)`, { field: 'name', actual: name }))
  return acceptedRoles(c, 'add_api_role', { ...c.org.apiRoles, [name]: categories }, [[null, { name, categories }]], apiClientsOf(c.org), [], [])
}

function editRole(c: Change, command: EditApiRoleCommand): Result<CommandOutcome, RuleViolation> {
  const current = c.org.apiRoles[command.name]
  if (current === undefined || !Object.hasOwn(c.org.apiRoles, command.name)) return err(roleNotFound(command.name))
  const role = readRole(command.role)
  if (!role.ok) return role
  const { name, categories } = role.value
  if (name !== command.name) {
    const clash = Object.keys(c.org.apiRoles).find((r) => r !== command.name && r.toLowerCase() === name.toLowerCase())
    if (clash !== undefined) return err(ruleViolation('duplicate_role', `An API role named "${clash}" already exists (names are compared without regard to case)`, { field: 'name', actual: name }))
    const users = clientsWithRole(c.org, command.name)
    if (users.length > 0) return err(roleInUse(command.name, users, 'renamed'))
  }
  if (name === command.name && isJsonEqual([...current], categories)) return ok(unchangedOutcome(c.org))
  const apiRoles = Object.fromEntries(Object.entries(c.org.apiRoles).map(([r, cats]) => (r === command.name ? [name, categories] : [r, cats])))
  return acceptedRoles(c, 'edit_api_role', apiRoles, [[{ name: command.name, categories: [...current] }, { name, categories }]], apiClientsOf(c.org), [], [])
}

function deleteRole(c: Change, command: DeleteApiRoleCommand): Result<CommandOutcome, RuleViolation> {
  const current = c.org.apiRoles[command.name]
  if (current === undefined || !Object.hasOwn(c.org.apiRoles, command.name)) return err(roleNotFound(command.name))
  const users = clientsWithRole(c.org, command.name)
  if (users.length > 0 && command.detachFromClients !== true) return err(roleInUse(command.name, users, 'deleted'))
  const apiRoles = Object.fromEntries(Object.entries(c.org.apiRoles).filter(([r]) => r !== command.name))
  const clientChanges: [OrganizationApiClient, OrganizationApiClient][] = []
  const clients = apiClientsOf(c.org).map((client) => {
    if (!client.roles.includes(command.name)) return client
    const next = { ...client, roles: client.roles.filter((r) => r !== command.name), updatedAt: c.now }
    clientChanges.push([client, next])
    return next
  })
  const notices: Notice[] =
    users.length === 0 ? [] : [{ code: 'may_disrupt_clients', message: `API clients ${users.map((u) => `"${u.clientId}"`).join(', ')} no longer hold the role "${command.name}"` }]
  return acceptedRoles(c, 'delete_api_role', apiRoles, [[{ name: command.name, categories: [...current] }, null]], clients, clientChanges, notices)
}

function clientsWithRole(org: Organization, role: string): readonly OrganizationApiClient[] {
  return apiClientsOf(org).filter((client) => client.roles.includes(role))
}

function roleInUse(role: string, users: readonly OrganizationApiClient[], what: 'deleted' | 'renamed'): RuleViolation {
  const list = users.map((u) => `"${u.name}" (${u.clientId})`).join(', ')
  const hint = what === 'deleted' ? '; remove it from them first, or delete with detachFromClients: true' : '; remove it from them first'
  return ruleViolation('role_in_use', `The API role "${role}" cannot be ${what}: API clients ${list} hold it${hint}`, {
    field: 'name',
    actual: users.map((u) => u.clientId),
  })
}

function authenticationFor(
  input: ApiClientInput['authentication'],
  current: ApiClientAuthentication | undefined,
  secretHash: ClientSecretHash | undefined,
  now: number,
): Result<ApiClientAuthentication, RuleViolation> {
  if (input.method !== 'client_secret') return ok(input)
  if (current?.method === 'client_secret') return ok(current)
  if (!isSecretHash(secretHash)) {
    return err(ruleViolation('invalid_command', 'A client_secret client needs the hash of a newly generated secret', { field: 'secretHash' }))
  }
  return ok({ method: 'client_secret', secrets: [{ hash: secretHash, createdAt: now }] })
}

function isSecretHash(value: unknown): value is ClientSecretHash {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const o = value as Record<string, unknown>
  return typeof o.algorithm === 'string' && Object.values(o).every((v) => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)))
}

function receiptFor(
  c: Change,
  clientId: string,
  next: ApiClientAuthentication,
  current: ApiClientAuthentication | undefined,
  receipt: JwksValidationReceipt | undefined,
): RuleViolation | undefined {
  if (!('jwksUrl' in next)) return undefined
  if (current !== undefined && 'jwksUrl' in current && current.jwksUrl === next.jwksUrl) return undefined
  const problem = requireValidationReceipt(
    { name: clientId, jwksUrl: next.jwksUrl, jwksCertificateValidation: true, trustedCertificates: [] },
    receipt,
    c.org.orgId,
    c.now,
    c.receiptMaxAgeSeconds,
  )
  return problem
}

function clientClash(others: readonly OrganizationApiClient[], clientId: string, name: string): RuleViolation | undefined {
  const sameId = others.find((x) => x.clientId === clientId)
  if (sameId !== undefined) return ruleViolation('duplicate_client', `An API client with the ID "${clientId}" already exists`, { field: 'clientId', actual: clientId })
  const sameName = others.find((x) => x.name.toLowerCase() === name.toLowerCase())
  if (sameName !== undefined) {
    return ruleViolation('duplicate_client', `An API client named "${sameName.name}" already exists (names are compared without regard to case)`, { field: 'name', actual: name })
  }
  return undefined
}

function acceptedClients(
  c: Change,
  action: ApiClientCommand['type'],
  apiClients: readonly OrganizationApiClient[],
  changes: readonly (readonly [OrganizationApiClient | null, OrganizationApiClient | null])[],
  notices: readonly Notice[],
): Result<CommandOutcome, RuleViolation> {
  const organization: Organization = { ...c.org, apiClients, revision: c.org.revision + 1 }
  const snapshot = (x: OrganizationApiClient | null): AuditSnapshot | null => (x === null ? null : apiClientSnapshot(x))
  const events: ChangeAuditEvent[] = changes.map(([before, after]) =>
    acceptedChangeEvent({ type: 'api_client_change', action, organization, actor: c.actor, at: c.now, before: snapshot(before), after: snapshot(after) }),
  )
  return ok({ organization, events, notices, changed: true })
}

function acceptedRoles(
  c: Change,
  action: ApiRoleCommand['type'],
  apiRoles: Readonly<Record<string, readonly string[]>>,
  roleChanges: readonly (readonly [AuditSnapshot | null, AuditSnapshot | null])[],
  apiClients: readonly OrganizationApiClient[],
  clientChanges: readonly (readonly [OrganizationApiClient, OrganizationApiClient])[],
  notices: readonly Notice[],
): Result<CommandOutcome, RuleViolation> {
  const organization: Organization = { ...c.org, apiRoles, ...(c.org.apiClients === undefined && clientChanges.length === 0 ? {} : { apiClients }), revision: c.org.revision + 1 }
  const events: ChangeAuditEvent[] = [
    ...roleChanges.map(([before, after]) => acceptedChangeEvent({ type: 'api_role_change', action, organization, actor: c.actor, at: c.now, before, after })),
    ...clientChanges.map(([before, after]) =>
      acceptedChangeEvent({ type: 'api_client_change', action, organization, actor: c.actor, at: c.now, before: apiClientSnapshot(before), after: apiClientSnapshot(after) }),
    ),
  ]
  return ok({ organization, events, notices, changed: true })
}

function invalidClient(issues: readonly ConfigIssue[]): RuleViolation {
  const first = issues[0]
  const summary = first === undefined ? '' : `: ${first.path || '(root)'} ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`
  return ruleViolation('invalid_config', `The API client is invalid${summary}`, { issues })
}

function clientNotFound(clientId: string): RuleViolation {
  return ruleViolation('api_client_not_found', `No API client "${clientId}"`, { field: 'clientId', actual: clientId })
}

function roleNotFound(name: string): RuleViolation {
  return ruleViolation('api_role_not_found', `No API role "${name}"`, { field: 'name', actual: name })
}

function loseAccess(client: OrganizationApiClient): Notice {
  return { code: 'clients_lose_access', message: `API client "${client.clientId}" gets no more tokens` }
}
