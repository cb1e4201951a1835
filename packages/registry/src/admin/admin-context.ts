/**
 * What every admin operation works with: the request, the authenticated actor, the path
 * parameters and the options; plus reading the organization and the time.
 *
 * @module
 */
import type { Actor, Organization } from '@tokenward/core/organization'
import { StoreUnavailableError } from '@tokenward/core'
import { storeCall } from '../write/change-organization.ts'
import type { ResolvedAdminApiOptions } from './admin-api-options.ts'
import { errorResponse } from './admin-response.ts'
import { unavailableResponse } from './failure-response.ts'

/**
 * One admin request, authenticated and routed.
 *
 * @example
 * ```ts
 * const ctx: AdminContext = { request, actor, orgId: 'acme', name: 'Okta1', options }
 * ```
 */
export interface AdminContext {
  readonly request: Request
  readonly actor: Actor
  readonly orgId: string
  /** The `{name}` path parameter; `undefined` on collection routes. */
  readonly name: string | undefined
  readonly options: ResolvedAdminApiOptions
}

/**
 * The current time in whole seconds since the epoch, as the organization rules take it.
 *
 * @example
 * ```ts
 * applyCommand(org, command, ctx.actor, nowSeconds(ctx))
 * ```
 */
export function nowSeconds(ctx: Pick<AdminContext, 'options'>): number {
  return Math.floor(ctx.options.clock() / 1000)
}

/**
 * The `404 organization_not_found` answer (also given for organizations the actor may not manage,
 * so their existence is not revealed).
 *
 * @example
 * ```ts
 * if (org === undefined) return organizationNotFound('acme')
 * ```
 */
export function organizationNotFound(orgId: string): Response {
  return errorResponse(404, 'organization_not_found', `No organization ${JSON.stringify(orgId.slice(0, 128))}`)
}

/**
 * Reads the organization named by the path, or the answer when there is none (404) or the store
 * cannot be read (503 `store_unavailable`, the cause reported to `onError`).
 *
 * @example
 * ```ts
 * const org = await loadOrganization(ctx)
 * if (org instanceof Response) return org
 * ```
 */
export async function loadOrganization(ctx: AdminContext): Promise<Organization | Response> {
  const org = await storeCall(() => ctx.options.store.get(ctx.orgId))
  if (org instanceof StoreUnavailableError) {
    ctx.options.onError(org.cause ?? org)
    return unavailableResponse(org)
  }
  return org === undefined ? organizationNotFound(ctx.orgId) : org
}
