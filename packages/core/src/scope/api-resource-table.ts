/**
 * The API resource table: which API resource category a request calls, from its method and raw
 * path. Pure and checked when built; the authorize stage asks it which category an organization's
 * API roles must grant.
 *
 * @module
 */
import { ConfigError, type ConfigIssue } from '../errors.ts'
import { isConfusingSegment, rawPathOf } from '../request/raw-path.ts'

/**
 * One route of an API resource table: an HTTP method (upper case as sent, e.g. `GET`, or `*` for
 * every method) and a path pattern. Segments are literal text or one `{name}` parameter, which
 * matches exactly one non-empty segment.
 *
 * @example
 * ```ts
 * const route: ApiResourceRoute = { method: 'GET', path: '/orgs/{orgId}/reports/{id}' }
 * ```
 */
export interface ApiResourceRoute {
  readonly method: string
  readonly path: string
}

/**
 * A row of an API resource table: the routes that belong to one API resource category, or, with
 * `category: null`, routes open to every API role of the organization (the token is still verified
 * and must carry one of the organization's API roles; no category is checked).
 *
 * @example
 * ```ts
 * const row: ApiResourceRow = { category: 'reports', routes: [{ method: 'GET', path: '/orgs/{orgId}/reports' }] }
 * const open: ApiResourceRow = { category: null, routes: [{ method: 'GET', path: '/orgs/{orgId}/whoami' }] }
 * ```
 */
export interface ApiResourceRow {
  readonly category: string | null
  readonly routes: readonly ApiResourceRoute[]
}

/**
 * Options of {@link defineApiResources}.
 *
 * @example
 * ```ts
 * const options: ApiResourceTableOptions = { unmapped: 'refuse' }
 * ```
 */
export interface ApiResourceTableOptions {
  /**
   * What a request that matches no row gets. `'refuse'` (the default): 403 `insufficient_scope`,
   * so a route added to the app but forgotten in the table is closed, not open. `'any-role'`:
   * treated like a `category: null` row (any API role of the organization), an explicit opt-out.
   */
  readonly unmapped?: 'refuse' | 'any-role' | undefined
}

/**
 * Which category a request calls, as the table decides it:
 * - `category`: a row matched; a token needs an API role that grants `category`;
 * - `any-role`: a `category: null` row matched (or nothing matched and the table allows unmapped
 *   requests): any API role of the organization passes;
 * - `refused`: nothing matched (`unmapped`), or the path reads differently to different routers
 *   (`ambiguous`: dot segments, encoded slashes or backslashes, empty segments, or a path whose
 *   percent-decoded or case-folded form would match another row).
 *
 * @example
 * ```ts
 * const match: ApiResourceMatch = { kind: 'category', category: 'reports', route: 'GET /orgs/{orgId}/reports' }
 * ```
 */
export type ApiResourceMatch =
  | { readonly kind: 'category'; readonly category: string; readonly route: string }
  | { readonly kind: 'any-role'; readonly route: string | undefined }
  | { readonly kind: 'refused'; readonly reason: 'unmapped' | 'ambiguous' }

/**
 * A built, checked API resource table (see {@link defineApiResources}).
 *
 * @example
 * ```ts
 * const table: ApiResourceTable = defineApiResources([{ category: 'reports', routes: [{ method: 'GET', path: '/reports' }] }])
 * table.match('GET', 'https://api.example.com/reports?page=2') // { kind: 'category', category: 'reports', route: 'GET /reports' }
 * ```
 */
export interface ApiResourceTable {
  readonly _tag: 'ApiResourceTable'
  /** Every category the table names, in order of first appearance. */
  readonly categories: readonly string[]
  /** The rows as given (copied). */
  readonly rows: readonly ApiResourceRow[]
  /** What an unmatched request gets. */
  readonly unmapped: 'refuse' | 'any-role'
  /** The category a request calls, from its method and URL (absolute, or path-only). */
  match(method: string, url: string): ApiResourceMatch
  /**
   * The categories a URL serves under any method (for RFC 8707 `resource` indicators, which name
   * a URL, not a method): `anyRole` when some method of it is open to every API role. Refused
   * when the path is ambiguous under any method, or when no method maps it (and the table refuses
   * unmapped requests).
   */
  categoriesAt(url: string): ApiResourceCategories
  /**
   * The category of a route the platform's router already chose, given as its pattern
   * (`/orgs/{orgId}/reports`, e.g. an API Gateway HTTP API `routeKey` without its method): the
   * row whose path pattern has the same shape (same literals, parameters at the same places; the
   * names do not matter), for the request's method. No path reading, so nothing to disguise. A
   * pattern the table cannot express (`{proxy+}`) matches no row and is refused whatever
   * `unmapped` says: it stands for many resources, never for one unmapped route.
   */
  matchRoute(method: string, routePath: string): ApiResourceMatch
}

