/**
 * The authorize stage: a token accepted by the JWT or introspect stage must carry one of the
 * organization's API roles (403 `insufficient_scope` otherwise). Without an organization every
 * accepted token passes, unauthorized.
 *
 * @module
 */
import type { InsufficientScopeError } from '../../errors.ts'
import { auditAdminId, authorizeApiRole } from '../../scope/api-role.ts'
import type { OrganizationAccess, VerifiedAccessToken, VerifyOptions } from '../types.ts'

/** A token the earlier stages accepted, before authorization. */
export type AcceptedToken = Omit<VerifiedAccessToken, 'authorization' | 'fromCache'>

/** The authorize stage of one verifier. */
export type AuthorizeStage = (token: AcceptedToken, options: VerifyOptions | undefined, fromCache: boolean) => VerifiedAccessToken | InsufficientScopeError

/**
 * Builds the authorize stage for an organization (or for none).
 *
 * @example
 * ```ts
 * const authorize = createAuthorizeStage({ cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['Admin'] })
 * const answer = authorize(token, undefined, false) // the token with `authorization`, or an InsufficientScopeError
 * ```
 */
export function createAuthorizeStage(organization: OrganizationAccess | undefined): AuthorizeStage {
  return (token, verifyOptions, fromCache) => {
    if (organization === undefined) {
      if (verifyOptions?.requiredRoles !== undefined) throw new TypeError('requiredRoles needs an organization in the verifier options')
      return { ...token, authorization: undefined, fromCache }
    }
    const allowedRoles =
      verifyOptions?.requiredRoles === undefined ? organization.apiRoles : verifyOptions.requiredRoles.filter((r) => organization.apiRoles.includes(r))
    const decision = authorizeApiRole(token.apiRoles, { cloud: organization.cloud, orgId: organization.orgId, allowedRoles })
    if (!decision.ok) return decision.error
    const apiRole = decision.value
    return {
      ...token,
      fromCache,
      authorization: { apiRole, adminId: auditAdminId({ role: apiRole.role, orgId: organization.orgId, cloudDomain: organization.cloudDomain }) },
    }
  }
}
