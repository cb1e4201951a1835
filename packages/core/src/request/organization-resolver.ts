/**
 * How an adapter learns which organization a request belongs to: a fixed ID, a header, a path
 * segment, a route parameter of the framework's router, or a function. Pure: a function of the
 * request.
 *
 * @module
 */
import { ConfigError } from '../errors.ts'
import { headerValues, type TokenRequest } from '../http/bearer.ts'
import { checkOrgId, isOrgId } from '../organization/org-id.ts'
import { isConfusingSegment, rawPathOf } from './raw-path.ts'

/** The ways to name the organization of a request. */
export type OrganizationResolverSpec =
  | { readonly static: string }
  | { readonly header: string }
  /** A URL path pattern with one `:orgId` segment, e.g. `/orgs/:orgId/*` or `/api/:orgId`. */
  | { readonly path: string }
  /** A route parameter the framework's router extracted (`TokenRequest.routeParams`), e.g. Express `req.params.orgId`. */
  | { readonly param: string }
  | ((request: TokenRequest) => string | undefined)

/** Returns the organization ID of a request, or `undefined` when the request names none (or names one ambiguously). */
export type OrganizationResolver = (request: TokenRequest) => string | undefined

const invalidSpec = () => new ConfigError([{ path: 'organization', message: 'must be { static }, { header }, { path }, { param } or a function' }])

/**
 * Builds a resolver from its spec, checking the spec now (a bad one throws `ConfigError`). Values
 * read from a request are accepted only if they are organization IDs by the one rule
 * (`checkOrgId`), so a hostile header or path can never name something else, and an ID no store
 * could hold is answered 400 by the guard, never 404 or 500.
 *
 * A `{ path }` resolver reads the raw path of `request.url` segment by segment, as a router does,
 * without resolving dot segments or decoding. It names no organization (the guard answers 400) when
 * the path holds a dot segment (`.`, `..`, `%2e`, `.%2E`…), a backslash (`\`, `%5c`) or an encoded
 * slash (`%2f`) anywhere,
 * or any percent-encoded character at or before the organization segment: such a path could be
 * routed to one organization and verified against another. Handlers should still compare the
 * verified organization with their own route parameter.
 *
 * @example
 * ```ts
 * const fromPath = defineOrganizationResolver({ path: '/orgs/:orgId/*' })
 * fromPath({ method: 'GET', url: 'https://api.example.com/orgs/12345/reports', headers: {} }) // '12345'
 * fromPath({ method: 'GET', url: 'https://api.example.com/orgs/victim/%2e%2e/attacker/reports', headers: {} }) // undefined
 * const fromRoute = defineOrganizationResolver({ param: 'orgId' }) // Express route params, Lambda pathParameters
 * const fromHeader = defineOrganizationResolver({ header: 'x-org-id' })
 * ```
 */
export function defineOrganizationResolver(spec: OrganizationResolverSpec): OrganizationResolver {
  if (typeof spec === 'function') {
    return (request) => {
      const id = spec(request)
      return isOrgId(id) ? id : undefined
    }
  }
  if (typeof spec !== 'object' || spec === null) throw invalidSpec()
  if ('static' in spec) {
    const problem = checkOrgId(spec.static)
    if (problem !== undefined) throw new ConfigError([{ path: 'organization.static', message: `must be an organization ID: ${problem}` }])
    const id = spec.static
    return () => id
  }
  if ('header' in spec) {
    if (typeof spec.header !== 'string' || !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(spec.header)) {
      throw new ConfigError([{ path: 'organization.header', message: 'must be a header name' }])
    }
    const name = spec.header
    return (request) => {
      const values = headerValues(request.headers, name)
      return values.length === 1 && isOrgId(values[0]) ? values[0] : undefined
    }
  }
  if ('param' in spec) {
    if (typeof spec.param !== 'string' || spec.param === '') throw new ConfigError([{ path: 'organization.param', message: 'must be the name of a route parameter, e.g. orgId' }])
    const name = spec.param
    return (request) => {
      const params = request.routeParams
      const id = params !== undefined && params !== null && Object.hasOwn(params, name) ? params[name] : undefined
      return isOrgId(id) ? id : undefined
    }
  }
  if ('path' in spec) {
    const segments = typeof spec.path === 'string' && spec.path.startsWith('/') ? spec.path.split('/').slice(1) : []
    const index = segments.indexOf(':orgId')
    if (index === -1 || segments.filter((s) => s === ':orgId').length !== 1) {
      throw new ConfigError([{ path: 'organization.path', message: 'must be a path like /orgs/:orgId/* with exactly one :orgId segment' }])
    }
    return (request) => {
      const path = rawPathOf(request.url)
      if (path === undefined) return undefined
      const parts = path.split('/').slice(1)
      if (parts.some(isConfusingSegment)) return undefined
      for (let i = 0; i <= index; i++) if (parts[i]?.includes('%') === true) return undefined
      for (let i = 0; i < index; i++) {
        const expected = segments[i]!
        if (expected !== '*' && expected !== parts[i]) return undefined
      }
      const id = parts[index]
      return isOrgId(id) ? id : undefined
    }
  }
  throw invalidSpec()
}
