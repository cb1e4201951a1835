/**
 * Any Web-standard `(Request) → Response` handler (the admin console, the registry's admin API,
 * the issuer's token endpoint, the RFC 9728 metadata handler, your own) as a Lambda proxy
 * handler: REST API (payload 1.0), HTTP API or function URL (payload 2.0), and ALB events in,
 * each event kind's own result shape out.
 *
 * @module
 */
import { STATUS_CODES } from 'node:http'
import { defineEventUrl, proxyEventKind, proxyEventRequest, type EventUrlOptions, type ProxyEventKind } from './event-request.ts'
import type {
  AlbEvent,
  AlbResult,
  ApiGatewayProxyEventV1,
  ApiGatewayProxyEventV2,
  ApiGatewayProxyResultV1,
  ApiGatewayProxyResultV2,
  LambdaContext,
  ProxyResultFor,
} from './types.ts'

/**
 * The request body of a proxy event, as API Gateway and ALB deliver it.
 *
 * @example
 * ```ts
 * const body: ProxyEventBody = { body: 'eyJhIjoxfQ==', isBase64Encoded: true }
 * ```
 */
export interface ProxyEventBody {
  /** The body, as text or (with `isBase64Encoded`) base64; `null` or absent when there is none. */
  readonly body?: string | null | undefined
  readonly isBase64Encoded?: boolean | undefined
}

/**
 * Every event {@link fromFetchHandler} accepts: a proxy event with its body; payload 2.0 events
 * also carry their `cookies` (API Gateway moves the `Cookie` header there); REST API events their
 * `requestContext.stage`.
 *
 * @example
 * ```ts
 * export const handler = fromFetchHandler(console)
 * await handler(event satisfies FetchProxyEvent, context)
 * ```
 */
export type FetchProxyEvent =
  | (ApiGatewayProxyEventV1 & ProxyEventBody & { readonly requestContext?: { readonly stage?: string | undefined; readonly [other: string]: unknown } | undefined })
  | (ApiGatewayProxyEventV2 & ProxyEventBody & { readonly cookies?: readonly string[] | null | undefined })
  | (AlbEvent & ProxyEventBody)

/**
 * A Web handler as {@link fromFetchHandler} calls it: the `Request`, then the Lambda event and
 * context for the rare handler that needs them (an authorizer's `requestContext.authorizer`).
 *
 * @example
 * ```ts
 * const hello: FetchHandler = (request) => new Response(`hello from ${new URL(request.url).pathname}`)
 * ```
 */
export type FetchHandler<E = FetchProxyEvent, C = LambdaContext> = (request: Request, event: E, context: C) => Response | Promise<Response>

/**
 * Options of {@link fromFetchHandler}, checked when it is built.
 *
 * @example
 * ```ts
 * const options: FromFetchHandlerOptions = { publicOrigin: 'https://admin.example.com', maxBodyBytes: 256 * 1024 }
 * ```
 */
export interface FromFetchHandlerOptions extends EventUrlOptions {
  /**
   * The largest request body (after base64 decoding) handed to the handler, in bytes; a larger
   * one is answered 413 `request_body_too_large` without calling it. Default 1 MiB (Lambda
   * itself accepts at most 6 MB).
   */
  readonly maxBodyBytes?: number | undefined
  /**
   * REST APIs (payload 1.0) only: put `/{requestContext.stage}` back in front of `event.path`.
   * Called on its `execute-api` host, a REST API's clients see `/prod/console/…` while the event's
   * `path` is `/console/…`; a handler that writes links (the console's page and assets) must see
   * the path the browser used. Leave it off behind a custom domain (its base path mapping is not
   * the stage), and for HTTP APIs, whose `rawPath` already carries a named stage. Default `false`.
   */
  readonly includeStage?: boolean | undefined
  /**
   * Called with every error the bridge answers 500 for (the handler threw or rejected, or a
   * response could not be put into the result shape), for your logs. The client sees no stack.
   */
  readonly onError?: ((error: unknown) => void) | undefined
}

