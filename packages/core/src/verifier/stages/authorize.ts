/**
 * The authorize stage: a token accepted by the JWT or introspect stage must carry one of the
 * organization's API roles (403 `insufficient_scope` otherwise). When the call serves an API
 * resource category (`resource`, or the request matched against an API resource table), that role
 * must also grant the category. Without an organization every accepted token passes, unauthorized.
 *
 * @module
 */
import type { InsufficientScopeError } from '../../errors.ts'
import type { TokenRequest } from '../../http/bearer.ts'
import { authorizeApiResource, unmappedResourceError } from '../../scope/api-resource-grant.ts'
import { isApiResourceTable, type ApiResourceMatch, type ApiResourceTable } from '../../scope/api-resource-table.ts'
import { auditAdminId, authorizeApiRole } from '../../scope/api-role.ts'
import type { OrganizationAccess, VerifiedAccessToken, VerifyOptions } from '../types.ts'

/** A token the earlier stages accepted, before authorization. */
export type AcceptedToken = Omit<VerifiedAccessToken, 'authorization' | 'fromCache'>

/** The authorize stage of one verifier. */
export type AuthorizeStage = (token: AcceptedToken, options: VerifyOptions | undefined, fromCache: boolean) => VerifiedAccessToken | InsufficientScopeError

/** Per-call options once a request was matched against an API resource table (internal). */
interface MatchedVerifyOptions extends VerifyOptions {
  readonly resourceMatch?: ApiResourceMatch | undefined
}

/**
 * Whether a call is authorized the default way (any API role of the organization), so that a
 * cached token may reuse its one default answer.
 *
 * @example
 * ```ts
 * usesDefaultAuthorization(undefined) // true
 * usesDefaultAuthorization({ resource: 'reports' }) // false
 * ```
 */
export function usesDefaultAuthorization(options: VerifyOptions | undefined): boolean {
  return options === undefined || (options.requiredRoles === undefined && options.resource === undefined && options.resources === undefined && (options as MatchedVerifyOptions).resourceMatch === undefined)
}

/** Where a cached token keeps its authorized answers: the default one, and one per API resource category. */
export interface AuthorizationMemo {
  readonly token: AcceptedToken
  /** The answer for calls without per-call options, computed on the first hit. */
  defaultAnswer?: VerifiedAccessToken | InsufficientScopeError
  /** Answers by API resource category (`''`: a table row open to any role), at most {@link maxMemoizedCategories}. */
  categoryAnswers?: Map<string, VerifiedAccessToken | InsufficientScopeError>
}

/** Categories remembered per cached token. */
export const maxMemoizedCategories = 32

/**
 * Authorizes a cached token, reusing its earlier answer when the call asks the same thing: the
 * default (any API role), or one API resource category without `requiredRoles`. The answer is a
 * function of the token, the verifier's organization and the category only, so it is kept with
 * the token.
 *
 * @example
 * ```ts
 * const answer = authorizeCachedToken(authorize, hit, { resource: 'reports' })
 * ```
 */
export function authorizeCachedToken(authorize: AuthorizeStage, hit: AuthorizationMemo, options: VerifyOptions | undefined): VerifiedAccessToken | InsufficientScopeError {
  if (usesDefaultAuthorization(options)) return (hit.defaultAnswer ??= authorize(hit.token, undefined, true))
  const o = options as MatchedVerifyOptions
  let key: string | undefined
  if (o.requiredRoles === undefined && o.resources === undefined) {
    if (o.resource !== undefined) key = typeof o.resource === 'string' && o.resource !== '' ? `c:${o.resource}` : undefined
    else if (o.resourceMatch?.kind === 'category') key = `c:${o.resourceMatch.category}`
    else if (o.resourceMatch?.kind === 'any-role') key = ''
  }
  if (key === undefined) return authorize(hit.token, options, true)
  const known = hit.categoryAnswers?.get(key)
  if (known !== undefined) return known
  const answer = authorize(hit.token, options, true)
  hit.categoryAnswers ??= new Map()
  if (hit.categoryAnswers.size < maxMemoizedCategories) hit.categoryAnswers.set(key, answer)
  return answer
}

