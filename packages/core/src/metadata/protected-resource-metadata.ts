/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728): a pure builder for the document that tells
 * clients which authorization servers, scopes and token bindings an API accepts, its well-known
 * URL, and a `Request → Response` handler serving `/.well-known/oauth-protected-resource[/<path>]`
 * (one document per resource, e.g. per organization in a registry deployment).
 *
 * @module
 */
import type { DpopConfig } from '../config/dpop.ts'
import type { MtlsConfig } from '../config/mtls.ts'
import { ConfigError, type ConfigIssue } from '../errors.ts'

/**
 * What {@link defineProtectedResourceMetadata} builds the document from.
 *
 * @example
 * ```ts
 * const input: ProtectedResourceMetadataInput = { resource: 'https://api.example.com/orgs/acme', authorizationServers: ['https://acme.okta.com/oauth2/default'], dpop: server.dpop }
 * ```
 */
export interface ProtectedResourceMetadataInput {
  /** The resource identifier: an absolute `https:` URL without a fragment. */
  readonly resource: string
  /** Issuer identifiers of the authorization servers whose tokens the resource accepts. */
  readonly authorizationServers?: readonly string[] | undefined
  readonly scopesSupported?: readonly string[] | undefined
  /** How a token may be sent. Default `['header']`: tokenward reads no tokens from bodies or query strings. */
  readonly bearerMethodsSupported?: readonly ('header' | 'body' | 'query')[] | undefined
  /** The server's `dpop` section: algorithms, and whether DPoP-bound tokens are required. */
  readonly dpop?: DpopConfig | undefined
  /** The server's `mtls` section. Certificate-bound tokens are always understood. */
  readonly mtls?: MtlsConfig | undefined
  /** A human-readable name. */
  readonly resourceName?: string | undefined
  /** A URL of documentation for developers. */
  readonly resourceDocumentation?: string | undefined
}

/**
 * The RFC 9728 §2 document, as served.
 *
 * @example
 * ```ts
 * const doc: ProtectedResourceMetadata = defineProtectedResourceMetadata({ resource: 'https://api.example.com' })
 * doc.bearer_methods_supported // ['header']
 * ```
 */
export interface ProtectedResourceMetadata {
  readonly resource: string
  readonly authorization_servers?: readonly string[]
  readonly scopes_supported?: readonly string[]
  readonly bearer_methods_supported: readonly string[]
  readonly dpop_signing_alg_values_supported?: readonly string[]
  readonly dpop_bound_access_tokens_required: boolean
  readonly tls_client_certificate_bound_access_tokens: boolean
  readonly resource_name?: string
  readonly resource_documentation?: string
}

/**
 * The well-known path prefix of RFC 9728 §3.
 *
 * @example
 * ```ts
 * if (new URL(request.url).pathname.startsWith(protectedResourceMetadataPath)) return serveMetadata(request)
 * ```
 */
export const protectedResourceMetadataPath = '/.well-known/oauth-protected-resource'

function checkUrl(value: unknown, path: string, issues: ConfigIssue[], httpsOnly = true): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) {
    issues.push({ path, message: 'must be a URL of at most 2048 characters' })
    return undefined
  }
  let url: URL
  try {
    url = new URL(value)
  } catch {
    issues.push({ path, message: 'must be an absolute URL' })
    return undefined
  }
  if (httpsOnly && url.protocol !== 'https:') issues.push({ path, message: 'must use https' })
  else if (url.hash !== '' || value.includes('#')) issues.push({ path, message: 'must not contain a fragment' })
  else return value
  return undefined
}

/**
 * Builds a protected-resource metadata document, throwing {@link ConfigError} (every bad field
 * by path) when the input is invalid.
 *
 * @example
 * ```ts
 * const doc = defineProtectedResourceMetadata({
 *   resource: 'https://api.example.com',
 *   authorizationServers: ['https://acme.okta.com/oauth2/default'],
 *   dpop: defineDpopConfig({ mode: 'required' }),
 * })
 * // { resource, authorization_servers, bearer_methods_supported: ['header'], dpop_signing_alg_values_supported: [...], dpop_bound_access_tokens_required: true, ... }
 * ```
 */
