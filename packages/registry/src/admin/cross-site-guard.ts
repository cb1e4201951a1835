/**
 * The cross-site request guard of the admin API: a browser page on another origin must not be
 * able to make an admin's browser change anything with the admin's session cookie. Pure.
 *
 * Applied to state-changing requests (every method but GET, HEAD and OPTIONS) that carry a
 * `Cookie` and no `Authorization` header: a caller presenting a bearer token sends its credential
 * on purpose, so bearer-token callers are unchanged. Such a request must pass all three checks:
 * - Fetch Metadata: `Sec-Fetch-Site`, when sent, is `same-origin` (browsers send it; a page on
 *   another site cannot forge it);
 * - `Origin` is sent and is one of the allowed origins (by default the API's own origin);
 * - the custom header `x-tokenward-admin: 1` is present (a cross-site form cannot set a header,
 *   and a cross-site `fetch` that sets one needs a CORS preflight the API never grants).
 *
 * @module
 */
import type { ConfigIssue } from '@tokenward/core'

/**
 * The header the console (or any same-origin page) sends with every state-changing call.
 *
 * @example
 * ```ts
 * await fetch('/admin/orgs/acme/authorization-servers/Okta1/disable', { method: 'POST', headers: { [adminRequestHeader]: '1' } })
 * ```
 */
export const adminRequestHeader = 'x-tokenward-admin'

/**
 * Options of the cross-site request guard (`AdminApiOptions.csrf`).
 *
 * @example
 * ```ts
 * const csrf: CrossSiteGuardOptions = { allowedOrigins: ['https://admin.example.com'] }
 * ```
 */
export interface CrossSiteGuardOptions {
  /**
   * The origins (`scheme://host[:port]`) whose pages may change things with a cookie session.
   * Default: only the origin of the request URL the API sees.
   */
  readonly allowedOrigins?: readonly string[]
}

/**
 * Why the guard refused a request (the admin API answers `403 cross_site_request`).
 *
 * @example
 * ```ts
 * const refusal: CrossSiteRefusal = { reason: 'origin_not_allowed', message: 'Origin https://evil.example is not allowed' }
 * ```
 */
export interface CrossSiteRefusal {
  readonly reason: 'fetch_metadata' | 'origin_missing' | 'origin_not_allowed' | 'header_missing'
  readonly message: string
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * Checks the options of the guard; every bad one named by path under `path`.
 *
 * @example
 * ```ts
 * checkCrossSiteGuardOptions({ allowedOrigins: ['https://a.example/path'] }, 'csrf')
 * // [{ path: 'csrf.allowedOrigins[0]', message: 'must be an origin: scheme://host[:port], nothing after it' }]
 * ```
 */
export function checkCrossSiteGuardOptions(options: unknown, path: string): ConfigIssue[] {
  if (options === undefined || options === false) return []
  if (typeof options !== 'object' || options === null) return [{ path, message: 'must be { allowedOrigins? } or false' }]
  const { allowedOrigins, ...rest } = options as { allowedOrigins?: unknown }
  const issues: ConfigIssue[] = Object.keys(rest).map((key) => ({ path: `${path}.${key}`, message: 'unknown field' }))
  if (allowedOrigins === undefined) return issues
  if (!Array.isArray(allowedOrigins)) return [...issues, { path: `${path}.allowedOrigins`, message: 'must be an array of origins' }]
  for (const [i, origin] of allowedOrigins.entries()) {
    if (!isOrigin(origin)) issues.push({ path: `${path}.allowedOrigins[${i}]`, message: 'must be an origin: scheme://host[:port], nothing after it' })
  }
  return issues
}

/**
 * Decides whether `request` may go on: `undefined` when it may, or why it may not.
 *
 * @example
 * ```ts
 * const refused = refuseCrossSiteRequest(request, { allowedOrigins: ['https://admin.example.com'] })
 * if (refused !== undefined) return errorResponse(403, 'cross_site_request', refused.message)
 * ```
 */
export function refuseCrossSiteRequest(request: Request, options: CrossSiteGuardOptions): CrossSiteRefusal | undefined {
  if (safeMethods.has(request.method)) return undefined
  const headers = request.headers
  if (headers.has('authorization') || !headers.has('cookie')) return undefined
  const site = headers.get('sec-fetch-site')
  if (site !== null && site !== 'same-origin') {
    return { reason: 'fetch_metadata', message: `A cookie-authenticated change must come from the same origin (Sec-Fetch-Site: ${site.slice(0, 32)})` }
  }
  const origin = headers.get('origin')
  if (origin === null || origin === 'null') return { reason: 'origin_missing', message: 'A cookie-authenticated change must carry an Origin header' }
  const allowed = options.allowedOrigins ?? [new URL(request.url).origin]
  if (!allowed.includes(origin)) return { reason: 'origin_not_allowed', message: `Changes are not accepted from origin ${origin.slice(0, 200)}` }
  if (headers.get(adminRequestHeader) !== '1') {
    return { reason: 'header_missing', message: `A cookie-authenticated change must carry the header ${adminRequestHeader}: 1` }
  }
  return undefined
}

function isOrigin(value: unknown): boolean {
  if (typeof value !== 'string') return false
  try {
    return new URL(value).origin === value
  } catch {
    return false
  }
}
