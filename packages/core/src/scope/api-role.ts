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
  /** From `scope` (space-delimited), `scp` (string or array) and `permissions` (Auth0), in order, without duplicates. */
  readonly scopes: readonly string[]
  /** From `roles` (e.g. Microsoft Entra ID app roles). */
  readonly roles: readonly string[]
  /** Every well-formed `<cloud>::<orgId>::<role>` value among scopes and roles. */
  readonly apiRoles: readonly ApiRole[]
}

const apiRolePattern = /^([^\s:]+)::([^\s:]+)::([^\s:]+)$/

/**
 * Parses `<cloud>::<orgId>::<apiRole>`: three non-empty parts, no `:` inside a part, no
 * whitespace anywhere. Anything else is `undefined` — never trimmed or repaired.
 *
 * @example
 * ```ts
 * parseApiRole('zscloud::12345::ReadOnly') // { cloud: 'zscloud', orgId: '12345', role: 'ReadOnly' }
 * parseApiRole(' zscloud::12345::ReadOnly') // undefined
 * ```
 */
export function parseApiRole(value: string): ApiRole | undefined {
  const match = apiRolePattern.exec(value)
  return match === null ? undefined : { cloud: match[1]!, orgId: match[2]!, role: match[3]! }
}

/**
 * Collects the scopes, roles and API roles of a verified payload. Values of the wrong type are
 * skipped (claim validation has already rejected mistyped `scope`, `scp` and `roles`).
 *
 * @example
 * ```ts
 * grantsFromClaims({ scp: ['zscloud::12345::ReadOnly', 'openid'] }).apiRoles
 * // [{ cloud: 'zscloud', orgId: '12345', role: 'ReadOnly' }]
 * ```
 */
export function grantsFromClaims(payload: Readonly<Record<string, unknown>>): TokenGrants {
  const scopes: string[] = []
  const scopeList = new UniqueList(scopes, { skipEmpty: true })
  if (typeof payload.scope === 'string') scopeList.addSpaceDelimited(payload.scope)
  else if (Array.isArray(payload.scope)) scopeList.addStrings(payload.scope)
  const scp = payload.scp
  if (typeof scp === 'string') scopeList.addSpaceDelimited(scp)
  else if (Array.isArray(scp)) scopeList.addStrings(scp)
  // Auth0 RBAC puts API permissions in `permissions` (an array; other shapes are not Auth0's and are ignored).
  if (Array.isArray(payload.permissions)) scopeList.addStrings(payload.permissions)
  const roles: string[] = []
  if (Array.isArray(payload.roles)) new UniqueList(roles, { skipEmpty: false }).addStrings(payload.roles)

  const apiRoles: ApiRole[] = []
  for (const value of scopes) {
    const parsed = parseApiRole(value)
    if (parsed !== undefined) apiRoles.push(parsed)
  }
  for (const value of roles) {
    // A value that is both a scope and a role grants its API role once.
    if (scopeList.has(value)) continue
    const parsed = parseApiRole(value)
    if (parsed !== undefined) apiRoles.push(parsed)
  }
  return { scopes, roles, apiRoles }
}

/**
 * Appends values to a list once each, in order. Tokens carry a handful of scopes, where scanning
 * the list beats a set; past {@link UniqueList.scanLimit} values a set keeps it linear.
 */
class UniqueList {
  static readonly scanLimit = 16
  private seen: Set<string> | undefined
  private readonly skipEmpty: boolean
  constructor(
    private readonly values: string[],
    options: { readonly skipEmpty: boolean },
  ) {
    this.skipEmpty = options.skipEmpty
  }

  has(value: string): boolean {
    return this.seen === undefined ? this.values.includes(value) : this.seen.has(value)
  }

  add(value: string): void {
    if ((this.skipEmpty && value.length === 0) || this.has(value)) return
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
