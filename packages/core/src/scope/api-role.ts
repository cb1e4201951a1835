/**
 * Scopes, roles and the API roles encoded in them as `<cloud>::<orgId>::<apiRole>`.
 *
 * @module
 */
import { InsufficientScopeError } from '../errors.ts'
import { err, ok, type Result } from '../result.ts'

/** An API role granted by a scope or role value `<cloud>::<orgId>::<role>`. */
export interface ApiRole {
  readonly cloud: string
  readonly orgId: string
  readonly role: string
}

/** The scope and role values a token carries. */
export interface TokenGrants {
  /**
   * From `scope` (space-delimited, or an array), `scp` (string or array) and `permissions`
   * (Auth0), in order, without duplicates. Only values that follow RFC 6749's scope-token grammar
   * (printable ASCII without space, `"` or `\`) are scopes; anything else is dropped, never split
   * or repaired.
   */
  readonly scopes: readonly string[]
  /**
   * From `roles` (e.g. Microsoft Entra ID app roles), then Keycloak's `realm_access.roles` and
   * every `resource_access.<client>.roles`, in order, without duplicates.
   */
  readonly roles: readonly string[]
  /** Every well-formed `<cloud>::<orgId>::<role>` value among scopes and roles. */
  readonly apiRoles: readonly ApiRole[]
}

/** How {@link grantsFromClaims} reads a payload. */
export interface GrantOptions {
  /**
   * A prefix every scope value carrying an API role starts with, stripped before the
   * `<cloud>::<orgId>::<role>` parsing (Amazon Cognito issues custom scopes as
   * `<resource-server>/<scope>`, so the prefix is e.g. `tokenward-api/`). When set, a scope value
   * without it grants no API role. Role values (`roles`, `realm_access`, `resource_access`) are
   * parsed as they are.
   */
  readonly scopePrefix?: string | undefined
}

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). An API role part is a scope-token
// without `:` (%x3A), so that `::` separates exactly three parts.
const scopeTokenPattern = /^[\x21\x23-\x5B\x5D-\x7E]+$/
const apiRolePattern = /^([\x21\x23-\x39\x3B-\x5B\x5D-\x7E]+)::([\x21\x23-\x39\x3B-\x5B\x5D-\x7E]+)::([\x21\x23-\x39\x3B-\x5B\x5D-\x7E]+)$/

/**
 * True when `value` is an RFC 6749 scope-token: one or more printable ASCII characters other
 * than space, `"` and `\`.
 *
 * @example
 * ```ts
 * isScopeToken('orders:read') // true
 * isScopeToken('orders read') // false: two scopes, or none
 * isScopeToken('ｒｅａｄ') // false: full-width letters are not ASCII
 * ```
 */
export function isScopeToken(value: string): boolean {
  return scopeTokenPattern.test(value)
}

/**
 * Parses `<cloud>::<orgId>::<apiRole>`: three non-empty parts, each an RFC 6749 scope-token
 * without `:` (printable ASCII; no space, `"`, `\` or `:`). Anything else is `undefined` — never
 * trimmed, normalized or repaired (full-width `１２３４５` is not `12345`).
 *
 * @example
 * ```ts
 * parseApiRole('zscloud::12345::ReadOnly') // { cloud: 'zscloud', orgId: '12345', role: 'ReadOnly' }
 * parseApiRole(' zscloud::12345::ReadOnly') // undefined
 * parseApiRole('zscloud::１２３４５::Admin') // undefined
 * ```
 */
export function parseApiRole(value: string): ApiRole | undefined {
  const match = apiRolePattern.exec(value)
  return match === null ? undefined : { cloud: match[1]!, orgId: match[2]!, role: match[3]! }
}

/**
 * Collects the scopes, roles and API roles of a verified payload. Values of the wrong type are
 * skipped (claim validation has already rejected mistyped `scope`, `scp` and `roles`; Keycloak's
 * `realm_access` and `resource_access` are read only where they have Keycloak's shape).
 *
 * @example
 * ```ts
 * grantsFromClaims({ scp: ['zscloud::12345::ReadOnly', 'openid'] }).apiRoles
 * // [{ cloud: 'zscloud', orgId: '12345', role: 'ReadOnly' }]
 * grantsFromClaims({ scope: 'tokenward-api/zscloud::12345::ReadOnly' }, { scopePrefix: 'tokenward-api/' }).apiRoles
 * // [{ cloud: 'zscloud', orgId: '12345', role: 'ReadOnly' }]
 * ```
 */