export function defineProtectedResourceMetadata(input: ProtectedResourceMetadataInput): ProtectedResourceMetadata {
  const issues: ConfigIssue[] = []
  const resource = checkUrl(input.resource, 'resource', issues)
  const servers = input.authorizationServers?.map((s, i) => checkUrl(s, `authorizationServers[${i}]`, issues))
  input.scopesSupported?.forEach((s, i) => {
    if (typeof s !== 'string' || !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s)) issues.push({ path: `scopesSupported[${i}]`, message: 'must be an RFC 6749 scope-token' })
  })
  const methods = input.bearerMethodsSupported ?? ['header']
  methods.forEach((m, i) => {
    if (m !== 'header' && m !== 'body' && m !== 'query') issues.push({ path: `bearerMethodsSupported[${i}]`, message: 'must be "header", "body" or "query"' })
  })
  if (input.resourceDocumentation !== undefined) checkUrl(input.resourceDocumentation, 'resourceDocumentation', issues)
  if (input.resourceName !== undefined && (typeof input.resourceName !== 'string' || input.resourceName.length === 0)) {
    issues.push({ path: 'resourceName', message: 'must be a non-empty string' })
  }
  if (issues.length > 0) throw new ConfigError(issues)

  const dpopOn = input.dpop !== undefined && input.dpop.mode !== 'off'
  return Object.freeze({
    resource: resource!,
    ...(servers === undefined ? {} : { authorization_servers: servers as string[] }),
    ...(input.scopesSupported === undefined ? {} : { scopes_supported: [...input.scopesSupported] }),
    bearer_methods_supported: [...methods],
    ...(dpopOn ? { dpop_signing_alg_values_supported: [...input.dpop!.algorithms] } : {}),
    dpop_bound_access_tokens_required: input.dpop?.mode === 'required',
    tls_client_certificate_bound_access_tokens: true,
    ...(input.resourceName === undefined ? {} : { resource_name: input.resourceName }),
    ...(input.resourceDocumentation === undefined ? {} : { resource_documentation: input.resourceDocumentation }),
  })
}

/**
 * The URL a resource's metadata is published at (RFC 9728 §3.1): the well-known path inserted
 * between the host and the resource's path (a terminating `/` removed), its query kept. Use it
 * as the challenge's `resource_metadata`.
 *
 * @example
 * ```ts
 * protectedResourceMetadataUrl('https://api.example.com/orgs/acme') // 'https://api.example.com/.well-known/oauth-protected-resource/orgs/acme'
 * protectedResourceMetadataUrl('https://api.example.com/') // 'https://api.example.com/.well-known/oauth-protected-resource'
 * ```
 */
export function protectedResourceMetadataUrl(resource: string): string {
  const url = new URL(resource)
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '')
  return `${url.origin}${protectedResourceMetadataPath}${path}${url.search}`
}

/**
 * Finds the document for a request: the resource path after the well-known prefix (`''` or
 * `/orgs/acme`) and the request; `undefined` answers 404.
 *
 * @example
 * ```ts
 * const lookup: ProtectedResourceLookup = async (path) => (path === '' ? rootDocument : undefined)
 * ```
 */
export type ProtectedResourceLookup = (
  resourcePath: string,
  request: Request,
) => ProtectedResourceMetadata | undefined | Promise<ProtectedResourceMetadata | undefined>

/**
 * A `Request → Response` handler for `/.well-known/oauth-protected-resource[/<path>]`: `GET` and
 * `HEAD` answer the document as JSON (cacheable for 5 minutes); other paths 404, other methods
 * 405. Give one document (served at its own well-known URL) or a lookup by resource path.
 *
 * @example
 * ```ts
 * const serveMetadata = createProtectedResourceMetadataHandler(defineProtectedResourceMetadata({ resource: 'https://api.example.com' }))
 * Deno.serve((request) => new URL(request.url).pathname.startsWith('/.well-known/') ? serveMetadata(request) : app(request))
 * ```
 */
export function createProtectedResourceMetadataHandler(source: ProtectedResourceMetadata | ProtectedResourceLookup): (request: Request) => Promise<Response> {
  const lookup: ProtectedResourceLookup =
    typeof source === 'function'
      ? source
      : (() => {
          const own = new URL(protectedResourceMetadataUrl(source.resource))
          const ownPath = own.pathname.slice(protectedResourceMetadataPath.length)
          return (resourcePath: string) => (resourcePath === ownPath ? source : undefined)
        })()
  const json = (status: number, body: unknown, extra: Record<string, string> = {}, head = false): Response =>
    new Response(head ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...extra } })

  return async (request) => {
    const { pathname } = new URL(request.url)
    const rest = pathname.startsWith(protectedResourceMetadataPath) ? pathname.slice(protectedResourceMetadataPath.length) : undefined
    if (rest === undefined || (rest !== '' && !rest.startsWith('/'))) return json(404, { error: 'not_found' })
    if (request.method !== 'GET' && request.method !== 'HEAD') return json(405, { error: 'method_not_allowed' }, { allow: 'GET, HEAD' })
    const document = await lookup(rest, request)
    if (document === undefined) return json(404, { error: 'not_found' }, {}, request.method === 'HEAD')
    return json(200, document, { 'cache-control': 'public, max-age=300' }, request.method === 'HEAD')
  }
}

/**
 * Whether a value can be sent as a challenge's `resource_metadata` (RFC 9728 §5.1): an absolute
 * `https:` URL (`http:` only on a loopback host), without credentials or fragment, printable
 * ASCII without `"` or `\` (it goes into a quoted header parameter), at most 2048 characters.
 *
 * @example
 * ```ts
 * isResourceMetadataUrl('https://api.example.com/.well-known/oauth-protected-resource') // true
 * isResourceMetadataUrl('http://api.example.com/.well-known/oauth-protected-resource') // false
 * ```
 */
export function isResourceMetadataUrl(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 2048 || !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(value) || value.includes('#')) return false
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return false
  }
  if (url.username !== '' || url.password !== '') return false
  if (url.protocol === 'https:') return true
  return url.protocol === 'http:' && (url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]')
}