/**
 * What {@link ApiResourceTable.categoriesAt} answers for a URL.
 *
 * @example
 * ```ts
 * const at: ApiResourceCategories = { kind: 'categories', categories: ['reports', 'policies'], anyRole: false }
 * ```
 */
export type ApiResourceCategories =
  | { readonly kind: 'categories'; readonly categories: readonly string[]; readonly anyRole: boolean }
  | { readonly kind: 'refused'; readonly reason: 'unmapped' | 'ambiguous' }

/**
 * True for a table built by {@link defineApiResources} (also from another installed copy).
 *
 * @example
 * ```ts
 * isApiResourceTable(defineApiResources([{ category: 'reports', routes: [{ method: 'GET', path: '/reports' }] }])) // true
 * isApiResourceTable([{ category: 'reports' }]) // false: rows, not a built table
 * ```
 */
export function isApiResourceTable(value: unknown): value is ApiResourceTable {
  return typeof value === 'object' && value !== null && (value as { _tag?: unknown })._tag === 'ApiResourceTable' && typeof (value as { match?: unknown }).match === 'function'
}

interface CompiledRoute {
  readonly method: string
  /** `undefined` at a parameter position. */
  readonly segments: readonly (string | undefined)[]
  readonly lowerSegments: readonly (string | undefined)[]
  readonly category: string | null
  readonly label: string
}

