/**
 * The engine for a server with `discovery`: it reads the authorization server's metadata on first
 * use (through the discovery client: cached by `Cache-Control` within bounds, one fetch in
 * flight, a cooldown after a failure, the last good document served within a ceiling while
 * fetches fail), fills the endpoints the config leaves out, and runs the usual engine (inline
 * keys or the JWKS runtime) over the filled config. While the metadata is fresh, the inner
 * engine's synchronous hot path answers directly; a due document is read again through the full
 * path, and the inner engine is rebuilt only when the endpoints it uses changed.
 *
 * Metadata that cannot be read, names another issuer, or lacks an endpoint the config needs,
 * with nothing usable cached, is an outage: 503 `discovery_unavailable`, never a 401.
 *
 * @module
 */
import { platform } from '#platform'
import { usesMutualTls } from '../client-auth/index.ts'
import { validateAuthorizationServer, type AuthorizationServerConfig } from '../config/authorization-server.ts'
import { createDiscoveryClient, DiscoveryError } from '../discovery/discovery-client.ts'
import { discoveredEndpoint, type DiscoveredMetadata } from '../discovery/metadata.ts'
import { DiscoveryUnavailableError, ServerDisabledError } from '../errors.ts'
import type { TokenRequest } from '../http/bearer.ts'
import { defineAddressPolicy } from '../network/address-policy.ts'
import { err, ok, type Result } from '../result.ts'
import type { VerifierEngine } from './create-verifier.ts'
import type { ResolvedVerifierOptions } from './resolve-options.ts'
import { readCredential } from './stages/credential.ts'
import type { VerifierEvent, VerifierStatus } from './types.ts'

/**
 * The config a verifier runs once `server`'s metadata is known: `discovery` removed, and
 * `jwksUrl` (unless `jwksUrl` or inline `jwks` is set), `introspection.endpoint` and
 * `tokenEndpoint` filled from the document where the config leaves them out — from
 * `mtls_endpoint_aliases` when introspection authenticates with a client certificate (RFC 8705
 * §5). Explicit values win. The result is validated again like any config; an error names what
 * is missing or unacceptable. Pure.
 *
 * @internal
 */
export function serverFromMetadata(server: AuthorizationServerConfig, metadata: DiscoveredMetadata): Result<AuthorizationServerConfig, string> {
  const { discovery: _discovery, ...rest } = server
  const mutualTls = server.introspection !== undefined && usesMutualTls(server.introspection.clientAuthentication)
  const jwksUrl = server.jwksUrl ?? (server.jwks === undefined ? metadata.jwksUri : undefined)
  let introspection = server.introspection
  if (introspection !== undefined && introspection.endpoint === undefined) {
    const endpoint = discoveredEndpoint(metadata, 'introspection_endpoint', mutualTls)
    if (endpoint === undefined) return err('introspection.endpoint is not configured and the metadata names no introspection_endpoint')
    introspection = { ...introspection, endpoint }
  }
  if (jwksUrl === undefined && server.jwks === undefined && introspection === undefined) return err('jwksUrl is not configured and the metadata names no jwks_uri')
  const tokenEndpoint = server.tokenEndpoint ?? discoveredEndpoint(metadata, 'token_endpoint', mutualTls)
  const checked = validateAuthorizationServer({
    ...rest,
    jwksUrl,
    ...(introspection === undefined ? {} : { introspection }),
    ...(tokenEndpoint === undefined ? {} : { tokenEndpoint }),
  })
  if (!checked.ok) return err(`the metadata gives an unusable config: ${checked.issues.map((i) => `${i.path} ${i.message}`).join('; ')}`)
  return ok(checked.config)
}

const sameEndpoints = (a: AuthorizationServerConfig, b: AuthorizationServerConfig): boolean =>
  a.jwksUrl === b.jwksUrl && a.introspection?.endpoint === b.introspection?.endpoint && a.tokenEndpoint === b.tokenEndpoint

/** How long a replaced inner engine keeps running for verifications already under way. */
const retireAfterMs = 30_000

/**
 * Builds the engine of a `discovery` server. `engineFor` builds the inner engine (inline or JWKS
 * runtime) for a filled config.
 *
 * @internal
 */
