/**
 * The API resource options every Lambda handler shares, as the core's per-call options. Named
 * `apiResource`/`apiResources` here because the REST authorizers' `resource` already names the
 * policy's scope.
 *
 * @module
 */
import { isApiResourceTable, type ApiResourceTable, type VerifyOptions } from '@tokenward/core'

/**
 * RBAC over API resources for a Lambda handler or authorizer.
 *
 * @example
 * ```ts
 * const byRoute: ApiResourceOptions = { apiResources: defineApiResources([{ category: 'reports', routes: [{ method: 'GET', path: '/orgs/{orgId}/reports' }] }]) }
 * const fixed: ApiResourceOptions = { apiResource: 'reports' }
 * ```
 */
export interface ApiResourceOptions {
  /**
   * The API resource category every request of this handler serves (`'reports'`): the token needs
   * an API role that grants it in the organization's role → categories map; else 403
   * `insufficient_scope` (a `Deny` policy in a REST authorizer).
   */
  readonly apiResource?: string | undefined
  /**
   * An API resource table (`defineApiResources`) matched against each request's method and path
   * (for a TOKEN authorizer, the verb and path of `methodArn`; for an HTTP API authorizer, the
   * route API Gateway matched, `routeKey`, whose pattern is looked up as it is, or `rawPath` for
   * `$default`; for proxy events, the path). Unmapped
   * paths are refused unless the table says otherwise. `apiResource` wins when both are given.
   */
  readonly apiResources?: ApiResourceTable | undefined
}

/** Checks the options (a `TypeError` names the bad one) and returns the core's per-call options. */
export function verifyOptionsOf(name: string, options: ApiResourceOptions & { readonly requiredRoles?: readonly string[] | undefined }): VerifyOptions | undefined {
  const { apiResource, apiResources, requiredRoles } = options
  if (apiResource !== undefined && (typeof apiResource !== 'string' || apiResource === '')) throw new TypeError(`${name}: options.apiResource must be an API resource category name`)
  if (apiResources !== undefined && !isApiResourceTable(apiResources)) throw new TypeError(`${name}: options.apiResources must be a table built by defineApiResources`)
  if (requiredRoles === undefined && apiResource === undefined && apiResources === undefined) return undefined
  return { requiredRoles, resource: apiResource, resources: apiResources }
}
