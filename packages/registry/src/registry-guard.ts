/**
 * A registry verifier as a `RequestGuard`, the one shape every framework adapter consumes: the
 * organization comes from the request (static, header, path or a function).
 *
 * @module
 */
import { InvalidRequestError, defineOrganizationResolver, renderChallenge, type OrganizationResolverSpec, type RequestGuard } from '@tokenward/core'
import type { RegistryVerifier } from './registry-verifier.ts'

/**
 * Adapts a registry verifier to a `RequestGuard`. A request that names no organization gets 400
 * `invalid_request`.
 *
 * @example
 * ```ts
 * const guard = registryGuard(registry, { path: '/orgs/:orgId/*' })
 * app.use(tokenward({ guard })) // any adapter
 * ```
 */
export function registryGuard(registry: RegistryVerifier, organization: OrganizationResolverSpec, options: { readonly realm?: string } = {}): RequestGuard {
  const resolve = defineOrganizationResolver(organization)
  return {
    async verifyRequest(request, verifyOptions) {
      const orgId = resolve(request)
      if (orgId === undefined) {
        const error = new InvalidRequestError('The request does not name an organization')
        return { ok: false, error, response: renderChallenge(error, { realm: options.realm }) }
      }
      return registry.verifyRequest(request, { orgId, requiredRoles: verifyOptions?.requiredRoles })
    },
  }
}