/**
 * The per-call options of one request: with an API resource table (the call's `resources`, else
 * the verifier's) and no explicit `resource`, the table's answer for the request's method and raw
 * path (or for its `route`, when the router named it) rides along to the authorize stage. Every request entry point resolves its options once with
 * this and hands the same object to the stages that finish after a key fetch or introspection.
 *
 * @example
 * ```ts
 * const options = requestVerifyOptions(request, { requiredRoles: ['Admin'] }, table)
 * pipeline.verifyRequestFast(request, nowMs, options)
 * ```
 */
export function requestVerifyOptions(request: TokenRequest, options: VerifyOptions | undefined, verifierTable: ApiResourceTable | undefined): VerifyOptions | undefined {
  const table = options?.resources ?? verifierTable
  if (table === undefined || options?.resource !== undefined) return options
  if (!isApiResourceTable(table)) throw new TypeError('resources must be a table built by defineApiResources')
  const resourceMatch = options?.route === undefined ? table.match(request.method, request.url) : table.matchRoute(request.method, options.route)
  return { ...options, resources: undefined, resourceMatch } as MatchedVerifyOptions
}

/**
 * Builds the authorize stage for an organization (or for none), and the verifier's API resource
 * table if it has one (then a call must be a request, or name its `resource`).
 *
 * @example
 * ```ts
 * const authorize = createAuthorizeStage({ cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['Admin'] })
 * const answer = authorize(token, undefined, false) // the token with `authorization`, or an InsufficientScopeError
 * ```
 */
export function createAuthorizeStage(organization: OrganizationAccess | undefined, verifierTable?: ApiResourceTable): AuthorizeStage {
  return (token, verifyOptions, fromCache) => {
    const options = verifyOptions as MatchedVerifyOptions | undefined
    if (options?.resource !== undefined && (typeof options.resource !== 'string' || options.resource === '')) throw new TypeError('resource must be an API resource category name')
    if (organization === undefined) {
      if (options?.requiredRoles !== undefined) throw new TypeError('requiredRoles needs an organization in the verifier options')
      if (!usesDefaultAuthorization(options)) throw new TypeError('resource and resources need an organization (with apiRoleCategories) in the verifier options')
      return { ...token, authorization: undefined, fromCache }
    }
    const allowedRoles =
      options?.requiredRoles === undefined ? organization.apiRoles : options.requiredRoles.filter((r) => organization.apiRoles.includes(r))
    let category: string | undefined
    if (options?.resource !== undefined) category = options.resource
    else if (options?.resourceMatch !== undefined) {
      const match = options.resourceMatch
      if (match.kind === 'refused') return unmappedResourceError(match.reason)
      if (match.kind === 'category') category = match.category
    } else if (options?.resources !== undefined || verifierTable !== undefined) {
      throw new TypeError('An API resource table is matched on a request: use verifyRequest, or name the category with { resource }')
    }
    let decision
    if (category === undefined) decision = authorizeApiRole(token.apiRoles, { cloud: organization.cloud, orgId: organization.orgId, allowedRoles })
    else {
      const apiRoles = organization.apiRoleCategories
      if (apiRoles === undefined) throw new TypeError('resource needs organization.apiRoleCategories in the verifier options (organizationAccessOf fills it)')
      decision = authorizeApiResource(token.apiRoles, { cloud: organization.cloud, orgId: organization.orgId, apiRoles, category, allowedRoles })
    }
    if (!decision.ok) return decision.error
    const apiRole = decision.value
    return {
      ...token,
      fromCache,
      authorization: { apiRole, adminId: auditAdminId({ role: apiRole.role, orgId: organization.orgId, cloudDomain: organization.cloudDomain }) },
    }
  }
}