/**
 * The Lambda handler {@link fromFetchHandler} returns: the event kind's result shape, never a
 * rejection for anything the client sent.
 *
 * @example
 * ```ts
 * export const handler: FetchProxyHandler = fromFetchHandler(createAdminConsole({ adminApiBase: '/admin/' }))
 * ```
 */
export type FetchProxyHandler<E extends FetchProxyEvent = FetchProxyEvent, C = LambdaContext> = (event: E, context: C) => Promise<ProxyResultFor<E>>

/** Codes of {@link FetchBridgeError}, each with its HTTP status. */
const statusOfCode = { request_body_too_large: 413, invalid_request: 400, handler_failed: 500, result_not_representable: 500 } as const

/**
 * Why {@link fromFetchHandler} answered instead of the handler: `request_body_too_large` (413),
 * `invalid_request` (400: a path URL parsing would rewrite, a header a `Request` cannot carry),
 * `handler_failed` (500: the handler threw or rejected), `result_not_representable` (500: two
 * `Set-Cookie` headers for an ALB target group without multi-value headers). Handed to
 * `onError` for the 500s; the client gets `{ error, code }` JSON.
 *
 * @example
 * ```ts
 * fromFetchHandler(handler, { onError: (e) => isFetchBridgeError(e) && console.error(e.code, e.cause) })
 * ```
 */
export class FetchBridgeError extends Error {
  readonly _tag = 'FetchBridgeError' as const
  readonly status: 400 | 413 | 500
  constructor(
    readonly code: keyof typeof statusOfCode,
    message: string,
    options?: { readonly cause?: unknown },
  ) {
    super(message, options)
    this.name = 'FetchBridgeError'
    this.status = statusOfCode[code]
  }
}

/**
 * True for a {@link FetchBridgeError}, also one from another installed copy of this package.
 *
 * @example
 * ```ts
 * if (isFetchBridgeError(error)) console.error(error.code)
 * ```
 */
export function isFetchBridgeError(value: unknown): value is FetchBridgeError {
  return typeof value === 'object' && value !== null && (value as { _tag?: unknown })._tag === 'FetchBridgeError'
}

const defaultMaxBodyBytes = 1024 * 1024

/**
 * Mounts a Web-standard handler on Lambda. For each REST API (payload 1.0), HTTP API or function
 * URL (payload 2.0) or ALB event it builds a `Request`:
 *
 * - **URL**: the origin is `publicOrigin`, else `https://` + the domain API Gateway answered on
 *   (never the client's `Host`); ALB events, which carry only the client's `Host`, get
 *   `http://localhost` unless `publicOrigin` is set (set it: the admin API's cross-site guard
 *   compares `Origin` with it). The path is the one API Gateway or the ALB routed, not decoded
 *   and not normalised; one URL parsing would rewrite (a dot segment, also `%2e`; a backslash; a
 *   control character) is answered 400 `invalid_request` and never reaches the handler, so a gate
 *   in front sees what the handler acts on. Encoded slashes (`%2F`) reach it as they are. REST
 *   APIs' `path` lacks the stage: see `includeStage`. The query is `rawQueryString` (2.0) or
 *   the (multi-value) parameters, re-encoded.
 * - **Headers**: every value of a repeated header (multi-value maps win); payload 2.0's
 *   `cookies` become one `Cookie` header.
 * - **Body**: base64-decoded when `isBase64Encoded`; larger than `maxBodyBytes` → 413.
 *
 * The `Response` becomes the event's result: status (ALB: with `statusDescription`); headers as
 * `multiValueHeaders` when the event had them (every `Set-Cookie` kept), else single-valued, with
 * payload 2.0's `Set-Cookie`s in `cookies`; the body as text for textual content types, else
 * base64 (`isBase64Encoded: true`); no body for `HEAD`. A handler that throws is answered 500
 * `handler_failed`, with no stack.
 *
 * @example
 * ```ts
 * import { createAdminConsole } from '@tokenward/console'
 * import { createAdminApi } from '@tokenward/registry'
 * import { fromFetchHandler } from '@tokenward/lambda'
 *
 * const admin = createAdminApi({ ...apiOptions, basePath: '/admin/' })
 * const page = createAdminConsole({ adminApiBase: '/admin/', basePath: '/console/' })
 * export const handler = fromFetchHandler(
 *   (request) => (new URL(request.url).pathname.startsWith('/admin/') ? admin(request) : page(request)),
 *   { publicOrigin: 'https://admin.example.com' },
 * )
 * ```
 */
