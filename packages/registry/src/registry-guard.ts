/**
 * A registry verifier as a `RequestGuard`, the one shape every framework adapter consumes: the
 * organization comes from the request (static, header, path, route parameter or a function).
 *
 * @module
 */
import {
  InvalidRequestError,
  defineOrganizationResolver,
  readCredentials,
  renderChallenge,
  type OrganizationResolverSpec,
  type RequestGuard,
  type VerificationError,
} from '@tokenward/core'
import type { RegistryVerifier } from './registry-verifier.ts'

/**
 * Adapts a registry verifier to a `RequestGuard`. In order, and before anything is read from the
 * store:
 * - a request without a token (no `Authorization`, or a scheme tokenward does not read) gets 401
 *   with a bare `Bearer` challenge, and one with two `Authorization` headers or an empty token gets
 *   400: neither reveals whether the organization exists, is suspended or expired, and
 *   `optional` routes let the token-less one through;
 * - a request that names no organization, or names it ambiguously (a dot segment, a backslash or
 *   an encoded character in the path, an ID the stores refuse) gets 400 `invalid_request`.
 *
 * Per-call `requiredRoles`, `resource` and `resources` (from an adapter's options) reach the
 * organization's verifier, which checks API resource categories against the organization's own
 * `apiRoles` map.
 *
 * The organization a token was verified for is `token.authorization.apiRole.orgId` (`req.auth`
 * in Express): handlers that route on an organization parameter should compare it with theirs.
 *
 * @example
 * ```ts
 * const guard = registryGuard(registry, { path: '/orgs/:orgId/*' })
 * app.use(tokenward({ guard })) // any adapter
 * app.get('/orgs/:orgId/reports', tokenward({ guard: registryGuard(registry, { param: 'orgId' }) }), listReports)
 * ```
 */
export function registryGuard(registry: RegistryVerifier, organization: OrganizationResolverSpec, options: { readonly realm?: string } = {}): RequestGuard {
  const resolve = defineOrganizationResolver(organization)
  // A challenge names the organization's protected-resource metadata (RFC 9728) when the registry
  // has one; the organization is read from the request only (no store read, so nothing is revealed).
  const refuse = (error: VerificationError, orgId?: string) => ({
    ok: false as const,
    error,
    response: renderChallenge(error, { realm: options.realm, resourceMetadata: orgId === undefined ? undefined : registry.resourceMetadataUrl?.(orgId) }),
  })
  return {
    async verifyRequest(request, verifyOptions) {
      const credentials = readCredentials(request)
      if (!credentials.ok) return refuse(credentials.error, registry.resourceMetadataUrl === undefined ? undefined : resolve(request))
      const orgId = resolve(request)
      if (orgId === undefined) return refuse(new InvalidRequestError('The request does not name an organization unambiguously'))
      return registry.verifyRequest(request, { orgId, requiredRoles: verifyOptions?.requiredRoles, resource: verifyOptions?.resource, resources: verifyOptions?.resources })
    },
  }
}
