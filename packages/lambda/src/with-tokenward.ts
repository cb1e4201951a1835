/**
 * A wrapper for Lambda proxy handlers (REST API, HTTP API, function URL and ALB events) that
 * answers refused requests itself, in the event's own result shape.
 *
 * @module
 */
import { admitRequest, dpopNonceHeaders, type ChallengeResponse, type RequestGuard, type VerifiedAccessToken } from '@tokenward/core'
import { checkGuardOptions } from './check-options.ts'
import { defineEventUrl, defineEventCertificate, type EventCertificateOptions, proxyEventKind, proxyEventRequest, type EventUrlOptions, type ProxyEventKind } from './event-request.ts'
import type { AlbResult, ApiGatewayProxyResultV1, LambdaContext, ProxyEvent, ProxyResultFor } from './types.ts'
import { verifyOptionsOf, type ApiResourceOptions } from './api-resource-options.ts'

/**
 * Options of {@link withTokenward}.
 *
 * @example
 * ```ts
 * const options: WithTokenwardOptions = { guard: verifier, optional: true, requiredRoles: ['Admin'] }
 * ```
 */
export interface WithTokenwardOptions extends EventUrlOptions, EventCertificateOptions, ApiResourceOptions {
  /** Decides each request: a verifier from `createVerifier`, or a registry guard. */
  readonly guard: RequestGuard
  /**
   * Let a request that carries no token through, with `auth` undefined. Only a missing token:
   * a bad token is still refused, and an identity-provider outage is still 503.
   */
  readonly optional?: boolean | undefined
  /** Accept only these API roles (a subset of the organization's); others get 403. */
  readonly requiredRoles?: readonly string[] | undefined
}

/**
 * A wrapped handler: the Lambda handler signature, returning the handler's result or a refusal.
 *
 * @example
 * ```ts
 * export const handler: TokenwardProxyHandler<AlbEvent, LambdaContext, AlbResult> = withTokenward(albHandler, { guard })
 * ```
 */
export type TokenwardProxyHandler<E, C, R> = (event: E, context: C) => Promise<R | ProxyResultFor<E>>

/**
 * Wraps a proxy handler. For each event it detects the integration (REST API payload 1.0, HTTP API
 * payload 2.0 or function URL, ALB), checks the request's bearer token with `guard`, and either
 * calls `handler(event, context, auth)` — the verified token as a **third argument** (where
 * callback-style handlers had `callback`; async handlers ignore it) — returning its result
 * unchanged (except that `DPoP-Nonce` and `Cache-Control: no-store` are added to a structured
 * result's headers when the core hands out the next DPoP nonce), or answers the refusal itself: status, `WWW-Authenticate` (or `Retry-After` for an
 * outage), `Cache-Control: no-store` and a JSON body, in the event's result shape (ALB results carry
 * `statusDescription`, and `multiValueHeaders` when the target group sends them).
 *
 * @example
 * ```ts
 * import { createVerifier } from '@tokenward/core'
 * import { warmOnInit, withTokenward } from '@tokenward/lambda'
 *
 * const verifier = createVerifier({
 *   server: { name: 'Okta1', jwksUrl: 'https://acme.okta.com/oauth2/default/v1/keys', issuer: 'https://acme.okta.com/oauth2/default' },
 *   organization: { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly', 'Admin'] },
 * })
 * await warmOnInit(verifier) // once per container, during init
 *
 * export const handler = withTokenward(
 *   async (event, context, auth) => ({ statusCode: 200, body: JSON.stringify({ client: auth.clientId, admin: auth.authorization?.adminId }) }),
 *   { guard: verifier },
 * )
 * ```
 */
