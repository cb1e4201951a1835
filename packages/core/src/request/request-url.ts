/**
 * The one meaning of `TokenRequest.url`: the absolute URL the client called. Its origin comes from
 * configuration (`publicOrigin`), from forwarded headers only when the peer is a trusted proxy, or
 * from what the platform itself established (the local socket address, API Gateway's domain
 * name) — never from a raw `Host` header unless the operator opts in. Its path is the request
 * target exactly as received, never normalised, so the path the organization resolver reads is
 * the path the router segments.
 *
 * @module
 */
import { ConfigError, type ConfigIssue } from '../errors.ts'
import { headerValues, type HeadersInput } from '../http/bearer.ts'
import { definePeerTrust, parseIpAddress } from './ip-range.ts'

/**
 * How an adapter establishes the origin of `TokenRequest.url`.
 *
 * @example
 * ```ts
 * const options: RequestUrlOptions = { publicOrigin: 'https://api.example.com' }
 * const behindProxy: RequestUrlOptions = { trustedProxies: ['10.0.0.0/8', '127.0.0.1'] }
 * ```
 */
export interface RequestUrlOptions {
  /** The origin clients call, e.g. `https://api.example.com`. When set, nothing in the request can change it. */
  readonly publicOrigin?: string | undefined
  /**
   * Peers whose `Forwarded` (RFC 7239) or `X-Forwarded-Proto`/`X-Forwarded-Host` headers are
   * believed: addresses or CIDR ranges (`'10.0.0.0/8'`, `'::1'`), or a function of the peer's
   * address. The value the nearest proxy appended (the last one) is used. Default: none.
   */
  readonly trustedProxies?: readonly string[] | ((peerAddress: string) => boolean) | undefined
  /**
   * Take the origin from the `Host` header when neither `publicOrigin` nor a trusted proxy gives
   * it. Any client can send any `Host`: opt in only when something in front of the app checks it.
   * Default `false`.
   */
  readonly trustHostHeader?: boolean | undefined
}

/**
 * What an adapter knows about the connection a request came on.
 *
 * @example
 * ```ts
 * const connection: RequestConnection = { target: req.originalUrl, headers: req.headers, peerAddress: req.socket.remoteAddress, platformOrigin: 'http://127.0.0.1:3000' }
 * ```
 */
export interface RequestConnection {
  /** The request target as received (`/orgs/acme/reports?x=1`), or an absolute-form target. */
  readonly target: string
  readonly headers: HeadersInput
  /** The address of the peer that connected (a proxy, or the client). */
  readonly peerAddress?: string | undefined
  /** The origin the platform established without reading client headers, e.g. `http://127.0.0.1:3000`. */
  readonly platformOrigin?: string | undefined
  /** Whether the connection itself is TLS (the scheme used with a trusted `Host`). */
  readonly encrypted?: boolean | undefined
}

/**
 * Builds the absolute URL of a request from its connection; see {@link defineRequestUrl}.
 *
 * @example
 * ```ts
 * const urlOf: RequestUrl = defineRequestUrl({ publicOrigin: 'https://api.example.com' })
 * urlOf({ target: '/orgs/acme?x=1', headers: {} }) // 'https://api.example.com/orgs/acme?x=1'
 * ```
 */
export type RequestUrl = (connection: RequestConnection) => string

/** The origin used when nothing establishes one. */
export const unknownOrigin = 'http://localhost'

/**
 * Checks an origin option (`https://api.example.com`, `http://127.0.0.1:8080`): http or https, a
 * host, no credentials, path, query or fragment. Returns the serialised origin, or why it is not one.
 *
 * @example
 * ```ts
 * checkPublicOrigin('https://API.example.com/') // { ok: true, origin: 'https://api.example.com' }
 * checkPublicOrigin('https://api.example.com/v1') // { ok: false, message: '...' }
 * ```
 */
export function checkPublicOrigin(value: unknown): { readonly ok: true; readonly origin: string } | { readonly ok: false; readonly message: string } {
  const message = 'must be an origin such as https://api.example.com (http or https, no path, query or credentials)'
  if (typeof value !== 'string') return { ok: false, message }
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return { ok: false, message }
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '' || url.pathname !== '/' || /[?#]/.test(value)) {
    return { ok: false, message }
  }
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/]+\/?$/i.test(value)) return { ok: false, message }
  return { ok: true, origin: url.origin }
}

