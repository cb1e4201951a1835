/**
 * How an adapter learns which organization a request belongs to: a fixed ID, a header, a path
 * segment, or a function. Pure: a function of the request.
 *
 * @module
 */
import { ConfigError } from '../errors.ts'
import { headerValues, type TokenRequest } from '../http/bearer.ts'

/** The ways to name the organization of a request. */
export type OrganizationResolverSpec =
  | { readonly static: string }
  | { readonly header: string }
  /** A URL path pattern with one `:orgId` segment, e.g. `/orgs/:orgId/*` or `/api/:orgId`. */
  | { readonly path: string }
  | ((request: TokenRequest) => string | undefined)

/** Returns the organization ID of a request, or `undefined` when the request names none. */
export type OrganizationResolver = (request: TokenRequest) => string | undefined

const orgIdPattern = /^[A-Za-z0-9._-]{1,128}$/

/**
 * Builds a resolver from its spec, checking the spec now (a bad one throws `ConfigError`). Values
 * read from a request are accepted only if they look like an organization ID (letters, digits,
 * `.`, `_`, `-`; at most 128), so a hostile header or path can never name something else.
 *
 * @example
 * ```ts
 * const fromPath = defineOrganizationResolver({ path: '/orgs/:orgId/*' })
 * fromPath({ method: 'GET', url: 'https://api.example.com/orgs/12345/reports', headers: {} }) // '12345'
 * const fromHeader = defineOrganizationResolver({ header: 'x-org-id' })
 * ```
 */
export function defineOrganizationResolver(spec: OrganizationResolverSpec): OrganizationResolver {
  if (typeof spec === 'function') {
    return (request) => {
      const id = spec(request)
      return typeof id === 'string' && orgIdPattern.test(id) ? id : undefined
    }
  }
  if (typeof spec !== 'object' || spec === null) throw new ConfigError([{ path: 'organization', message: 'must be { static }, { header }, { path } or a function' }])
  if ('static' in spec) {
    if (typeof spec.static !== 'string' || !orgIdPattern.test(spec.static)) throw new ConfigError([{ path: 'organization.static', message: 'must be an organization ID' }])
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
      return values.length === 1 && orgIdPattern.test(values[0]!) ? values[0] : undefined
    }
  }
  if ('path' in spec) {
    const segments = typeof spec.path === 'string' && spec.path.startsWith('/') ? spec.path.split('/').slice(1) : []
    const index = segments.indexOf(':orgId')
    if (index === -1 || segments.filter((s) => s === ':orgId').length !== 1) {
      throw new ConfigError([{ path: 'organization.path', message: 'must be a path like /orgs/:orgId/* with exactly one :orgId segment' }])
    }
    return (request) => {
      let pathname: string
      try {
        pathname = new URL(request.url, 'http://localhost').pathname
      } catch {
        return undefined
      }
      const parts = pathname.split('/').slice(1)
      for (let i = 0; i < index; i++) {
        const expected = segments[i]!
        if (expected !== '*' && expected !== parts[i]) return undefined
      }
      const id = parts[index]
      return id !== undefined && orgIdPattern.test(id) ? id : undefined
    }
  }
  throw new ConfigError([{ path: 'organization', message: 'must be { static }, { header }, { path } or a function' }])
}
