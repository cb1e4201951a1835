/**
 * How the admin API answers: JSON bodies with `cache-control: no-store`, and one error shape,
 * `{ error, message, issues?, ... }`, for every refusal.
 *
 * @module
 */
import type { ConfigIssue } from '@tokenward/core'

/**
 * The JSON body of every admin API error: a stable `error` code, a `message` for people, every
 * bad field by path in `issues` (bad input only), and structured details when the refusal has
 * them (`field`, `expected`, `actual`, `revision`...).
 *
 * @example
 * ```ts
 * const body: AdminErrorBody = { error: 'invalid_request', message: 'The request body is invalid', issues: [{ path: 'validationId', message: 'must be a string' }] }
 * ```
 */
export interface AdminErrorBody {
  readonly error: string
  readonly message: string
  readonly issues?: readonly ConfigIssue[]
  readonly [detail: string]: unknown
}

const baseHeaders = { 'content-type': 'application/json', 'cache-control': 'no-store' } as const

/**
 * A JSON response with `content-type: application/json` and `cache-control: no-store`.
 *
 * @example
 * ```ts
 * return jsonResponse(200, { revision: 3 }, { etag: '"3"' })
 * ```
 */
export function jsonResponse(status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...headers, ...baseHeaders } })
}

/**
 * A response without a body (204), still marked `cache-control: no-store`.
 *
 * @example
 * ```ts
 * return emptyResponse(204, { etag: '"9"' })
 * ```
 */
export function emptyResponse(status: number, headers: Readonly<Record<string, string>> = {}): Response {
  return new Response(null, { status, headers: { ...headers, 'cache-control': 'no-store' } })
}

/**
 * An error response in the admin API's one error shape.
 *
 * @example
 * ```ts
 * return errorResponse(404, 'organization_not_found', 'No organization "acme"')
 * return errorResponse(405, 'method_not_allowed', 'Use GET or POST', { headers: { allow: 'GET, POST' } })
 * ```
 */
export function errorResponse(
  status: number,
  error: string,
  message: string,
  extra: { readonly issues?: readonly ConfigIssue[] | undefined; readonly details?: Readonly<Record<string, unknown>>; readonly headers?: Readonly<Record<string, string>> } = {},
): Response {
  const body: AdminErrorBody = {
    ...extra.details,
    error,
    message,
    ...(extra.issues === undefined ? {} : { issues: extra.issues }),
  }
  return jsonResponse(status, body, extra.headers)
}

/**
 * The `400 invalid_request` answer for a request whose body or headers break the API's own
 * rules, naming every problem by path.
 *
 * @example
 * ```ts
 * return invalidRequest([{ path: 'validationId', message: 'must be a string' }, { path: 'name', message: 'is required and must be a string' }])
 * ```
 */
export function invalidRequest(issues: readonly ConfigIssue[]): Response {
  const first = issues[0]
  const summary = first === undefined ? '' : `: ${first.path || '(root)'} ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`
  return errorResponse(400, 'invalid_request', `The request is invalid${summary}`, { issues })
}
