/**
 * Scope narrowing by RFC 8707 resource indicators: the requested resources are mapped to API
 * resource categories through the same table the API's routes use (`defineApiResources`), and
 * the token gets only the roles that grant them. Pure.
 *
 * @module
 */
import type { ApiResourceTable } from '@tokenward/core'
import { TokenEndpointError } from './token-error.ts'

/** What {@link narrowRolesToResources} decides from. */
export interface ResourceScopeInput {
  /** The roles the request would get without resources (requested, or all of the client's), in order. */
  readonly roles: readonly string[]
  /** Whether the client named these roles in `scope` (then every one must serve a requested resource). */
  readonly requestedExplicitly: boolean
  /** The requested `resource` values (already on the issuer's allow-list). */
  readonly resources: readonly string[]
  /** The API resource table. */
  readonly table: ApiResourceTable
  /** The organization's role name → categories map. */
  readonly apiRoleCategories: Readonly<Record<string, readonly string[]>>
}

/**
 * The roles a token for `resources` may carry. Each resource's categories come from the table
 * (`categoriesAt`, every method of its URL); a resource the table does not map, or reads
 * ambiguously, is `invalid_target`. A resource open to every API role (`category: null`) asks
 * for nothing. The roles kept are those that grant at least one needed category; each needed
 * category must be granted by a kept role, and, when the client named its roles in `scope`, each
 * named role must grant one (`invalid_scope` otherwise: never a token wider or narrower than asked).
 *
 * @example
 * ```ts
 * narrowRolesToResources({ roles: ['ReadOnly', 'Admin'], requestedExplicitly: false, resources: ['https://api.example.com/orgs/12345/policies/1'], table, apiRoleCategories: { ReadOnly: ['reports'], Admin: ['reports', 'policies'] } })
 * // ['Admin']
 * ```
 */
export function narrowRolesToResources(input: ResourceScopeInput): string[] {
  const needed: string[] = []
  for (const resource of input.resources) {
    const at = input.table.categoriesAt(resource)
    if (at.kind === 'refused') {
      throw new TokenEndpointError('invalid_target', `The resource ${JSON.stringify(resource.slice(0, 256))} is not an API resource of this organization (${at.reason === 'unmapped' ? 'no route maps it' : 'its path is ambiguous'})`)
    }
    for (const category of at.categories) if (!needed.includes(category)) needed.push(category)
  }
  if (needed.length === 0) return [...input.roles]
  const grants = (role: string): readonly string[] => {
    const categories = Object.hasOwn(input.apiRoleCategories, role) ? input.apiRoleCategories[role] : undefined
    return Array.isArray(categories) ? categories : []
  }
  const kept = input.roles.filter((role) => grants(role).some((c) => needed.includes(c)))
  if (input.requestedExplicitly) {
    const idle = input.roles.find((role) => !kept.includes(role))
    if (idle !== undefined) throw new TokenEndpointError('invalid_scope', `The role ${JSON.stringify(idle.slice(0, 128))} grants none of the requested resources' API categories (${needed.join(', ')})`)
  }
  const uncovered = needed.find((category) => !kept.some((role) => grants(role).includes(category)))
  if (uncovered !== undefined) throw new TokenEndpointError('invalid_scope', `No role of the client grants the API resource category ${uncovered} that a requested resource needs`)
  return kept
}
