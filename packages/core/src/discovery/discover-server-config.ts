/**
 * Discovery for an authorization server config: reads the server's metadata once (RFC 8414, or
 * OpenID Connect discovery) and fills the endpoints the config leaves out, before the config is
 * built. Explicit values always win; nothing else is changed.
 *
 * @module
 */
import { defineClientAuthentication, usesMutualTls } from '../client-auth/index.ts'
import type { AuthorizationServerInput } from '../config/authorization-server.ts'
import type { IntrospectionInput } from '../config/introspection.ts'
import { ConfigError, type ConfigIssue } from '../errors.ts'
import type { AddressPolicy } from '../network/address-policy.ts'
import type { HttpGet } from '../platform/types.ts'
import { createDiscoveryClient, type DiscoveryEvent } from './discovery-client.ts'
import { discoveredEndpoint } from './metadata.ts'

/**
 * An authorization server config that asks for discovery: `discovery` is `true` (the RFC 8414
 * location, then the OpenID Connect one, derived from `issuer`) or the metadata URL, and
 * `introspection.endpoint` may be left out.
 *
 * @example
 * ```ts
 * const input: DiscoverableServerInput = {
 *   name: 'PingFed1', issuer: 'https://as.example', discovery: true,
 *   introspection: { clientId: 'tokenward-rs', clientAuthentication: { method: 'client_secret_basic', clientSecret: '…' } },
 * }
 * ```
 */
export type DiscoverableServerInput = Omit<AuthorizationServerInput, 'introspection'> & {
  readonly discovery: true | string
  readonly introspection?: Omit<IntrospectionInput, 'endpoint'> & { readonly endpoint?: string }
}

/**
 * Options of {@link discoverServerConfig}.
 *
 * @example
 * ```ts
 * const options: DiscoverServerConfigOptions = { httpGet: platformHttpGet(), onEvent: (e) => log.info(e) }
 * ```
 */
export interface DiscoverServerConfigOptions {
  /** The HTTP seam, e.g. `platformHttpGet()`. */
  readonly httpGet: HttpGet
  /** Which addresses the metadata URL may reach (a tenant-supplied issuer). */
  readonly addressPolicy?: AddressPolicy | undefined
  /** Per-request timeout. Default 5000 ms. */
  readonly timeoutMs?: number | undefined
  /** Receives the discovery client's events. */
  readonly onEvent?: ((event: DiscoveryEvent) => void) | undefined
}

/**
 * Fetches the metadata of `input.issuer` and returns the config with `discovery` removed and
 * the missing endpoints filled in: `jwksUrl` (when neither `jwksUrl` nor `jwks` is set) and
 * `introspection.endpoint` (when an `introspection` section has none) and `tokenEndpoint` — with a certificate
 * client authentication (`tls_client_auth`, `self_signed_tls_client_auth`) the document's
 * `mtls_endpoint_aliases` entry is used (RFC 8705 §5). The metadata request uses the config's
 * `trustedCertificates`, `trustMode`, `proxy` and `jwksCertificateValidation`. The result is then
 * built as usual (`createVerifier`, `defineAuthorizationServer`).
 *
 * Rejects with {@link ConfigError} when `issuer` or `discovery` is missing or malformed, or when
 * a needed endpoint is neither configured nor in the metadata; with `DiscoveryError` when the
 * metadata cannot be read (an outage: retry later).
 *
 * @example
 * ```ts
 * const server = await discoverServerConfig({ name: 'PingFed1', issuer: 'https://as.example', discovery: true }, { httpGet: platformHttpGet() })
 * const verifier = createVerifier({ server, organization })
 * ```
 */
export async function discoverServerConfig(input: DiscoverableServerInput, options: DiscoverServerConfigOptions): Promise<AuthorizationServerInput> {
  const { discovery, ...rest } = input
  const issues: ConfigIssue[] = []
  if (typeof input.issuer !== 'string' || input.issuer.length === 0) issues.push({ path: 'issuer', message: 'is required with discovery: the metadata must name this issuer' })
  if (discovery !== true && typeof discovery !== 'string') issues.push({ path: 'discovery', message: 'must be true or the metadata URL' })
  let mutualTls = false
  if (input.introspection?.clientAuthentication !== undefined) {
    const auth = defineClientAuthentication(input.introspection.clientAuthentication, 'introspection.clientAuthentication')
    if (auth.ok) mutualTls = usesMutualTls(auth.value)
    else issues.push(...auth.error)
  }
  if (issues.length > 0) throw new ConfigError(issues)
  const client = createDiscoveryClient({
    issuer: input.issuer as string,
    discovery,
    httpGet: options.httpGet,
    certificateValidation: input.jwksCertificateValidation ?? true,
    trustedCertificates: input.trustedCertificates,
    trustMode: input.trustMode,
    proxy: input.proxy === undefined ? undefined : new URL(input.proxy),
    addressPolicy: options.addressPolicy,
    timeoutMs: options.timeoutMs,
    onEvent: options.onEvent,
  })
  const metadata = await client.metadata()

  const filled: { -readonly [K in keyof AuthorizationServerInput]: AuthorizationServerInput[K] } = { ...(rest as AuthorizationServerInput) }
  if (input.jwksUrl === undefined && input.jwks === undefined && metadata.jwksUri !== undefined) filled.jwksUrl = metadata.jwksUri
  if (input.introspection !== undefined && input.introspection.endpoint === undefined) {
    const endpoint = discoveredEndpoint(metadata, 'introspection_endpoint', mutualTls)
    if (endpoint === undefined) throw new ConfigError([{ path: 'introspection.endpoint', message: 'is not configured and the metadata names no introspection_endpoint' }])
    filled.introspection = { ...input.introspection, endpoint }
  }
  if (input.tokenEndpoint === undefined) {
    const tokenEndpoint = discoveredEndpoint(metadata, 'token_endpoint', mutualTls)
    if (tokenEndpoint !== undefined) filled.tokenEndpoint = tokenEndpoint
  }
  if (filled.jwksUrl === undefined && filled.jwks === undefined && filled.introspection === undefined) {
    throw new ConfigError([{ path: 'jwksUrl', message: 'is not configured and the metadata names no jwks_uri' }])
  }
  return filled
}
