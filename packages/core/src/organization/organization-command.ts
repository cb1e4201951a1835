/**
 * The commands that change an organization, as a discriminated union on `type`. Server commands
 * come from the organization's admins (they need the API Key Management permission); provider
 * commands come from the API owner's own back office or from the system (no permission is
 * checked, but they are audited like every change).
 *
 * @module
 */
import { err, ok, type Result } from '../result.ts'
import type { ClientSecretHash } from './api-client.ts'
import { apiClientCommandTypes, apiRoleCommandTypes, type ApiClientCommand, type ApiRoleCommand } from './api-client-commands.ts'
import { ruleViolation, type RuleViolation } from './rule-violation.ts'
import type { JwksValidationReceipt, SuspensionReason } from './types.ts'

/**
 * Add an authorization server. `server` is the raw config input, validated with
 * `validateAuthorizationServer`. When it omits `enabled`, the new server is enabled only if no
 * other server is; `enabled: true` while another server is enabled is refused.
 *
 * @example
 * ```ts
 * const add: AddServerCommand = { type: 'add_server', server: { name: 'Okta1', jwksUrl: 'https://acme.okta.com/oauth2/v1/keys' }, receipt: await receipts.get(validationId) }
 * ```
 */
export interface AddServerCommand {
  readonly type: 'add_server'
  readonly server: unknown
  /** Required when the config has a `jwksUrl`: the receipt of a successful validation of exactly that source. */
  readonly receipt: JwksValidationReceipt | undefined
}

/**
 * Replace the config of the server named `name`. The new name may differ only if it is free.
 * When the new config omits `enabled`, the server keeps its current flag.
 *
 * @example
 * ```ts
 * const edit: EditServerCommand = { type: 'edit_server', name: 'Okta1', server: { name: 'Okta1', jwks: { keys } }, receipt: undefined }
 * ```
 */
export interface EditServerCommand {
  readonly type: 'edit_server'
  readonly name: string
  readonly server: unknown
  /** Required when the new config has a `jwksUrl`. */
  readonly receipt: JwksValidationReceipt | undefined
}

/**
 * Delete the server named `name` (allowed for the enabled one, with a `clients_lose_access` notice).
 *
 * @example
 * ```ts
 * const del: DeleteServerCommand = { type: 'delete_server', name: 'Okta1' }
 * ```
 */
export interface DeleteServerCommand {
  readonly type: 'delete_server'
  readonly name: string
}

/**
 * Enable the server named `name`.
 *
 * @example
 * ```ts
 * const swap: EnableServerCommand = { type: 'enable_server', name: 'Entra1', switchFromEnabled: true }
 * ```
 */
export interface EnableServerCommand {
  readonly type: 'enable_server'
  readonly name: string
  /** When another server is enabled: `true` disables it and enables this one atomically; otherwise the command is refused. */
  readonly switchFromEnabled?: boolean
}

/**
 * Disable the server named `name`.
 *
 * @example
 * ```ts
 * const off: DisableServerCommand = { type: 'disable_server', name: 'Okta1' }
 * ```
 */
export interface DisableServerCommand {
  readonly type: 'disable_server'
  readonly name: string
}

/**
 * Provider: suspend the organization (every server reads as suspended; every server change is refused).
 *
 * @example
 * ```ts
 * const suspend: SuspendCommand = { type: 'suspend', reason: 'terms_violation' }
 * ```
 */
export interface SuspendCommand {
  readonly type: 'suspend'
  readonly reason: SuspensionReason
}

/**
 * Provider: lift a suspension; the servers return to their stored state.
 *
 * @example
 * ```ts
 * const lift: LiftSuspensionCommand = { type: 'lift_suspension' }
 * ```
 */
export interface LiftSuspensionCommand {
  readonly type: 'lift_suspension'
}

/**
 * Provider: set the subscription's end (seconds since the epoch, exclusive). Any value is accepted, so it also corrects a mistake.
 *
 * @example
 * ```ts
 * const renew: RenewSubscriptionCommand = { type: 'renew_subscription', validUntil: now + 365 * 86400 }
 * ```
 */
export interface RenewSubscriptionCommand {
  readonly type: 'renew_subscription'
  readonly validUntil: number
}