export function fromFetchHandler<E extends FetchProxyEvent = FetchProxyEvent, C = LambdaContext>(
  handler: FetchHandler<E, C>,
  options: FromFetchHandlerOptions = {},
): FetchProxyHandler<E, C> {
  if (typeof handler !== 'function') throw new TypeError('fromFetchHandler: handler must be a function')
  if (typeof options !== 'object' || options === null) throw new TypeError('fromFetchHandler: options must be an object')
  const maxBodyBytes = options.maxBodyBytes ?? defaultMaxBodyBytes
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 0) throw new TypeError('fromFetchHandler: options.maxBodyBytes must be a non-negative integer')
  if (options.includeStage !== undefined && typeof options.includeStage !== 'boolean') throw new TypeError('fromFetchHandler: options.includeStage must be a boolean')
  if (options.onError !== undefined && typeof options.onError !== 'function') throw new TypeError('fromFetchHandler: options.onError must be a function')
  const urlOf = defineEventUrl(options)
  const includeStage = options.includeStage === true
  const report = (error: unknown): void => {
    try {
      options.onError?.(error)
    } catch {
      // A failing logger does not change the answer.
    }
  }

  return async (event, context) => {
    const kind = proxyEventKind(event)
    const multiValue = kind !== 'v2' && (event as { multiValueHeaders?: unknown }).multiValueHeaders != null
    let request: Request
    try {
      request = eventToRequest(event, kind, includeStage, maxBodyBytes, urlOf)
    } catch (error) {
      const failure = isFetchBridgeError(error) ? error : new FetchBridgeError('invalid_request', 'The request cannot be handed on as a Web Request', { cause: error })
      return failureResult(kind, multiValue, failure) as ProxyResultFor<E>
    }
    try {
      const response = await handler(request, event, context)
      if (!(response instanceof Response)) throw new TypeError('fromFetchHandler: the handler did not return a Response')
      return (await responseToResult(response, kind, multiValue, request.method === 'HEAD')) as ProxyResultFor<E>
    } catch (error) {
      const failure = isFetchBridgeError(error) ? error : new FetchBridgeError('handler_failed', 'The handler failed', { cause: error })
      report(failure)
      return failureResult(kind, multiValue, failure) as ProxyResultFor<E>
    }
  }
}