export function createDiscoveringEngine(
  resolved: ResolvedVerifierOptions,
  seams: { readonly fetch: typeof fetch | undefined; readonly clock: (() => number) | undefined },
  engineFor: (filled: ResolvedVerifierOptions) => VerifierEngine | (() => Promise<VerifierEngine>),
): VerifierEngine {
  const { server, options } = resolved
  const issuer = server.issuer as string
  const emit = (event: VerifierEvent): void => {
    try {
      options.onEvent?.(event)
    } catch {
      // An observer never changes the outcome.
    }
  }
  const policy = options.jwks?.addressPolicy
  const client = createDiscoveryClient({
    issuer,
    discovery: server.discovery as true | string,
    httpGet: platform.httpGet(seams.fetch),
    clock: seams.clock === undefined ? undefined : { now: seams.clock },
    certificateValidation: server.jwksCertificateValidation,
    trustedCertificates: server.trustedCertificates.length > 0 ? server.trustedCertificates : undefined,
    trustMode: server.trustMode,
    proxy: server.proxy === undefined ? undefined : new URL(server.proxy),
    addressPolicy: policy === undefined || policy === null ? undefined : defineAddressPolicy(policy),
    timeoutMs: options.jwks?.timeoutMs,
    failureCooldownSeconds: options.jwks?.failureCooldownSeconds,
    maxStaleSeconds: options.jwks?.maxStaleSeconds,
    onEvent: emit,
  })

  let current: { readonly metadata: DiscoveredMetadata; readonly config: AuthorizationServerConfig; readonly engine: VerifierEngine } | undefined
  // The last document that could not be used, so that it is reported once, not on every request.
  let unusable: { readonly metadata: DiscoveredMetadata; readonly error: DiscoveryUnavailableError } | undefined
  let settling: Promise<VerifierEngine> | undefined
  const retired = new Set<VerifierEngine>()
  let closed = false

  const retire = (engine: VerifierEngine): void => {
    retired.add(engine)
    const timer: unknown = setTimeout(() => {
      retired.delete(engine)
      engine.close().catch(() => {})
    }, retireAfterMs)
    ;(timer as { unref?: () => void }).unref?.()
  }

  const settle = (): Promise<VerifierEngine> => {
    if (closed) return Promise.reject(new Error('This verifier is closed'))
    settling ??= (async (): Promise<VerifierEngine> => {
      let metadata: DiscoveredMetadata
      try {
        metadata = await client.metadata()
      } catch (cause) {
        const retryAfterSeconds = cause instanceof DiscoveryError ? cause.retryAfterSeconds : 5
        const kind = cause instanceof DiscoveryError ? cause.kind : 'network'
        throw new DiscoveryUnavailableError(`The metadata of ${issuer} could not be read (${kind})`, { retryAfterSeconds, cause })
      }
      if (current !== undefined && current.metadata === metadata) return current.engine
      if (unusable !== undefined && unusable.metadata === metadata) throw unusable.error
      const filled = serverFromMetadata(server, metadata)
      if (!filled.ok) {
        emit({ type: 'discovery_fetch_failed', issuer, url: metadata.source ?? '', kind: 'invalid_document', message: filled.error, durationMs: 0 })
        const error = new DiscoveryUnavailableError(`The metadata of ${issuer} cannot be used: ${filled.error}`, { retryAfterSeconds: 60 })
        unusable = { metadata, error }
        throw error
      }
      unusable = undefined
      if (current !== undefined && sameEndpoints(current.config, filled.value)) {
        current = { ...current, metadata }
        return current.engine
      }
      const source = engineFor({ ...resolved, server: filled.value })
      const engine = typeof source === 'function' ? await source() : source
      if (closed) {
        await engine.close()
        throw new Error('This verifier is closed')
      }
      if (current !== undefined) retire(current.engine)
      current = { metadata, config: filled.value, engine }
      return engine
    })().finally(() => {
      settling = undefined
    })
    return settling
  }

  // The inner engine while the metadata it was built from is fresh: the synchronous hot path.
  const ready = (): VerifierEngine | undefined => (current !== undefined && client.fresh() === current.metadata ? current.engine : undefined)
  const disabled = (): ServerDisabledError => new ServerDisabledError(`The authorization server "${server.name}" is disabled`)
  // A disabled server needs no metadata: a request without a token is still told so, any token is refused.
  const disabledRequest = (request: TokenRequest) => {
    const read = readCredential(request)
    return read.ok ? disabled() : read.error
  }

  const failedStatus = (error: unknown): VerifierStatus => ({
    authorizationServer: server.name,
    enabled: server.enabled,
    jwksSource: server.jwksUrl ?? `discovery:${issuer}`,
    lastSuccessfulFetchAt: undefined,
    lastFailure: { at: new Date((seams.clock ?? Date.now)()), reason: error instanceof Error ? error.message : String(error) },
    fetchCount: 0,
    keyCount: 0,
    stale: false,
    cachedTokens: 0,
  })

  return {
    verifyNow: (token, nowMs, verifyOptions) => (server.enabled ? ready()?.verifyNow(token, nowMs, verifyOptions) : disabled()),
    verifyRequestNow: (request, nowMs, verifyOptions) => (server.enabled ? ready()?.verifyRequestNow(request, nowMs, verifyOptions) : disabledRequest(request)),
    verify: (token, verifyOptions) => (server.enabled ? settle().then((engine) => engine.verify(token, verifyOptions)) : Promise.reject(disabled())),
    verifyRequest: async (request, verifyOptions) => {
      if (!server.enabled) throw disabledRequest(request)
      return (await settle()).verifyRequest(request, verifyOptions)
    },
    warm: async () => {
      await (await settle()).warm()
    },
    status: async () => {
      try {
        return await (await settle()).status()
      } catch (error) {
        return failedStatus(error)
      }
    },
    clearCache: async () => {
      await current?.engine.clearCache()
    },
    close: async () => {
      closed = true
      const engines = [...(current === undefined ? [] : [current.engine]), ...retired]
      current = undefined
      retired.clear()
      await Promise.all(engines.map((engine) => engine.close()))
    },
  }
}
