/**
 * Authorization server metadata (RFC 8414, OpenID Connect Discovery 1.0): where to find it for an
 * issuer, and what tokenward takes from it. Pure: no network, no clock.
 *
 * @module
 */
import { parseStrictJsonObject } from '../jws/strict-json.ts'
import { err, ok, type Result } from '../result.ts'

/**
 * What discovery yields for one issuer. Endpoints are absolute URL strings; a member the document
 * did not carry (or carried malformed) is absent. `mtlsEndpointAliases` keeps the document's
 * member names (`token_endpoint`, `introspection_endpoint`, …), as RFC 8705 §5 defines them.
 *
 * @example
 * ```ts
 * const m: DiscoveredMetadata = { issuer: 'https://as.example', jwksUri: 'https://as.example/jwks', mtlsEndpointAliases: {} }
 * ```
 */
export interface DiscoveredMetadata {
  /** The issuer, equal to the configured one (RFC 8414 §3.3). */
  readonly issuer: string
  readonly jwksUri?: string
  readonly introspectionEndpoint?: string
  readonly tokenEndpoint?: string
  /** RFC 8705 §5: endpoints to use instead when authenticating with a client certificate. */
  readonly mtlsEndpointAliases: Readonly<Record<string, string>>
  /** `introspection_endpoint_auth_methods_supported`, when given. */
  readonly introspectionEndpointAuthMethods?: readonly string[]
  /** `token_endpoint_auth_methods_supported`, when given. */
  readonly tokenEndpointAuthMethods?: readonly string[]
  /** The URL the document was read from. */
  readonly source?: string
}

/**
 * Where the metadata of `issuer` is looked for, in order. `true`: the RFC 8414 location, with
 * `/.well-known/oauth-authorization-server` inserted between the host and the issuer's path
 * (`https://as.example/tenant/1` → `https://as.example/.well-known/oauth-authorization-server/tenant/1`),
 * then the OpenID Connect location, appended to the issuer
 * (`https://as.example/tenant/1/.well-known/openid-configuration`). A URL string: that URL only.
 *
 * @example
 * ```ts
 * discoveryUrls('https://as.example/tenant/1', true).map(String)
 * // ['https://as.example/.well-known/oauth-authorization-server/tenant/1', 'https://as.example/tenant/1/.well-known/openid-configuration']
 * ```
 */
export function discoveryUrls(issuer: string, discovery: true | string): readonly URL[] {
  if (discovery !== true) return [new URL(discovery)]
  const base = new URL(issuer)
  const path = base.pathname.replace(/\/+$/, '')
  return [
    new URL(`/.well-known/oauth-authorization-server${path}`, base.origin),
    new URL(`${base.origin}${path}/.well-known/openid-configuration`),
  ]
}

const endpointMembers = [
  ['jwks_uri', 'jwksUri'],
  ['introspection_endpoint', 'introspectionEndpoint'],
  ['token_endpoint', 'tokenEndpoint'],
] as const

/**
 * Why a metadata document was not used.
 *
 * @example
 * ```ts
 * const r = parseAuthorizationServerMetadata(document, issuer); if (!r.ok && r.error.problem === 'issuer_mismatch') ignoreDocument()
 * ```
 */
export type MetadataProblem = 'invalid_document' | 'issuer_mismatch'

/** An absolute URL with the issuer's scheme, or https (so an http issuer on loopback can discover its own endpoints), no credentials or fragment. */
const endpointUrl = (value: unknown, issuer: URL): string | undefined => {
  if (typeof value !== 'string' || !URL.canParse(value)) return undefined
  const url = new URL(value)
  if (url.protocol !== 'https:' && url.protocol !== issuer.protocol) return undefined
  if (url.username !== '' || url.password !== '' || url.hash !== '') return undefined
  return value
}

const stringList = (value: unknown): readonly string[] | undefined =>
  Array.isArray(value) && value.every((v) => typeof v === 'string') ? Object.freeze([...(value as string[])]) : undefined