export function withTokenward<E extends ProxyEvent = ProxyEvent, C = LambdaContext, R = ProxyResultFor<E>>(
  handler: (event: E, context: C, auth: VerifiedAccessToken) => R | Promise<R>,
  options: WithTokenwardOptions & { readonly optional?: false | undefined },
): TokenwardProxyHandler<E, C, R>
export function withTokenward<E extends ProxyEvent = ProxyEvent, C = LambdaContext, R = ProxyResultFor<E>>(
  handler: (event: E, context: C, auth: VerifiedAccessToken | undefined) => R | Promise<R>,
  options: WithTokenwardOptions,
): TokenwardProxyHandler<E, C, R>
export function withTokenward<E extends ProxyEvent, C, R>(
  handler: (event: E, context: C, auth: VerifiedAccessToken) => R | Promise<R>,
  options: WithTokenwardOptions,
): TokenwardProxyHandler<E, C, R> {
  if (typeof handler !== 'function') throw new TypeError('withTokenward: handler must be a function')
  checkGuardOptions('withTokenward', options)
  if (options.optional !== undefined && typeof options.optional !== 'boolean') throw new TypeError('withTokenward: options.optional must be a boolean')
  const { guard, optional = false } = options
  const verifyOptions = verifyOptionsOf('withTokenward', options)
  const urlOf = defineEventUrl(options)
  const certificateOf = defineEventCertificate(options)

  return async (event, context) => {
    const kind = proxyEventKind(event)
    const admission = admitRequest(await guard.verifyRequest(proxyEventRequest(event, kind, urlOf, certificateOf), verifyOptions), { optional })
    if (admission.kind === 'accepted') {
      const result = await handler(event, context, admission.token)
      return admission.token.dpopNonce === undefined ? result : withHeaders(result, dpopNonceHeaders(admission.token.dpopNonce))
    }
    // Only the second overload (whose handler accepts undefined) can set `optional`.
    if (admission.kind === 'anonymous') return (handler as unknown as (e: E, c: C, auth: undefined) => R | Promise<R>)(event, context, undefined)
    return refusal(kind, event, admission.response) as ProxyResultFor<E>
  }
}

const reasonPhrase = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 503: 'Service Unavailable' } as const

/** The core's answer in the event kind's result shape. REST (1.0) and HTTP API/function URL (2.0) results look alike. */
function refusal(kind: ProxyEventKind, event: ProxyEvent, response: ChallengeResponse): ApiGatewayProxyResultV1 | AlbResult {
  const body = JSON.stringify(response.body)
  const headers = { ...response.headers }
  if (kind !== 'alb') return { statusCode: response.status, headers, body, isBase64Encoded: false }
  const statusDescription = `${response.status} ${reasonPhrase[response.status]}`
  if ('multiValueHeaders' in event && event.multiValueHeaders != null) {
    const multiValueHeaders = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]]))
    return { statusCode: response.status, statusDescription, multiValueHeaders, body, isBase64Encoded: false }
  }
  return { statusCode: response.status, statusDescription, headers, body, isBase64Encoded: false }
}

/**
 * A structured result (`{ statusCode, … }`) with these headers added to `multiValueHeaders` when it
 * has them (API Gateway and ALB prefer that map), else to `headers`. Any other result (an HTTP API
 * handler may return a bare value) is returned as it is: it has no headers to add to.
 */
function withHeaders<R>(result: R, extra: Readonly<Record<string, string>>): R {
  if (typeof result !== 'object' || result === null || typeof (result as { statusCode?: unknown }).statusCode !== 'number') return result
  const r = result as { headers?: Record<string, unknown> | null; multiValueHeaders?: Record<string, unknown[]> | null }
  if (r.multiValueHeaders != null) {
    const multiValueHeaders = Object.fromEntries(Object.entries(r.multiValueHeaders).filter(([name]) => !(name.toLowerCase() in extra)))
    for (const [name, value] of Object.entries(extra)) multiValueHeaders[name] = [value]
    const headers = r.headers == null ? r.headers : Object.fromEntries(Object.entries(r.headers).filter(([name]) => !(name.toLowerCase() in extra)))
    return { ...result, ...(headers === undefined ? {} : { headers }), multiValueHeaders }
  }
  const headers = Object.fromEntries(Object.entries(r.headers ?? {}).filter(([name]) => !(name.toLowerCase() in extra)))
  return { ...result, headers: { ...headers, ...extra } }
}