// RFC 9110 method token, upper case (methods are case-sensitive and routers see them as sent).
const methodPattern = /^[A-Z][A-Z0-9_-]*$/
const parameterPattern = /^\{[A-Za-z_][A-Za-z0-9_]*\}$/
// A literal segment: RFC 3986 pchar without `%` (the table names paths as a router would decode
// none), so no literal can itself be an encoding trick.
const literalPattern = /^[A-Za-z0-9\-._~!$&'()*+,;=:@]+$/
// API resource category names: the printable ASCII of a scope-token.
const maxSegments = 32
const categoryPattern = /^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/

/**
 * Builds the API resource table, checking it now: a `ConfigError` names each bad field by path
 * (`[0].category`, `[1].routes[2].path`…), including a route listed twice (also under two
 * categories), which would make the answer depend on order.
 *
 * Matching reads the raw path exactly as the organization resolver does (no dot-segment
 * resolution, no decoding). The most specific route wins: segment by segment from the left, a
 * literal beats a `{parameter}`; then an exact method beats `*`; `HEAD` also matches `GET` routes
 * (routers serve HEAD with the GET handler). A path that could be read differently by another
 * router is refused as `ambiguous`, never matched to a row: a dot segment (`..`, `%2e`), a
 * backslash or encoded slash, an empty segment, a segment that does not percent-decode, or a path
 * whose decoded or lower-cased form matches a different row than the path as sent (Express
 * matches case-insensitively by default; Hono decodes before matching). One trailing slash is read
 * as the path without it, as Express does by default. At most 32 segments per route. Declare the same routes as the router: the table cannot see which
 * handler the router chose, so where a route can carry its category itself (`resource` on a
 * route), prefer that.
 *
 * @example
 * ```ts
 * const resources = defineApiResources([
 *   { category: 'reports', routes: [{ method: 'GET', path: '/orgs/{orgId}/reports' }, { method: 'GET', path: '/orgs/{orgId}/reports/{id}' }] },
 *   { category: 'policies', routes: [{ method: '*', path: '/orgs/{orgId}/policies/{id}' }] },
 *   { category: null, routes: [{ method: 'GET', path: '/orgs/{orgId}/whoami' }] },
 * ])
 * resources.match('GET', '/orgs/12345/reports/7') // { kind: 'category', category: 'reports', route: 'GET /orgs/{orgId}/reports/{id}' }
 * resources.match('GET', '/orgs/12345/reports/..%2f..%2fpolicies/1') // { kind: 'refused', reason: 'ambiguous' }
 * resources.match('DELETE', '/orgs/12345/admin') // { kind: 'refused', reason: 'unmapped' }
 * ```
 */
export function defineApiResources(rows: readonly ApiResourceRow[], options: ApiResourceTableOptions = {}): ApiResourceTable {
  const issues: ConfigIssue[] = []
  if (!Array.isArray(rows)) throw new ConfigError([{ path: '', message: 'must be a list of { category, routes } rows' }])
  if (typeof options !== 'object' || options === null) throw new ConfigError([{ path: 'options', message: 'must be an object' }])
  const unmapped = options.unmapped ?? 'refuse'
  if (unmapped !== 'refuse' && unmapped !== 'any-role') issues.push({ path: 'options.unmapped', message: "must be 'refuse' or 'any-role'" })
  const compiled: CompiledRoute[] = []
  const categories: string[] = []
  const seen = new Map<string, string>()
  const copied: ApiResourceRow[] = []
  rows.forEach((row: unknown, r) => {
    if (typeof row !== 'object' || row === null) return void issues.push({ path: `[${r}]`, message: 'must be { category, routes }' })
    const { category, routes } = row as { category?: unknown; routes?: unknown }
    let rowCategory: string | null = null
    if (category === null) rowCategory = null
    else if (typeof category === 'string' && categoryPattern.test(category)) {
      rowCategory = category
      if (!categories.includes(category)) categories.push(category)
    } else issues.push({ path: `[${r}].category`, message: 'must be a category name (1 to 128 printable ASCII characters without space, " or \\) or null' })
    if (!Array.isArray(routes) || routes.length === 0) return void issues.push({ path: `[${r}].routes`, message: 'must be a non-empty list of { method, path }' })
    const copiedRoutes: ApiResourceRoute[] = []
    routes.forEach((route: unknown, i) => {
      const at = `[${r}].routes[${i}]`
      if (typeof route !== 'object' || route === null) return void issues.push({ path: at, message: 'must be { method, path }' })
      const { method, path } = route as { method?: unknown; path?: unknown }
      let ok = true
      if (typeof method !== 'string' || (method !== '*' && !methodPattern.test(method))) {
        issues.push({ path: `${at}.method`, message: "must be an upper-case HTTP method such as GET, or '*'" })
        ok = false
      }
      const segments = typeof path === 'string' ? patternSegments(path) : undefined
      if (segments === undefined) {
        issues.push({ path: `${at}.path`, message: 'must be a path such as /orgs/{orgId}/reports: literal segments (no %, no dot segments, no empty segments) or {name} parameters' })
        ok = false
      }
      if (!ok || segments === undefined) return
      const m = method as string
      const shape = `${m} /${segments.map((s) => s ?? '{}').join('/')}`
      const label = `${m} ${path as string}`
      const previous = seen.get(shape)
      if (previous !== undefined) return void issues.push({ path: `${at}.path`, message: `repeats ${previous}: each method and path shape may appear once` })
      seen.set(shape, label)
      copiedRoutes.push({ method: m, path: path as string })
      compiled.push({ method: m, segments, lowerSegments: segments.map((s) => s?.toLowerCase()), category: rowCategory, label })
    })
    copied.push({ category: rowCategory, routes: copiedRoutes })
  })
  if (issues.length > 0) throw new ConfigError(issues)

  const byLength = new Map<number, CompiledRoute[]>()
  for (const route of compiled) {
    const list = byLength.get(route.segments.length)
    if (list === undefined) byLength.set(route.segments.length, [route])
    else list.push(route)
  }
  const noRoutes: CompiledRoute[] = []
  const tableHasUpperCase = compiled.some((r) => r.segments.some((s) => s !== undefined && s !== s.toLowerCase()))
  const unmatched: ApiResourceMatch = Object.freeze(unmapped === 'refuse' ? { kind: 'refused', reason: 'unmapped' } : { kind: 'any-role', route: undefined })
  const ambiguous: ApiResourceMatch = Object.freeze({ kind: 'refused', reason: 'ambiguous' })
  const unreadable: ApiResourceMatch = Object.freeze({ kind: 'refused', reason: 'unmapped' })
  // One frozen answer per route, so a match allocates nothing for its result.
  const answers = new Map<CompiledRoute, ApiResourceMatch>(
    compiled.map((route) => [route, Object.freeze(route.category === null ? { kind: 'any-role' as const, route: route.label } : { kind: 'category' as const, category: route.category, route: route.label })]),
  )
  const answerOf = (route: CompiledRoute | undefined): ApiResourceMatch => (route === undefined ? unmatched : answers.get(route)!)

  const match = (method: string, url: string): ApiResourceMatch => {
    const path = typeof url === 'string' ? rawPathOf(url) : undefined
    if (path === undefined || typeof method !== 'string') return ambiguous
    const parts = path.split('/').slice(1)
    // A trailing slash is one empty last segment; any other empty segment is ambiguous.
    const trailingSlash = parts.length > 1 && parts.at(-1) === ''
    const body = trailingSlash ? parts.slice(0, -1) : parts
    if (body.some((p) => p === '' || (/[%.\\]/.test(p) && isConfusingSegment(p)))) return path === '/' ? answerOf(best(byLength.get(0) ?? noRoutes, method, [], false)) : ambiguous
    const routes = byLength.get(body.length) ?? noRoutes
    // Every reading another router could make must agree with the reading as sent; a reading
    // that cannot differ (nothing encoded, no upper case anywhere) is not computed twice.
    const first = best(routes, method, body, false)
    const encoded = body.some((p) => p.includes('%'))
    let decodedParts: string[] = body
    if (encoded) {
      const decoded = body.map(decodeSegment)
      if (decoded.some((d) => d === undefined)) return ambiguous
      decodedParts = decoded as string[]
      if (best(routes, method, decodedParts, false) !== first) return ambiguous
    }
    if (tableHasUpperCase || body.some((p) => p !== p.toLowerCase()) || decodedParts.some((p) => p !== p.toLowerCase())) {
      if (best(routes, method, body, true) !== first) return ambiguous
      if (encoded && best(routes, method, decodedParts, true) !== first) return ambiguous
    }
    // One trailing slash reads as the path without it (Express's default): a strict router would
    // answer 404 instead, so the trimmed reading never opens anything.
    return answerOf(first)
  }

  const matchRoute = (method: string, routePath: string): ApiResourceMatch => {
    const segments = typeof routePath === 'string' ? patternSegments(routePath) : undefined
    // A route the table cannot read (a greedy {proxy+}) covers many resources: it is never an
    // unmapped route that `unmapped: 'any-role'` would open to every role.
    if (segments === undefined || typeof method !== 'string') return unreadable
    let winner: CompiledRoute | undefined
    let winnerRank = -1
    for (const route of byLength.get(segments.length) ?? noRoutes) {
      const methodRank = route.method === method ? 2 : route.method === 'GET' && method === 'HEAD' ? 1 : route.method === '*' ? 0 : -1
      if (methodRank <= winnerRank || route.segments.some((s, i) => s !== segments[i])) continue
      winner = route
      winnerRank = methodRank
    }
    return answerOf(winner)
  }

  const methods = [...new Set(compiled.map((r) => r.method))]
  const categoriesAt = (url: string): ApiResourceCategories => {
    const found: string[] = []
    let anyRole = false
    for (const method of methods) {
      const m = match(method, url)
      if (m.kind === 'refused') {
        if (m.reason === 'ambiguous') return m
        continue
      }
      if (m.kind === 'any-role') anyRole = true
      else if (!found.includes(m.category)) found.push(m.category)
    }
    if (methods.length === 0 && unmapped === 'any-role') anyRole = true
    if (found.length === 0 && !anyRole) return { kind: 'refused', reason: 'unmapped' }
    return { kind: 'categories', categories: found, anyRole }
  }

  return {
    _tag: 'ApiResourceTable',
    categories,
    rows: copied,
    unmapped,
    match,
    categoriesAt,
    matchRoute,
  }
}

/** Segments of a table path: literal text, or `undefined` for a `{name}` parameter; `undefined` when the path is not a valid pattern. */
function patternSegments(path: string): (string | undefined)[] | undefined {
  if (!path.startsWith('/')) return undefined
  if (path === '/') return []
  const parts = path.split('/').slice(1)
  if (parts.length > maxSegments) return undefined
  const out: (string | undefined)[] = []
  for (const part of parts) {
    if (parameterPattern.test(part)) out.push(undefined)
    else if (literalPattern.test(part) && part !== '.' && part !== '..') out.push(part)
    else return undefined
  }
  return out
}

/** `decodeURIComponent` of one segment, or `undefined` when it does not decode or decodes to a separator. */
function decodeSegment(segment: string): string | undefined {
  if (!segment.includes('%')) return segment
  try {
    const decoded = decodeURIComponent(segment)
    return decoded.includes('/') || decoded.includes('\\') || decoded === '.' || decoded === '..' || decoded === '' ? undefined : decoded
  } catch {
    return undefined
  }
}

/** The most specific route for `method` and `parts` (see {@link defineApiResources}), or `undefined`. */
function best(routes: readonly CompiledRoute[], method: string, parts: readonly string[], foldCase: boolean): CompiledRoute | undefined {
  let winner: CompiledRoute | undefined
  let winnerRank = -1
  const request = foldCase ? parts.map((p) => p.toLowerCase()) : parts
  for (const route of routes) {
    const methodRank = route.method === method ? 2 : route.method === 'GET' && method === 'HEAD' ? 1 : route.method === '*' ? 0 : -1
    if (methodRank < 0) continue
    const segments = foldCase ? route.lowerSegments : route.segments
    if (segments.length !== request.length) continue
    let matches = true
    for (let i = 0; i < segments.length; i++) {
      const s = segments[i]
      if (s !== undefined && s !== request[i]) {
        matches = false
        break
      }
    }
    if (!matches) continue
    // Literal positions from the left outrank parameters; the method breaks ties.
    let rank = 0
    for (const s of segments) rank = rank * 2 + (s === undefined ? 0 : 1)
    rank = rank * 3 + methodRank
    if (winner === undefined || rank > winnerRank) {
      winner = route
      winnerRank = rank
    }
  }
  return winner
}
