/**
 * REST API Lambda authorizers (`TOKEN` and `REQUEST`). API Gateway lets an authorizer answer in
 * only three ways, so the core's verdict maps onto them:
 *
 * | verdict                                   | authorizer does                 | client gets |
 * | ----------------------------------------- | ------------------------------- | ----------- |
 * | accepted                                  | returns an `Allow` policy       | the integration's answer |
 * | 401 (missing, invalid, expired token)     | throws `Error('Unauthorized')`  | 401 |
 * | 400 (`invalid_request`, e.g. two headers) | throws `Error('Unauthorized')`  | 401 (an authorizer cannot answer 400) |
 * | 403 (`insufficient_scope`)                | returns a `Deny` policy         | 403 |
 * | 503 (`jwks_unavailable`: provider outage) | throws the core's error         | 500 (never 401: an outage is not a bad token) |
 *
 * @module
 */
import { ConfigError, type RequestGuard, type RequestVerdict, type TokenRequest, type VerifiedAccessToken } from '@tokenward/core'
import { authorizerContext } from './authorizer-context.ts'
import { checkGuardOptions } from './check-options.ts'
import { defineEventUrl, defineEventCertificate, type EventCertificateOptions, requestAuthorizerRequest, tokenAuthorizerRequest, type EventUrlOptions } from './event-request.ts'
import type { AuthorizerPolicy, RequestAuthorizerEvent, TokenAuthorizerEvent } from './types.ts'
import { verifyOptionsOf, type ApiResourceOptions } from './api-resource-options.ts'

/**
 * Options of {@link tokenAuthorizer} and {@link requestAuthorizer}.
 *
 * @example
 * ```ts
 * const options: RestAuthorizerOptions = { guard: verifier, resource: 'stage', principalId: (token) => token.subject ?? token.clientId }
 * ```
 */
export interface RestAuthorizerOptions extends EventUrlOptions, EventCertificateOptions, ApiResourceOptions {
  /** Decides each request: a verifier from `createVerifier`, or a registry guard. */
  readonly guard: RequestGuard
  /** Accept only these API roles (a subset of the organization's); others get 403 (`Deny`). */
  readonly requiredRoles?: readonly string[] | undefined
  /**
   * What the policy covers. `'method'` (default): exactly the called method (`event.methodArn`).
   * `'stage'`: every method of the API stage (`{apiId}/{stage}/*`). API Gateway caches the policy
   * per token (TOKEN) or identity sources (REQUEST) for the authorizer's TTL (300 s by default), and
   * a cached `'method'` policy answers 403 on every other route; `'stage'` avoids that, but use it
   * only when the guard's answer does not depend on the route (not with a registry guard that reads
   * the organization from the path, unless caching is off). Refused with `apiResource` or
   * `apiResources`, whose answer depends on the route.
   */
  readonly resource?: 'method' | 'stage' | undefined
  /** The `principalId` of an allowed request. Default: the token's client ID. */
  readonly principalId?: ((token: VerifiedAccessToken) => string) | undefined
}

/**
 * A handler for a REST API `TOKEN` authorizer. The token source value (e.g. `Bearer eyJ...`) is
 * checked as the `Authorization` header; method and path come from `methodArn`. An accepted token
 * gets an `Allow` policy whose `context` (an `AuthorizerContext`) reaches the integration as
 * `event.requestContext.authorizer`. Refusals: see the table in this module's description; for an
 * outage the handler throws the core's `JwksUnavailableError`, which API Gateway answers with 500.
 *
 * @example
 * ```ts
 * import { createVerifier } from '@tokenward/core'
 * import { tokenAuthorizer, warmOnInit } from '@tokenward/lambda'
 *
 * const verifier = createVerifier({ server: { name: 'Okta1', jwksUrl: 'https://acme.okta.com/oauth2/default/v1/keys', issuer: 'https://acme.okta.com/oauth2/default' } })
 * await warmOnInit(verifier)
 * export const handler = tokenAuthorizer({ guard: verifier })
 * ```
 */
