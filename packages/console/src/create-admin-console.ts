/**
 * The admin console as one Web-standard handler, `(request: Request) => Promise<Response>`.
 *
 * @module
 */
import { consoleScript, consoleStyle } from '#console-assets'
import { ConsoleConfigError, type ConsoleConfigIssue } from './console-config-error.ts'
import { pageHtml } from './page-html.ts'
import { securityHeaders } from './security-headers.ts'

/**
 * Options of {@link createAdminConsole}.
 *
 * @example
 * ```ts
 * const options: AdminConsoleOptions = {
 *   adminApiBase: '/admin/',
 *   basePath: '/console/',
 *   apiBaseUrl: (orgId) => `https://api.example.com/orgs/${orgId}/`,
 * }
 * ```
 */
export interface AdminConsoleOptions {
  /**
   * The path where the admin API (`createAdminApi` of `@tokenward/registry`) is mounted, on the
   * same origin as the console (the page's Content-Security-Policy allows `connect-src 'self'`
   * only). Starts with `/`; a trailing `/` is added.
   */
  readonly adminApiBase: string
  /** The path the console is mounted under, as the request URL shows it. Default `/`. */
  readonly basePath?: string | undefined
  /** The base URL of the protected API an organization's clients call, shown on the page. */
  readonly apiBaseUrl?: ((orgId: string) => string) | undefined
  /** The page title. Default `tokenward admin console`. */
  readonly title?: string | undefined
}

/**
 * The console handler: never rejects, always answers.
 *
 * @example
 * ```ts
 * const console: AdminConsole = createAdminConsole({ adminApiBase: '/admin/' })
 * const page = await console(new Request('https://admin.example.com/orgs/acme/'))
 * ```
 */
export type AdminConsole = (request: Request) => Promise<Response>

/** Organization IDs the page can be served for: the admin API's unreserved characters. */
const orgIdPattern = /^[A-Za-z0-9._~-]{1,128}$/
const pathPattern = (value: unknown): boolean =>
  typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') && !/[?#\s\\"'<>]/.test(value) && !/\/\.{1,2}(?:\/|$)/.test(value)

/**
 * Builds the admin console: the "OAuth 2.0 Authorization Servers" page of an organization at
 * `{basePath}orgs/{orgId}/`, and its script and style under `{basePath}assets/`. The page talks
 * to the admin API at `adminApiBase` on the same origin, with the browser's session cookie and
 * the `x-tokenward-admin: 1` header the admin API's cross-site guard asks for. It never touches a
 * store: what an admin may see and change is decided by the admin API alone.
 *
 * Every answer carries {@link consoleContentSecurityPolicy}, `X-Content-Type-Options: nosniff`,
 * `Referrer-Policy: no-referrer` and `X-Frame-Options: DENY`. Options are checked here
 * ({@link ConsoleConfigError} names every bad one).
 *
 * @example
 * ```ts
 * import express from 'express'
 * import { adminApi } from '@tokenward/express'
 * import { createAdminConsole } from '@tokenward/console'
 *
 * const app = express()
 * app.use('/admin', adminApi(createAdminApi({ ...apiOptions, basePath: '/admin/' })))
 * app.use('/console', adminApi(createAdminConsole({ adminApiBase: '/admin/', basePath: '/console/' })))
 * // Deno, Bun, Workers: Deno.serve(createAdminConsole({ adminApiBase: '/admin/' }))
 * ```
 */
export function createAdminConsole(options: AdminConsoleOptions): AdminConsole {
  const o = resolveOptions(options)
  const script = consoleScript
  const style = consoleStyle
  return async (request) => {
    try {
      return answer(o, request, script, style)
    } catch {
      return text(500, 'The console failed to answer')
    }
  }
}

interface Resolved {
  readonly adminApiBase: string
  readonly basePath: string
  readonly apiBaseUrl: ((orgId: string) => string) | undefined
  readonly title: string
}

function resolveOptions(options: AdminConsoleOptions): Resolved {
  if (typeof options !== 'object' || options === null) throw new ConsoleConfigError([{ path: '', message: 'must be an object' }])
  const issues: ConsoleConfigIssue[] = []
  const need = (path: string, ok: boolean, message: string): void => {
    if (!ok) issues.push({ path, message })
  }
  const known = ['adminApiBase', 'basePath', 'apiBaseUrl', 'title']
  for (const key of Object.keys(options)) need(key, known.includes(key), 'unknown option')
  need('adminApiBase', pathPattern(options.adminApiBase), 'must be a same-origin path starting with "/", without query, fragment, quotes, spaces or dot segments')
  const basePath = options.basePath ?? '/'
  need('basePath', pathPattern(basePath), 'must be a path starting with "/", without query, fragment, quotes, spaces or dot segments')
  need('apiBaseUrl', options.apiBaseUrl === undefined || typeof options.apiBaseUrl === 'function', 'must be a function (orgId) => URL string')
  const title = options.title ?? 'tokenward admin console'
  need('title', typeof title === 'string' && title.length > 0 && title.length <= 100, 'must be a string of 1 to 100 characters')
  if (issues.length > 0) throw new ConsoleConfigError(issues)
  const slash = (p: string): string => (p.endsWith('/') ? p : `${p}/`)
  return { adminApiBase: slash(options.adminApiBase), basePath: slash(basePath), apiBaseUrl: options.apiBaseUrl, title }
}

function answer(o: Resolved, request: Request, script: string, style: string): Response {
  const { pathname } = new URL(request.url)
  if (!pathname.startsWith(o.basePath)) return text(404, 'Not found')
  const rest = pathname.slice(o.basePath.length)
  const asset = rest === 'assets/console.js' ? script : rest === 'assets/console.css' ? style : undefined
  const match = /^orgs\/([^/]+)\/?$/.exec(rest)
  if (asset === undefined && match === null) return text(404, 'Not found')
  if (request.method !== 'GET' && request.method !== 'HEAD') return text(405, 'Use GET', { allow: 'GET, HEAD' })
  const head = request.method === 'HEAD'
  if (asset !== undefined) {
    const type = rest.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8'
    return respond(200, head ? null : asset, { 'content-type': type, 'cache-control': 'no-cache' })
  }
  const orgId = (match as RegExpExecArray)[1] as string
  if (!orgIdPattern.test(orgId) || orgId === '.' || orgId === '..') return text(404, 'Not found')
  const html = pageHtml({ title: o.title, orgId, adminApiBase: o.adminApiBase, basePath: o.basePath, apiBaseUrl: o.apiBaseUrl?.(orgId) ?? '' })
  return respond(200, head ? null : html, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
}

function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return respond(status, body, { ...headers, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' })
}

function respond(status: number, body: string | null, headers: Record<string, string>): Response {
  return new Response(body, { status, headers: { ...headers, ...securityHeaders } })
}
