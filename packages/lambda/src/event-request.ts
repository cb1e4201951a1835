/**
 * Lambda events → the core's `TokenRequest`: method; the absolute URL the client called (the
 * configured `publicOrigin`, else `https://` + the domain name API Gateway answered on, + the path
 * as API Gateway routed it + the query string); headers with lower-case names, every value of a
 * repeated header kept so that two `Authorization` headers are seen as two; the route's
 * `pathParameters`.
 *
 * @module
 */
import {
  ConfigError,
  defineClientCertificateSource,
  defineRequestUrl,
  type ClientCertificateSource,
  type ClientCertificateSourceOptions,
  type RequestUrl,
  type TokenRequest,
} from '@tokenward/core'
import type {
  AlbEvent,
  ApiGatewayProxyEventV1,
  ClientCertIdentity,
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

/**
 * How the adapter builds `TokenRequest.url`, checked when a handler is built (every handler's
 * options extend it).
 *
 * @example
 * ```ts
 * export const handler = withTokenward(handle, { guard, publicOrigin: 'https://api.example.com' })
 * ```
 */
export interface EventUrlOptions {
  /**
   * The origin clients call, e.g. `https://api.example.com`. Default: `https://` + the event's
   * `requestContext.domainName` (set by API Gateway, not by the client); for ALB events, which
   * carry only the client's `Host`, and TOKEN authorizers, `http://localhost` or the API's
   * execute-api host.
   */
  readonly publicOrigin?: string | undefined
}

/** Builds the URL builder of a handler (throws `ConfigError` for a bad `publicOrigin`). */
export function defineEventUrl(options: EventUrlOptions): RequestUrl {
  return defineRequestUrl({ publicOrigin: options.publicOrigin })
}

/**
 * Where a handler takes the client certificate from, for certificate-bound tokens (RFC 8705);
 * checked when the handler is built (`ConfigError`).
 *
 * - `'platform'` (default): what API Gateway established for a mutual-TLS custom domain — REST
 *   API `requestContext.identity.clientCert.clientCertPem`, HTTP API
 *   `requestContext.authentication.clientCert.clientCertPem`. ALB events, function URLs and
 *   `TOKEN` authorizers carry none.
 * - `{ header, sharedSecret }`: a header the proxy in front sets, e.g. an ALB with mutual TLS:
 *   `{ header: 'x-amzn-mtls-clientcert', sharedSecret: { header: 'x-origin-secret', value } }`.
 *   A Lambda event carries no proxy address, so `trustedProxies` cannot be used here: the secret
 *   header is what tells the proxy's requests from anyone else's.
 * - `'none'`: never read one.
 *
 * @example
 * ```ts
 * export const handler = withTokenward(handle, { guard, clientCertificate: { header: 'x-amzn-mtls-clientcert', sharedSecret: { header: 'x-origin-secret', value: secret } } })
 * ```
 */
export interface EventCertificateOptions {
  readonly clientCertificate?: ClientCertificateSourceOptions | undefined
}

/** Builds the certificate source of a handler (throws `ConfigError` for a bad option, or `trustedProxies`, which an event cannot satisfy). */
export function defineEventCertificate(options: EventCertificateOptions): ClientCertificateSource {
  const option = options.clientCertificate
  if (typeof option === 'object' && option !== null && option.trustedProxies !== undefined) {
    throw new ConfigError([{ path: 'clientCertificate.trustedProxies', message: 'a Lambda event carries no proxy address: use sharedSecret' }])
  }
  return defineClientCertificateSource(option)
}

/** Tells the proxy event kinds apart by their documented fields; anything else is a `TypeError`. */
export function proxyEventKind(event: ProxyEvent): ProxyEventKind {
  const context = (event as { requestContext?: unknown }).requestContext
  if (typeof context === 'object' && context !== null && 'elb' in context) return 'alb'
  if ((event as ApiGatewayProxyEventV2).version === '2.0' && typeof (event as ApiGatewayProxyEventV2).rawPath === 'string') return 'v2'
  if (typeof (event as ApiGatewayProxyEventV1).httpMethod === 'string' && typeof (event as ApiGatewayProxyEventV1).path === 'string') return 'v1'
  throw new TypeError('withTokenward: the event is not an API Gateway (REST or HTTP API), ALB or function URL proxy event')
}

/** The request of a proxy event of a known kind. */
export function proxyEventRequest(event: ProxyEvent, kind: ProxyEventKind, urlOf: RequestUrl = defaultUrl, certificateOf: ClientCertificateSource = platformCertificate): TokenRequest {
  if (kind === 'v2') return v2Request(event as ApiGatewayProxyEventV2, urlOf, certificateOf)
  if (kind === 'alb') {
    const e = event as AlbEvent
    // An ALB passes query values as received; its Host header is the client's, so it is not an origin.
    const query = queryString(e.queryStringParameters, e.multiValueQueryStringParameters, (s) => s)
    const headers = headerRecord(e.headers, e.multiValueHeaders)
    return { method: e.httpMethod, url: urlOf({ target: withQuery(e.path, query), headers }), headers, ...certificateOf({ headers }) }
  }
  const e = event as ApiGatewayProxyEventV1
  // API Gateway URL-decodes query values.
  const query = queryString(e.queryStringParameters, e.multiValueQueryStringParameters, encodeURIComponent)
  const headers = headerRecord(e.headers, e.multiValueHeaders)
  const certificate = certificateOf({ headers, platform: () => pemOf(e.requestContext?.identity) })
  return withParams({ method: e.httpMethod, url: urlOf({ target: withQuery(e.path, query), headers, platformOrigin: originOf(e.requestContext?.domainName) }), headers, ...certificate }, e.pathParameters)
}

/** The request of a REST API `REQUEST` authorizer event. */
export function requestAuthorizerRequest(event: RequestAuthorizerEvent, urlOf: RequestUrl = defaultUrl, certificateOf: ClientCertificateSource = platformCertificate): TokenRequest {
  const query = queryString(event.queryStringParameters, event.multiValueQueryStringParameters, encodeURIComponent)
  const headers = headerRecord(event.headers, event.multiValueHeaders)
  const platformOrigin = originOf(event.requestContext?.domainName) ?? executeApiOrigin(event.methodArn)
  const url = urlOf({ target: withQuery(event.path, query), headers, platformOrigin })
  const certificate = certificateOf({ headers, platform: () => pemOf(event.requestContext?.identity) })
  return withParams({ method: event.httpMethod, url, headers, ...certificate }, event.pathParameters)
}

/** The request of an HTTP API authorizer event (payload 2.0). */
export function httpApiAuthorizerRequest(event: HttpApiAuthorizerEvent, urlOf: RequestUrl = defaultUrl, certificateOf: ClientCertificateSource = platformCertificate): TokenRequest {
  return v2Request(event, urlOf, certificateOf)
}

/**
 * The request of a REST API `TOKEN` authorizer event: the token source value as the
 * `Authorization` header; method and path read from the method ARN
 * (`arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{verb}/{path}`), so path-based
 * organization resolvers still work; the origin is the API's execute-api host.
 */
export function tokenAuthorizerRequest(event: TokenAuthorizerEvent, urlOf: RequestUrl = defaultUrl): TokenRequest {
  const [, , verb = '', ...path] = String(event.methodArn).split('/')
  const headers: Record<string, string> = typeof event.authorizationToken === 'string' ? { authorization: event.authorizationToken } : {}
  return { method: verb, url: urlOf({ target: `/${path.join('/')}`, headers, platformOrigin: executeApiOrigin(event.methodArn) }), headers }
}

/** `arn:aws:execute-api:{region}:{account}:{apiId}/…` → `https://{apiId}.execute-api.{region}.amazonaws.com`. */
function executeApiOrigin(methodArn: unknown): string | undefined {
  const [, , , region, , apiId] = String(methodArn).split('/')[0]!.split(':')
  return region === undefined || apiId === undefined ? undefined : originOf(`${apiId}.execute-api.${region}.amazonaws.com`)
}

const defaultUrl = defineRequestUrl()
const platformCertificate = defineClientCertificateSource('platform')

function v2Request(event: ApiGatewayProxyEventV2 | HttpApiAuthorizerEvent, urlOf: RequestUrl, certificateOf: ClientCertificateSource): TokenRequest {
  const headers = headerRecord(event.headers, undefined)
  const url = urlOf({ target: withQuery(event.rawPath, event.rawQueryString), headers, platformOrigin: originOf(event.requestContext.domainName) })
  const certificate = certificateOf({ headers, platform: () => pemOf(event.requestContext.authentication) })
  return withParams({ method: event.requestContext.http.method, url, headers, ...certificate }, event.pathParameters)
}

/** The PEM API Gateway put in `identity` (REST) or `authentication` (HTTP API), if any. */
function pemOf(holder: ClientCertIdentity | null | undefined): { readonly certificate: string } | undefined {
  const pem = holder?.clientCert?.clientCertPem
  return typeof pem === 'string' && pem !== '' ? { certificate: pem } : undefined
}

/** `https://` + a domain name API Gateway reports, if it is a plain host name. */
function originOf(domainName: string | undefined): string | undefined {
  return typeof domainName === 'string' && /^[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?$/i.test(domainName) ? `https://${domainName.toLowerCase()}` : undefined
}

function withParams(request: TokenRequest, params: SingleValueMap | undefined): TokenRequest {
  return params === undefined || params === null ? request : { ...request, routeParams: params }
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