/** A segment URL parsing treats as `.` or `..`, a backslash (read as `/`), or a character it drops or cuts at. */
const rewrittenPath = /(?:^|\/)(?:\.|%2e){1,2}(?:\/|$)|\\|[\u0000-\u001f\u007f#?]/i

function eventToRequest(event: FetchProxyEvent, kind: ProxyEventKind, includeStage: boolean, maxBodyBytes: number, urlOf: ReturnType<typeof defineEventUrl>): Request {
  let routed = event
  if (kind === 'v1' && includeStage) {
    const stage = (event as ApiGatewayProxyEventV1 & { requestContext?: { stage?: unknown } }).requestContext?.stage
    if (typeof stage === 'string' && stage !== '' && stage !== '$default') routed = { ...(event as ApiGatewayProxyEventV1), path: `/${encodeURIComponent(stage)}${(event as ApiGatewayProxyEventV1).path}` }
  }
  const path = kind === 'v2' ? (routed as ApiGatewayProxyEventV2).rawPath : (routed as ApiGatewayProxyEventV1 | AlbEvent).path
  if (typeof path !== 'string' || !path.startsWith('/') || rewrittenPath.test(path)) {
    throw new FetchBridgeError('invalid_request', 'The request path is not in normal form (dot segments, backslashes and control characters are refused)')
  }
  const shape = proxyEventRequest(routed, kind, urlOf)
  const url = new URL(shape.url)
  // Belt and braces: URL parsing may percent-encode characters, never add or remove a segment.
  if (url.pathname.split('/').length !== path.split('/').length) throw new FetchBridgeError('invalid_request', 'The request path is not in normal form')

  const headers = new Headers()
  for (const [name, values] of Object.entries(shape.headers)) for (const value of typeof values === 'string' ? [values] : (values ?? [])) headers.append(name, value)
  const cookies = kind === 'v2' ? (event as { cookies?: readonly string[] | null }).cookies : undefined
  if (Array.isArray(cookies) && cookies.length > 0) headers.append('cookie', cookies.join('; '))

  const init: RequestInit = { method: shape.method, headers }
  const { body, isBase64Encoded } = event as ProxyEventBody
  if (typeof body === 'string' && body !== '' && shape.method !== 'GET' && shape.method !== 'HEAD') {
    const bytes = isBase64Encoded === true ? Buffer.from(body, 'base64') : new TextEncoder().encode(body)
    if (bytes.byteLength > maxBodyBytes) throw new FetchBridgeError('request_body_too_large', `The request body is larger than ${maxBodyBytes} bytes`)
    init.body = new Uint8Array(bytes)
  }
  return new Request(url, init)
}

type AnyResult = ApiGatewayProxyResultV1 & ApiGatewayProxyResultV2 & AlbResult

/** Content types sent as text; everything else (images, fonts, archives, unknown) as base64. */
const textualType = /^(?:text\/|application\/(?:json|javascript|ecmascript|xml|x-www-form-urlencoded|problem\+json|jwk-set\+json|jwk\+json|jwt)\b|[a-z]+\/[a-z0-9.+-]*\+(?:json|xml)\b)/i

async function responseToResult(response: Response, kind: ProxyEventKind, multiValue: boolean, head: boolean): Promise<AnyResult> {
  const result = { statusCode: response.status } as AnyResult
  if (kind === 'alb') result.statusDescription = `${response.status} ${STATUS_CODES[response.status] ?? 'Unknown'}`
  const setCookies = response.headers.getSetCookie()
  if (multiValue) {
    const multi: Record<string, string[]> = {}
    for (const [name, value] of response.headers) if (name !== 'set-cookie') multi[name] = [value]
    if (setCookies.length > 0) multi['set-cookie'] = setCookies
    result.multiValueHeaders = multi
  } else {
    const single: Record<string, string> = {}
    for (const [name, value] of response.headers) if (name !== 'set-cookie') single[name] = value
    if (kind === 'v2') {
      if (setCookies.length > 0) result.cookies = setCookies
    } else if (setCookies.length > 1 && kind === 'v1') {
      // REST APIs merge `headers` and `multiValueHeaders` whatever the event carried.
      result.multiValueHeaders = { 'set-cookie': setCookies }
    } else if (setCookies.length > 1) {
      throw new FetchBridgeError('result_not_representable', 'The handler set several cookies; turn on multi-value headers for the ALB target group')
    } else if (setCookies.length === 1) single['set-cookie'] = setCookies[0]!
    result.headers = single
  }
  const bytes = head || response.body === null ? new Uint8Array() : new Uint8Array(await response.arrayBuffer())
  const encoding = response.headers.get('content-encoding')
  const type = response.headers.get('content-type') ?? ''
  const charset = /;\s*charset="?([^";\s]+)/i.exec(type)?.[1]?.toLowerCase()
  const asText = bytes.byteLength === 0 || ((encoding === null || encoding === 'identity') && textualType.test(type) && (charset === undefined || charset === 'utf-8' || charset === 'utf8'))
  result.body = asText ? new TextDecoder().decode(bytes) : Buffer.from(bytes).toString('base64')
  result.isBase64Encoded = !asText
  return result
}

function failureResult(kind: ProxyEventKind, multiValue: boolean, failure: FetchBridgeError): AnyResult {
  const headers = { 'content-type': 'application/json', 'cache-control': 'no-store' }
  const body = JSON.stringify({ error: failure.status === 500 ? 'server_error' : 'invalid_request', code: failure.code })
  const result = { statusCode: failure.status, body, isBase64Encoded: false } as AnyResult
  if (kind === 'alb') result.statusDescription = `${failure.status} ${STATUS_CODES[failure.status]}`
  if (multiValue) result.multiValueHeaders = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]]))
  else result.headers = headers
  return result
}
