/**
 * The organization's API roles as a token request sees them: read from the client store on every
 * request when the store knows them (`ClientStore.apiRolesOf`, as the organization registry's
 * store does), so a role an admin adds, edits or deletes is granted or withheld by a running
 * issuer; else the static `organization` option given when the issuer was built.
 *
 * @module
 */
import { StoreUnavailableError, type OrganizationAccess } from '@tokenward/core'
import type { ClientStore } from '../client/client-store.ts'

/** The roles and the categories each grants, as of one token request. */
export interface CurrentApiRoles {
  /** The organization's API role names. */
  readonly names: ReadonlySet<string>
  /** Role name → the API resource categories it grants. */
  readonly categories: Readonly<Record<string, readonly string[]>>
}

/**
 * A reader of the organization's current API roles: per call from the store when it has
 * `apiRolesOf` (a promise), else always the static roles (returned directly, nothing to wait for).
 * A store that cannot answer is a 503 (the `StoreUnavailableError` the token endpoint maps), never
 * a refusal; an organization the store no longer has has no roles (the client then gets
 * `unauthorized_client`).
 *
 * @example
 * ```ts
 * const rolesNow = createCurrentApiRoles(organization, clients)
 * const { names, categories } = await rolesNow()
 * ```
 */
export function createCurrentApiRoles(organization: OrganizationAccess, clients: ClientStore): () => CurrentApiRoles | Promise<CurrentApiRoles> {
  const fixed: CurrentApiRoles = { names: new Set(organization.apiRoles), categories: organization.apiRoleCategories ?? {} }
  const read = clients.apiRolesOf
  // The static roles are there at once: nothing to wait for.
  if (typeof read !== 'function') return () => fixed
  return async () => {
    let roles: Readonly<Record<string, readonly string[]>> | undefined
    try {
      roles = await read.call(clients, organization.orgId)
    } catch (cause) {
      throw new StoreUnavailableError('The client store did not answer with the organization\'s API roles', { cause, retryAfterSeconds: 5 })
    }
    if (roles === undefined) return { names: new Set(), categories: {} }
    return { names: new Set(Object.keys(roles)), categories: roles }
  }
}
