/**
 * RBAC over API resources: a token may call a route of category C when one of its API roles of the
 * organization grants C in the organization's `apiRoles` (role name → categories).
 *
 * @module
 */
import { InsufficientScopeError } from '../errors.ts'
import { err, type Result } from '../result.ts'
import { authorizeApiRole, type ApiRole } from './api-role.ts'

/**
 * What one call requires of a token's API roles.
 *
 * @example
 * ```ts
 * const requirement: ApiResourceRequirement = {
 *   cloud: 'zscloud', orgId: '12345', apiRoles: { ReadOnly: ['reports'], Admin: ['reports', 'policies'] }, category: 'policies',
 * }
 * ```
 */
export interface ApiResourceRequirement {
  readonly cloud: string
  readonly orgId: string
  /** The organization's API roles: role name → the API resource categories it grants. */
  readonly apiRoles: Readonly<Record<string, readonly string[]>>
  /** The category the call serves. */
  readonly category: string
  /** When set, only these roles count (e.g. a route's `requiredRoles`); they must also grant the category. */
  readonly allowedRoles?: readonly string[] | undefined
}

/**
 * The organization's roles that grant `category`, in the order the organization lists them
 * (optionally only among `allowedRoles`).
 *
 * @example
 * ```ts
 * rolesGrantingCategory({ ReadOnly: ['reports'], Admin: ['reports', 'policies'] }, 'reports') // ['ReadOnly', 'Admin']
 * ```
 */
export function rolesGrantingCategory(apiRoles: Readonly<Record<string, readonly string[]>>, category: string, allowedRoles?: readonly string[]): string[] {
  const out: string[] = []
  for (const role of Object.keys(apiRoles)) {
    const categories = apiRoles[role]
    if (!Array.isArray(categories) || !categories.includes(category)) continue
    if (allowedRoles !== undefined && !allowedRoles.includes(role)) continue
    out.push(role)
  }
  return out
}

/**
 * Decides one call: the first API role of the token, for this cloud and organization, that grants
 * the call's category. Otherwise 403 `insufficient_scope` whose message names the category and
 * whose `requiredScope` (the challenge's `scope`) lists the `<cloud>::<orgId>::<role>` values that
 * would pass (none when no role of the organization grants it). Roles of another organization or
 * cloud never count.
 *
 * @example
 * ```ts
 * const r = authorizeApiResource(token.apiRoles, { cloud: 'zscloud', orgId: '12345', apiRoles: org.apiRoles, category: 'reports' })
 * if (!r.ok) console.log(r.error.requiredScope) // ['zscloud::12345::ReadOnly', 'zscloud::12345::Admin']
 * ```
 */
export function authorizeApiResource(apiRoles: readonly ApiRole[], requirement: ApiResourceRequirement): Result<ApiRole, InsufficientScopeError> {
  const granting = rolesGrantingCategory(requirement.apiRoles, requirement.category, requirement.allowedRoles)
  const decision = authorizeApiRole(apiRoles, { cloud: requirement.cloud, orgId: requirement.orgId, allowedRoles: granting })
  if (decision.ok) return decision
  const requiredScope = decision.error.requiredScope
  const needed = requiredScope.length === 0 ? `no API role of organization ${requirement.orgId} grants it` : `it needs one of ${requiredScope.join(' ')}`
  return err(
    new InsufficientScopeError(`This call serves the API resource category ${requirement.category}: ${needed}`, {
      claim: 'scope',
      expected: requiredScope,
      actual: decision.error.actual,
      requiredScope,
    }),
  )
}

/**
 * The refusal for a request that the API resource table maps to no category (or reads
 * ambiguously): 403 `insufficient_scope`, since no API role can be shown to grant it.
 *
 * @example
 * ```ts
 * const error = unmappedResourceError('unmapped') // 403, 'No API resource category is defined for this method and path'
 * ```
 */
export function unmappedResourceError(reason: 'unmapped' | 'ambiguous'): InsufficientScopeError {
  return new InsufficientScopeError(
    reason === 'unmapped'
      ? 'No API resource category is defined for this method and path, and the API refuses unmapped requests'
      : 'The request path can be read as more than one API resource (dot segments, encoded separators or case)',
    { claim: 'scope', expected: reason === 'unmapped' ? 'a mapped API resource' : 'an unambiguous path', actual: reason },
  )
}