/**
 * Reads an authorization server metadata document (a JSON text, its bytes, or an already parsed
 * object) for `expectedIssuer`. The document's `issuer` must equal `expectedIssuer` exactly, as
 * RFC 8414 §3.3 requires (no trailing-slash or case leniency): otherwise the document must not be
 * used, and the answer is `issuer_mismatch`. Endpoints must be absolute `https:` URLs (or use the
 * issuer's own scheme); a malformed endpoint is dropped, not trusted. Duplicate JSON members
 * make the document invalid.
 *
 * @example
 * ```ts
 * const r = parseAuthorizationServerMetadata('{"issuer":"https://as.example","jwks_uri":"https://as.example/jwks"}', 'https://as.example')
 * if (r.ok) r.value.jwksUri // 'https://as.example/jwks'
 * parseAuthorizationServerMetadata('{"issuer":"https://as.example/"}', 'https://as.example') // { ok: false, error: { problem: 'issuer_mismatch', … } }
 * ```
 */
export function parseAuthorizationServerMetadata(
  json: unknown,
  expectedIssuer: string,
): Result<DiscoveredMetadata, { readonly problem: MetadataProblem; readonly message: string }> {
  let document: unknown = json
  if (typeof json === 'string') document = new TextEncoder().encode(json)
  if (document instanceof Uint8Array) {
    const parsed = parseStrictJsonObject(document)
    if (!parsed.ok) return err({ problem: 'invalid_document', message: `the metadata document ${parsed.error}` })
    document = parsed.value
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    return err({ problem: 'invalid_document', message: 'the metadata document is not a JSON object' })
  }
  const d = document as Record<string, unknown>
  if (typeof d.issuer !== 'string') return err({ problem: 'invalid_document', message: 'the metadata document has no "issuer"' })
  if (d.issuer !== expectedIssuer) {
    const shown = d.issuer.length > 200 ? `${d.issuer.slice(0, 200)}…` : d.issuer
    return err({ problem: 'issuer_mismatch', message: `the metadata document names issuer ${JSON.stringify(shown)}, not ${JSON.stringify(expectedIssuer)} (RFC 8414 §3.3)` })
  }
  const issuerUrl = new URL(expectedIssuer)
  const metadata: Record<string, unknown> = { issuer: expectedIssuer }
  for (const [member, name] of endpointMembers) {
    const url = endpointUrl(d[member], issuerUrl)
    if (url !== undefined) metadata[name] = url
  }
  const aliases: Record<string, string> = {}
  const rawAliases = d.mtls_endpoint_aliases
  if (typeof rawAliases === 'object' && rawAliases !== null && !Array.isArray(rawAliases)) {
    for (const [member, value] of Object.entries(rawAliases)) {
      const url = endpointUrl(value, issuerUrl)
      if (url !== undefined && /^[a-z_]+$/.test(member)) aliases[member] = url
    }
  }
  metadata.mtlsEndpointAliases = Object.freeze(aliases)
  const introspectionMethods = stringList(d.introspection_endpoint_auth_methods_supported)
  if (introspectionMethods !== undefined) metadata.introspectionEndpointAuthMethods = introspectionMethods
  const tokenMethods = stringList(d.token_endpoint_auth_methods_supported)
  if (tokenMethods !== undefined) metadata.tokenEndpointAuthMethods = tokenMethods
  return ok(Object.freeze(metadata) as unknown as DiscoveredMetadata)
}

/**
 * The endpoint to call: with client-certificate authentication (`mutualTls`), the document's
 * `mtls_endpoint_aliases` entry when it has one (RFC 8705 §5), otherwise the ordinary endpoint.
 * `undefined` when the document names neither.
 *
 * @example
 * ```ts
 * discoveredEndpoint(metadata, 'introspection_endpoint', auth.mutualTls) // 'https://mtls.as.example/introspect'
 * ```
 */
export function discoveredEndpoint(metadata: DiscoveredMetadata, endpoint: 'introspection_endpoint' | 'token_endpoint', mutualTls: boolean): string | undefined {
  const alias = mutualTls ? metadata.mtlsEndpointAliases[endpoint] : undefined
  return alias ?? (endpoint === 'introspection_endpoint' ? metadata.introspectionEndpoint : metadata.tokenEndpoint)
}