export function tokenAuthorizer(options: RestAuthorizerOptions): (event: TokenAuthorizerEvent) => Promise<AuthorizerPolicy> {
  const decide = restDecision('tokenAuthorizer', options)
  if (options.clientCertificate !== undefined && options.clientCertificate !== 'none') {
    throw new ConfigError([{ path: 'clientCertificate', message: 'a TOKEN authorizer sees only the token: use requestAuthorizer for certificate-bound tokens' }])
  }
  const urlOf = defineEventUrl(options)
  return (event) => decide(tokenAuthorizerRequest(event, urlOf), event.methodArn)
}

/**
 * A handler for a REST API `REQUEST` authorizer: the request's method, path, query string and
 * headers (every value of a repeated header, so two `Authorization` headers are refused) are
 * checked. Answers exactly as {@link tokenAuthorizer} does.
 *
 * @example
 * ```ts
 * import { registryGuard } from '@tokenward/registry'
 * import { requestAuthorizer } from '@tokenward/lambda'
 *
 * // The organization is read from the path, so keep the authorizer's cache off (TTL 0) or keyed on the path.
 * export const handler = requestAuthorizer({ guard: registryGuard(registry, { path: '/orgs/:orgId/*' }) })
 * ```
 */
export function requestAuthorizer(options: RestAuthorizerOptions): (event: RequestAuthorizerEvent) => Promise<AuthorizerPolicy> {
  const decide = restDecision('requestAuthorizer', options)
  const urlOf = defineEventUrl(options)
  const certificateOf = defineEventCertificate(options)
  return (event) => decide(requestAuthorizerRequest(event, urlOf, certificateOf), event.methodArn)
}

function restDecision(name: string, options: RestAuthorizerOptions): (request: TokenRequest, methodArn: string) => Promise<AuthorizerPolicy> {
  checkGuardOptions(name, options)
  if (options.resource !== undefined && options.resource !== 'method' && options.resource !== 'stage') {
    throw new TypeError(`${name}: options.resource must be 'method' or 'stage'`)
  }
  if (options.principalId !== undefined && typeof options.principalId !== 'function') throw new TypeError(`${name}: options.principalId must be a function`)
  const { guard, principalId = (token: VerifiedAccessToken) => token.clientId } = options
  const verifyOptions = verifyOptionsOf(name, options)
  const stageWide = options.resource === 'stage'
  // A stage-wide policy is cached per token and would open routes of other categories.
  if (stageWide && (options.apiResource !== undefined || options.apiResources !== undefined)) {
    throw new TypeError(`${name}: options.resource 'stage' cannot be combined with apiResource or apiResources (the answer depends on the route)`)
  }

  return async (request, methodArn) => {
    const verdict: RequestVerdict = await guard.verifyRequest(request, verifyOptions)
    const resource = stageWide ? stageResource(methodArn) : methodArn
    if (verdict.ok) return policy(principalId(verdict.token), 'Allow', resource, authorizerContext(verdict.token))
    const { error } = verdict
    // An outage must not look like a bad token: any message but 'Unauthorized' makes API Gateway answer 500.
    if (error.status === 503) throw error
    // A refused request names no principal. The context is readable in gateway responses ($context.authorizer.code).
    if (error.status === 403) return policy('anonymous', 'Deny', resource, { error: error.oauthError ?? 'access_denied', code: error.code })
    throw new Error('Unauthorized')
  }
}

function policy(principalId: string, effect: 'Allow' | 'Deny', resource: string, context: Record<string, string>): AuthorizerPolicy {
  return {
    principalId,
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }] },
    context,
  }
}

/** `arn:...:{apiId}/{stage}/{verb}/{path}` → `arn:...:{apiId}/{stage}/*`; an ARN without a stage is kept as is. */
function stageResource(methodArn: string): string {
  const [api, stage] = methodArn.split('/')
  return api === undefined || stage === undefined || stage === '' ? methodArn : `${api}/${stage}/*`
}