/**
 * Provider: replace the organization's API roles (role name → API resource categories).
 *
 * @example
 * ```ts
 * const roles: SetApiRolesCommand = { type: 'set_api_roles', apiRoles: { ReadOnly: ['reports'], Admin: ['reports', 'policies'] } }
 * ```
 */
export interface SetApiRolesCommand {
  readonly type: 'set_api_roles'
  readonly apiRoles: Readonly<Record<string, readonly string[]>>
}

/**
 * A command from the organization's admins; needs the API Key Management permission.
 *
 * @example
 * ```ts
 * const c: ServerCommand = { type: 'disable_server', name: 'Okta1' }
 * ```
 */
export type ServerCommand = AddServerCommand | EditServerCommand | DeleteServerCommand | EnableServerCommand | DisableServerCommand

/**
 * A command from the API owner or the system; needs no permission, is still audited, and works while suspended or expired.
 *
 * @example
 * ```ts
 * const c: ProviderCommand = { type: 'lift_suspension' }
 * ```
 */
export type ProviderCommand = SuspendCommand | LiftSuspensionCommand | RenewSubscriptionCommand | SetApiRolesCommand

/**
 * Every command `applyCommand` accepts.
 *
 * @example
 * ```ts
 * function describe(c: OrganizationCommand): string {
 *   return c.type === 'enable_server' ? `enable ${c.name}` : c.type
 * }
 * ```
 */
export type OrganizationCommand = ServerCommand | ProviderCommand | ApiClientCommand | ApiRoleCommand

/**
 * The `type` of a command; also the `action` of its audit events.
 *
 * @example
 * ```ts
 * const action: CommandType = 'renew_subscription'
 * ```
 */
export type CommandType = OrganizationCommand['type']

/**
 * Server command types, in a stable order.
 *
 * @example
 * ```ts
 * serverCommandTypes.includes('add_server') // true
 * ```
 */
export const serverCommandTypes: readonly ServerCommand['type'][] = ['add_server', 'edit_server', 'delete_server', 'enable_server', 'disable_server']

/**
 * Provider command types, in a stable order.
 *
 * @example
 * ```ts
 * providerCommandTypes.includes('suspend') // true
 * ```
 */
export const providerCommandTypes: readonly ProviderCommand['type'][] = ['suspend', 'lift_suspension', 'renew_subscription', 'set_api_roles']

/**
 * True when `type` names a server command (one that needs the API Key Management permission and
 * is refused while the organization is suspended or its subscription expired).
 *
 * @example
 * ```ts
 * isServerCommandType('enable_server') // true
 * isServerCommandType('suspend') // false
 * ```
 */
export function isServerCommandType(type: unknown): type is ServerCommand['type'] {
  return (serverCommandTypes as readonly unknown[]).includes(type)
}

/**
 * True when `type` names a provider command.
 *
 * @example
 * ```ts
 * isProviderCommandType('renew_subscription') // true
 * ```
 */
export function isProviderCommandType(type: unknown): type is ProviderCommand['type'] {
  return (providerCommandTypes as readonly unknown[]).includes(type)
}

/**
 * Every suspension reason, in a stable order.
 *
 * @example
 * ```ts
 * suspensionReasons.includes('terms_violation') // true
 * ```
 */
export const suspensionReasons: readonly SuspensionReason[] = ['api_call_threshold_exceeded', 'terms_violation']

/**
 * Checks the shape of a command that may come from JSON and returns a clean copy holding only the
 * members its type defines, or an `invalid_command` violation naming the bad member. Server
 * configs, receipts and API roles are checked later by the rules themselves.
 *
 * @example
 * ```ts
 * validateCommand({ type: 'enable_server', name: 'Okta1', extra: 1 }) // ok({ type: 'enable_server', name: 'Okta1' })
 * validateCommand({ type: 'renew_subscription', validUntil: 'soon' }) // err({ code: 'invalid_command', field: 'validUntil', … })
 * ```
 */
