/**
 * HTTP API Lambda authorizer, payload format 2.0 with simple responses (`enableSimpleResponses`).
 *
 * @module
 */
import type { RequestGuard } from '@tokenward/core'
import { authorizerContext } from './authorizer-context.ts'
import { checkGuardOptions } from './check-options.ts'
import { defineEventUrl, defineEventCertificate, type EventCertificateOptions, httpApiAuthorizerRequest, type EventUrlOptions } from './event-request.ts'
import type { HttpApiAuthorizerEvent, HttpApiSimpleResult } from './types.ts'
import { verifyOptionsOf, type ApiResourceOptions } from './api-resource-options.ts'

/**
 * Options of {@link httpApiAuthorizer}.
 *
 * @example
 * ```ts
 * const options: HttpApiAuthorizerOptions = { guard: verifier, requiredRoles: ['Admin'] }
 * ```
 */
export interface HttpApiAuthorizerOptions extends EventUrlOptions, EventCertificateOptions, ApiResourceOptions {
  /** Decides each request: a verifier from `createVerifier`, or a registry guard. */
  readonly guard: RequestGuard
  /** Accept only these API roles (a subset of the organization's). */
  readonly requiredRoles?: readonly string[] | undefined
}

/**
 * A handler for an HTTP API Lambda authorizer (payload 2.0, simple responses). An accepted token
 * gets `{ isAuthorized: true, context }`; the context (an `AuthorizerContext`) reaches the
 * integration as `event.requestContext.authorizer.lambda`. A refused token (400, 401 or 403) gets
 * `{ isAuthorized: false }`, which API Gateway answers with 403: simple responses cannot choose the
 * status, and a request without the identity source (`$request.header.Authorization`) is answered
 * 401 by API Gateway before the authorizer runs. For an outage (503) the handler throws the core's
 * `JwksUnavailableError`, which API Gateway answers with 500, never a refusal. When clients need
 * exact RFC 6750 answers (401 with `WWW-Authenticate`, 503 with `Retry-After`), use
 * `withTokenward` in the integration instead.
 *
 * @example
 * ```ts
 * import { createVerifier } from '@tokenward/core'
 * import { httpApiAuthorizer, warmOnInit } from '@tokenward/lambda'
 *
 * const verifier = createVerifier({ server: { name: 'Entra', jwksUrl: 'https://login.microsoftonline.com/common/discovery/v2.0/keys' } })
 * await warmOnInit(verifier)
 * export const handler = httpApiAuthorizer({ guard: verifier, requiredRoles: ['Admin'] })
 * ```
 */
export function httpApiAuthorizer(options: HttpApiAuthorizerOptions): (event: HttpApiAuthorizerEvent) => Promise<HttpApiSimpleResult> {
  checkGuardOptions('httpApiAuthorizer', options)
  const { guard } = options
  const verifyOptions = verifyOptionsOf('httpApiAuthorizer', options)
  const urlOf = defineEventUrl(options)
  const certificateOf = defineEventCertificate(options)
  return async (event) => {
    // With a table, the route API Gateway matched names the row; `$default` (no route) falls back to rawPath.
    const route = options.apiResources === undefined ? undefined : routeOf(event.routeKey)
    const verdict = await guard.verifyRequest(httpApiAuthorizerRequest(event, urlOf, certificateOf), route === undefined ? verifyOptions : { ...verifyOptions, route })
    if (verdict.ok) return { isAuthorized: true, context: authorizerContext(verdict.token) }
    // An outage must not look like a refused token: throwing makes API Gateway answer 500.
    if (verdict.error.status === 503) throw verdict.error
    return { isAuthorized: false }
  }
}

/** The path pattern of an HTTP API route key (`GET /orgs/{orgId}/reports` → `/orgs/{orgId}/reports`); none for `$default`. */
function routeOf(routeKey: unknown): string | undefined {
  if (typeof routeKey !== 'string') return undefined
  const space = routeKey.indexOf(' ')
  return space === -1 ? undefined : routeKey.slice(space + 1)
}