/**
 * Builds the function an adapter uses to turn a connection into `TokenRequest.url`, checking the
 * options now (a `ConfigError` names each bad field: `publicOrigin`, `trustedProxies[1]`…).
 * The origin is, in order: `publicOrigin`; the forwarded proto and host when the peer is a
 * trusted proxy (a forwarded host must be `host[:port]`, else it is ignored); the `Host` header
 * with `trustHostHeader: true`; the platform's own origin; `http://localhost`. The path is the
 * request target unchanged (an absolute-form target loses its scheme and authority).
 *
 * @example
 * ```ts
 * const urlOf = defineRequestUrl({ trustedProxies: ['10.0.0.0/8'] })
 * urlOf({ target: '/orgs/acme', headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com' }, peerAddress: '10.1.2.3' })
 * // 'https://api.example.com/orgs/acme'
 * ```
 */
export function defineRequestUrl(options: RequestUrlOptions = {}): RequestUrl {
  const issues: ConfigIssue[] = []
  if (typeof options !== 'object' || options === null) throw new ConfigError([{ path: '', message: 'must be an object' }])
  let publicOrigin: string | undefined
  if (options.publicOrigin !== undefined) {
    const checked = checkPublicOrigin(options.publicOrigin)
    if (checked.ok) publicOrigin = checked.origin
    else issues.push({ path: 'publicOrigin', message: checked.message })
  }
  const isTrusted = definePeerTrust(options.trustedProxies, 'trustedProxies', issues)
  if (options.trustHostHeader !== undefined && typeof options.trustHostHeader !== 'boolean') issues.push({ path: 'trustHostHeader', message: 'must be a boolean' })
  if (issues.length > 0) throw new ConfigError(issues)
  const trustHost = options.trustHostHeader === true

  return (connection) => {
    const path = pathOfTarget(connection.target)
    if (publicOrigin !== undefined) return publicOrigin + path
    if (isTrusted !== undefined && connection.peerAddress !== undefined && isTrusted(connection.peerAddress)) {
      const forwarded = forwardedOrigin(connection.headers, connection.encrypted === true)
      if (forwarded !== undefined) return forwarded + path
    }
    if (trustHost) {
      const host = singleHost(headerValues(connection.headers, 'host'))
      if (host !== undefined) return `${connection.encrypted === true ? 'https' : 'http'}://${host}${path}`
    }
    return (connection.platformOrigin ?? unknownOrigin) + path
  }
}

/** The path and query of a request target, unchanged; an absolute-form target loses its origin. */
function pathOfTarget(target: string): string {
  if (target.startsWith('/')) return target
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(target)
  if (absolute !== null) {
    const rest = target.slice(absolute[0].length)
    return rest.startsWith('/') ? rest : `/${rest}`
  }
  return `/${target}`
}

// host[:port]: a DNS name, an IPv4 address or a bracketed IPv6 address.
const hostPattern = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::(?:[0-9]{1,5}))?$/

function validHost(value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  const host = value.trim().toLowerCase()
  if (!hostPattern.test(host)) return undefined
  const port = /:([0-9]{1,5})$/.exec(host)
  if (port !== null && !host.endsWith(']') && Number(port[1]) > 65535) return undefined
  if (host.startsWith('[') && parseIpAddress(host.slice(0, host.lastIndexOf(']') + 1)) === undefined) return undefined
  return host
}

function singleHost(values: readonly string[]): string | undefined {
  return values.length === 1 ? validHost(values[0]) : undefined
}

const lastListValue = (values: readonly string[]): string | undefined => {
  const items = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '')
  return items.at(-1)
}

/** The origin a trusted proxy forwarded: `Forwarded` first, else `X-Forwarded-Proto`/`-Host`, else its `Host`. */
function forwardedOrigin(headers: HeadersInput, encrypted: boolean): string | undefined {
  let proto: string | undefined
  let host: string | undefined
  const forwarded = lastListValue(headerValues(headers, 'forwarded'))
  if (forwarded !== undefined) {
    for (const pair of forwarded.split(';')) {
      const eq = pair.indexOf('=')
      if (eq === -1) continue
      const name = pair.slice(0, eq).trim().toLowerCase()
      let value = pair.slice(eq + 1).trim()
      if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1)
      if (name === 'proto') proto = value.toLowerCase()
      else if (name === 'host') host = value
    }
  } else {
    proto = lastListValue(headerValues(headers, 'x-forwarded-proto'))?.toLowerCase()
    host = lastListValue(headerValues(headers, 'x-forwarded-host'))
  }
  if (proto !== undefined && proto !== 'http' && proto !== 'https') return undefined
  const checkedHost = host === undefined ? singleHost(headerValues(headers, 'host')) : validHost(host)
  if (checkedHost === undefined) return undefined
  return `${proto ?? (encrypted ? 'https' : 'http')}://${checkedHost}`
}