export function validateCommand(input: unknown): Result<OrganizationCommand, RuleViolation> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return err(ruleViolation('invalid_command', 'The command must be an object with a type', { field: '' }))
  }
  const c = input as Record<string, unknown>
  const type = c.type
  const bad = (field: string, message: string): Result<never, RuleViolation> =>
    err(ruleViolation('invalid_command', `${field} ${message}`, { field, actual: typeof c[field] === 'string' || typeof c[field] === 'number' ? c[field] : typeof c[field] }))
  const name = (): Result<string, RuleViolation> => (typeof c.name === 'string' ? ok(c.name) : bad('name', 'must be a server name'))
  switch (type) {
    case 'add_server':
      return ok({ type, server: c.server, receipt: c.receipt as JwksValidationReceipt | undefined })
    case 'edit_server': {
      const n = name()
      return n.ok ? ok({ type, name: n.value, server: c.server, receipt: c.receipt as JwksValidationReceipt | undefined }) : n
    }
    case 'delete_server':
    case 'disable_server': {
      const n = name()
      return n.ok ? ok({ type, name: n.value }) : n
    }
    case 'enable_server': {
      const n = name()
      if (!n.ok) return n
      if (c.switchFromEnabled !== undefined && typeof c.switchFromEnabled !== 'boolean') return bad('switchFromEnabled', 'must be true or false')
      return ok(c.switchFromEnabled === undefined ? { type, name: n.value } : { type, name: n.value, switchFromEnabled: c.switchFromEnabled })
    }
    case 'suspend':
      if (!(suspensionReasons as readonly unknown[]).includes(c.reason)) return bad('reason', `must be one of ${suspensionReasons.join(', ')}`)
      return ok({ type, reason: c.reason as SuspensionReason })
    case 'lift_suspension':
      return ok({ type })
    case 'renew_subscription':
      if (!Number.isSafeInteger(c.validUntil) || (c.validUntil as number) < 0) return bad('validUntil', 'must be a whole number of seconds since the epoch')
      return ok({ type, validUntil: c.validUntil as number })
    case 'set_api_roles':
      if (typeof c.apiRoles !== 'object' || c.apiRoles === null || Array.isArray(c.apiRoles)) return bad('apiRoles', 'must be an object of role name to API resource categories')
      return ok({ type, apiRoles: c.apiRoles as Readonly<Record<string, readonly string[]>> })
    default: {
      const admin = validateApiClientOrRoleCommand(c, bad)
      if (admin !== undefined) return admin
      return bad('type', `must be one of ${[...serverCommandTypes, ...providerCommandTypes, ...apiClientCommandTypes, ...apiRoleCommandTypes].join(', ')}`)
    }
  }
}

function validateApiClientOrRoleCommand(
  c: Record<string, unknown>,
  bad: (field: string, message: string) => Result<never, RuleViolation>,
): Result<OrganizationCommand, RuleViolation> | undefined {
  const type = c.type
  const receipt = c.receipt as JwksValidationReceipt | undefined
  const secretHash = c.secretHash as ClientSecretHash | undefined
  const flag = (field: string): Result<boolean | undefined, RuleViolation> =>
    c[field] === undefined || typeof c[field] === 'boolean' ? ok(c[field] as boolean | undefined) : bad(field, 'must be true or false')
  const withFlag = <T extends object>(value: T, field: string): Result<OrganizationCommand, RuleViolation> => {
    const f = flag(field)
    if (!f.ok) return f
    return ok((f.value === undefined ? value : { ...value, [field]: f.value }) as unknown as OrganizationCommand)
  }
  switch (type) {
    case 'add_api_client':
      return ok({ type, client: c.client, receipt, ...(secretHash === undefined ? {} : { secretHash }) })
    case 'edit_api_client':
    case 'delete_api_client':
    case 'enable_api_client':
    case 'disable_api_client':
    case 'rotate_api_client_secret': {
      if (typeof c.clientId !== 'string') return bad('clientId', 'must be an API client ID')
      const clientId = c.clientId
      if (type === 'edit_api_client') return ok({ type, clientId, client: c.client, receipt, ...(secretHash === undefined ? {} : { secretHash }) })
      if (type === 'rotate_api_client_secret') {
        if (typeof secretHash !== 'object' || secretHash === null) return bad('secretHash', 'must be the hash of the new secret')
        return withFlag({ type, clientId, secretHash }, 'dropPrevious')
      }
      return ok({ type, clientId })
    }
    case 'add_api_role':
      return ok({ type, role: c.role })
    case 'edit_api_role':
    case 'delete_api_role': {
      if (typeof c.name !== 'string') return bad('name', 'must be an API role name')
      return type === 'edit_api_role' ? ok({ type, name: c.name, role: c.role }) : withFlag({ type, name: c.name }, 'detachFromClients')
    }
    default:
      return undefined
  }
}