export function grantsFromClaims(payload: Readonly<Record<string, unknown>>, options: GrantOptions = {}): TokenGrants {
  const scopes: string[] = []
  const scopeList = new UniqueList(scopes, { scopeTokensOnly: true })
  if (typeof payload.scope === 'string') scopeList.addSpaceDelimited(payload.scope)
  else if (Array.isArray(payload.scope)) scopeList.addStrings(payload.scope)
  const scp = payload.scp
  if (typeof scp === 'string') scopeList.addSpaceDelimited(scp)
  else if (Array.isArray(scp)) scopeList.addStrings(scp)
  // Auth0 RBAC puts API permissions in `permissions` (an array; other shapes are not Auth0's and are ignored).
  if (Array.isArray(payload.permissions)) scopeList.addStrings(payload.permissions)
  const roles: string[] = []
  const roleList = new UniqueList(roles, { scopeTokensOnly: false })
  if (Array.isArray(payload.roles)) roleList.addStrings(payload.roles)
  // Keycloak: realm roles, then each client's roles.
  const realmRoles = keycloakRoles(payload.realm_access)
  if (realmRoles !== undefined) roleList.addStrings(realmRoles)
  const resourceAccess = payload.resource_access
  if (typeof resourceAccess === 'object' && resourceAccess !== null && !Array.isArray(resourceAccess)) {
    for (const client of Object.values(resourceAccess)) {
      const clientRoles = keycloakRoles(client)
      if (clientRoles !== undefined) roleList.addStrings(clientRoles)
    }
  }

  const prefix = options.scopePrefix
  const apiRoles: ApiRole[] = []
  for (const value of scopes) {
    const parsed = prefix === undefined ? parseApiRole(value) : value.startsWith(prefix) ? parseApiRole(value.slice(prefix.length)) : undefined
    if (parsed !== undefined) apiRoles.push(parsed)
  }
  for (const value of roles) {
    // A value that is both a scope and a role grants its API role once.
    if (prefix === undefined && scopeList.has(value)) continue
    const parsed = parseApiRole(value)
    if (parsed === undefined) continue
    if (prefix !== undefined && apiRoles.some((r) => r.cloud === parsed.cloud && r.orgId === parsed.orgId && r.role === parsed.role)) continue
    apiRoles.push(parsed)
  }
  return { scopes, roles, apiRoles }
}

/** Keycloak's `{ roles: string[] }`, or `undefined` for any other shape. */
function keycloakRoles(access: unknown): readonly unknown[] | undefined {
  if (typeof access !== 'object' || access === null || Array.isArray(access)) return undefined
  const roles = (access as { roles?: unknown }).roles
  return Array.isArray(roles) ? roles : undefined
}

/**
 * Appends values to a list once each, in order. Tokens carry a handful of scopes, where scanning
 * the list beats a set; past {@link UniqueList.scanLimit} values a set keeps it linear.
 */
class UniqueList {
  static readonly scanLimit = 16
  private seen: Set<string> | undefined
  private readonly scopeTokensOnly: boolean
  constructor(
    private readonly values: string[],
    options: { readonly scopeTokensOnly: boolean },
  ) {
    this.scopeTokensOnly = options.scopeTokensOnly
  }

  has(value: string): boolean {
    return this.seen === undefined ? this.values.includes(value) : this.seen.has(value)
  }

  add(value: string): void {
    if ((this.scopeTokensOnly && !scopeTokenPattern.test(value)) || this.has(value)) return
    this.values.push(value)
    if (this.seen !== undefined) this.seen.add(value)
    else if (this.values.length > UniqueList.scanLimit) this.seen = new Set(this.values)
  }

  addSpaceDelimited(text: string): void {
    for (const value of text.split(' ')) this.add(value)
  }

  addStrings(values: readonly unknown[]): void {
    for (const value of values) if (typeof value === 'string') this.add(value)
  }
}

/** What an organization grants: its cloud, its ID and the API roles it configured. */
export interface ApiRoleRequirement {
  readonly cloud: string
  readonly orgId: string
  /** The organization's configured API roles (or, for one route, the subset it accepts). */
  readonly allowedRoles: readonly string[]
}

/**
 * Picks the API role that authorizes the call: the first of `allowedRoles` that the token carries
 * for this cloud and organization. Otherwise `insufficient_scope` (403), listing what would pass.
 *
 * @example
 * ```ts
 * const r = authorizeApiRole(grants.apiRoles, { cloud: 'zscloud', orgId: '12345', allowedRoles: ['ReadOnly', 'Admin'] })
 * if (r.ok) console.log(r.value.role)
 * ```
 */
export function authorizeApiRole(apiRoles: readonly ApiRole[], requirement: ApiRoleRequirement): Result<ApiRole, InsufficientScopeError> {
  for (const allowed of requirement.allowedRoles) {
    const match = apiRoles.find((r) => r.role === allowed && r.cloud === requirement.cloud && r.orgId === requirement.orgId)
    if (match !== undefined) return ok(match)
  }
  const requiredScope = requirement.allowedRoles.map((r) => `${requirement.cloud}::${requirement.orgId}::${r}`)
  return err(
    new InsufficientScopeError(`The token carries no API role of organization ${requirement.orgId} that this call accepts`, {
      claim: 'scope',
      expected: requiredScope,
      actual: apiRoles.slice(0, 8).map((r) => `${r.cloud}::${r.orgId}::${r.role}`),
      requiredScope,
    }),
  )
}

/**
 * The admin ID an authorized API call is audited under: `oauth-<role>$@<orgId>.<cloudDomain>`.
 *
 * @example
 * ```ts
 * auditAdminId({ role: 'ReadOnly', orgId: '12345', cloudDomain: 'zscloud.net' }) // 'oauth-ReadOnly$@12345.zscloud.net'
 * ```
 */
export function auditAdminId(input: { readonly role: string; readonly orgId: string; readonly cloudDomain: string }): string {
  return `oauth-${input.role}$@${input.orgId}.${input.cloudDomain}`
}
