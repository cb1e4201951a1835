/**
 * Lambda events → the core's `TokenRequest`: method, URL (path and query string) and headers with
 * lower-case names, every value of a repeated header kept so that two `Authorization` headers
 * are seen as two.
 *
 * @module
 */
import type { TokenRequest } from '@tokenward/core'
import type {
  AlbEvent,
  ApiGatewayProxyEventV1,
  ApiGatewayProxyEventV2,
  HttpApiAuthorizerEvent,
  MultiValueMap,
  ProxyEvent,
  RequestAuthorizerEvent,
  SingleValueMap,
  TokenAuthorizerEvent,
} from './types.ts'

/** Which integration sent a proxy event: REST API (payload 1.0), HTTP API/function URL (2.0), or ALB. */
export type ProxyEventKind = 'v1' | 'v2' | 'alb'

/** Tells the proxy event kinds apart by their documented fields; anything else is a `TypeError`. */
export function proxyEventKind(event: ProxyEvent): ProxyEventKind {
  const context = (event as { requestContext?: unknown }).requestContext
  if (typeof context === 'object' && context !== null && 'elb' in context) return 'alb'
  if ((event as ApiGatewayProxyEventV2).version === '2.0' && typeof (event as ApiGatewayProxyEventV2).rawPath === 'string') return 'v2'
  if (typeof (event as ApiGatewayProxyEventV1).httpMethod === 'string' && typeof (event as ApiGatewayProxyEventV1).path === 'string') return 'v1'
  throw new TypeError('withTokenward: the event is not an API Gateway (REST or HTTP API), ALB or function URL proxy event')
}

/** The request of a proxy event of a known kind. */
export function proxyEventRequest(event: ProxyEvent, kind: ProxyEventKind): TokenRequest {
  if (kind === 'v2') return v2Request(event as ApiGatewayProxyEventV2)
  const e = event as ApiGatewayProxyEventV1 | AlbEvent
  // API Gateway URL-decodes query values; an ALB passes them as received.
  const query = kind === 'v1' ? queryString(e.queryStringParameters, e.multiValueQueryStringParameters, encodeURIComponent) : queryString(e.queryStringParameters, e.multiValueQueryStringParameters, (s) => s)
  return { method: e.httpMethod, url: withQuery(e.path, query), headers: headerRecord(e.headers, e.multiValueHeaders) }
}

/** The request of a REST API `REQUEST` authorizer event. */
export function requestAuthorizerRequest(event: RequestAuthorizerEvent): TokenRequest {
  const query = queryString(event.queryStringParameters, event.multiValueQueryStringParameters, encodeURIComponent)
  return { method: event.httpMethod, url: withQuery(event.path, query), headers: headerRecord(event.headers, event.multiValueHeaders) }
}

/** The request of an HTTP API authorizer event (payload 2.0). */
export function httpApiAuthorizerRequest(event: HttpApiAuthorizerEvent): TokenRequest {
  return v2Request(event)
}

/**
 * The request of a REST API `TOKEN` authorizer event: the token source value as the
 * `Authorization` header; method and path read from the method ARN
 * (`arn:...:{apiId}/{stage}/{verb}/{path}`), so path-based organization resolvers still work.
 */
export function tokenAuthorizerRequest(event: TokenAuthorizerEvent): TokenRequest {
  const [, , verb = '', ...path] = String(event.methodArn).split('/')
  const headers: Record<string, string> = typeof event.authorizationToken === 'string' ? { authorization: event.authorizationToken } : {}
  return { method: verb, url: `/${path.join('/')}`, headers }
}

function v2Request(event: ApiGatewayProxyEventV2 | HttpApiAuthorizerEvent): TokenRequest {
  return { method: event.requestContext.http.method, url: withQuery(event.rawPath, event.rawQueryString), headers: headerRecord(event.headers, undefined) }
}

function withQuery(path: string, query: string): string {
  return query === '' ? path : `${path}?${query}`
}

/** Lower-case names, every value kept; multi-value maps win (REST APIs send both maps). No prototype, so a `__proto__` header is just a header. */
function headerRecord(single: SingleValueMap | undefined, multi: MultiValueMap | undefined): Record<string, string[]> {
  const out = Object.create(null) as Record<string, string[]>
  const add = (name: string, value: string): void => void (out[name.toLowerCase()] ??= []).push(value)
  if (multi !== undefined && multi !== null) {
    for (const [name, values] of Object.entries(multi)) for (const value of values ?? []) add(name, value)
  } else if (single !== undefined && single !== null) {
    for (const [name, value] of Object.entries(single)) if (value !== undefined) add(name, value)
  }
  return out
}

function queryString(single: SingleValueMap | undefined, multi: MultiValueMap | undefined, encode: (s: string) => string): string {
  const pairs: string[] = []
  if (multi !== undefined && multi !== null) {
    for (const [name, values] of Object.entries(multi)) for (const value of values ?? []) pairs.push(`${encode(name)}=${encode(value)}`)
  } else if (single !== undefined && single !== null) {
    for (const [name, value] of Object.entries(single)) if (value !== undefined) pairs.push(`${encode(name)}=${encode(value)}`)
  }
  return pairs.join('&')
}
