/**
 * The one implementation of token verification, as named stages in order:
 *
 * 1. **credential** — read the bearer credential of the request;
 * 2. **jwt** — verified-token cache → parse → header → key selection → signature → claims, **or**
 *    **introspect** (`stages/introspect.ts`) for opaque tokens when the server has `introspection`;
 * 3. **binding** (`stages/binding.ts`) — when the server checks sender constraints (`dpop.mode`
 *    not `off`, or `mtls`), the request must prove a `cnf` token's key (DPoP proof) or certificate,
 *    on every request, cached token or not; otherwise a `cnf` token is refused by the claim rules
 *    (`token_bound`);
 * 4. **authorize** (`stages/authorize.ts`) — the organization's API role.
 *
 * It does no I/O itself and needs no runtime. Whenever a stage needs asynchronous work it answers
 * with one "needs work" hand-off ({@link NeedsWork}): `NeedsKeys` (a JWKS fetch or refresh, an
 * unknown kid, a key import still settling) or `NeedsIntrospection` (a request to the
 * authorization server). The caller does that work and calls {@link VerificationPipeline.completeWith}
 * or {@link VerificationPipeline.completeIntrospection}. Every error names the stage that refused
 * it in `stage`. The Effect service and both Promise doors run this.
 *
 * @module
 */
import { isVerificationError, MalformedTokenError, ServerDisabledError, type VerificationError } from '../errors.ts'
import { bearerSyntaxError, type TokenRequest } from '../http/bearer.ts'
import { createIntrospectionClient } from '../introspection/introspection-client.ts'
import { verifyIntrospectionJwt } from '../introspection/verify-introspection-jwt.ts'
import type { Result } from '../result.ts'
import { withTargets } from '../network/with-targets.ts'
import type { IntrospectionEvent, ServerTargetFailoverEvent } from '../introspection/introspection-event.ts'
import type { JwksSnapshot, KeySetStatus } from '../jwks/jwks-snapshot.ts'
import type { AddressPolicy } from '../network/address-policy.ts'
import type { HttpPost, Platform } from '../platform/types.ts'
import { grantsFromClaims, type TokenGrants } from '../scope/api-role.ts'
import type { ResolvedVerifierOptions } from './resolve-options.ts'
import { authorizeCachedToken, createAuthorizeStage } from './stages/authorize.ts'
import { checksSenderConstraints, createBindingStage, type BindingRequest } from './stages/binding.ts'
import { readCredential, withBearerSyntax } from './stages/credential.ts'
import { readCredentials } from '../request/credentials.ts'
import type { IntrospectionCache } from '../state/introspection-cache.ts'
import type { ReplayStore } from '../state/replay-store.ts'
import { createIntrospectStage, type IntrospectStage, type NeedsIntrospection } from './stages/introspect.ts'
import { createJwtStage, isNeedsKeys, type KeyView, type NeedsKeys } from './stages/jwt.ts'
import type { VerifiedAccessToken, VerifierStatus, VerifyOptions } from './types.ts'

export { isNeedsKeys, type KeyView, type NeedsKeys } from './stages/jwt.ts'

/** A verification's answer: the token, or why it was refused. */
export type Outcome = VerifiedAccessToken | VerificationError

export type { NeedsIntrospection } from './stages/introspect.ts'

/** The one "needs work" hand-off: what an asynchronous stage asks its caller to do first. */
export type NeedsWork = NeedsKeys | NeedsIntrospection

/** What a pipeline's asynchronous stages are given to do their work with. */
export interface PipelineSeams {
  /** POSTs to the authorization server (introspection). Required when the server has `introspection`. */
  readonly httpPost?: HttpPost | undefined
  /** Receives introspection events, and one `target_failover` event each time a request moves on to the next of `targets`. */
  readonly onEvent?: ((event: IntrospectionEvent | ServerTargetFailoverEvent) => void) | undefined
  /** Introspection request timeout and size limit. */
  readonly introspectionTimeoutMs?: number | undefined
  readonly introspectionMaxBytes?: number | undefined
  /** Which addresses the introspection endpoint may reach (the verifier's `jwks.addressPolicy`). */
  readonly addressPolicy?: AddressPolicy | undefined
  /** Where DPoP proof identifiers are remembered (binding stage). Default: a bounded in-memory store per pipeline. */
  readonly replayStore?: ReplayStore | undefined
  /**
   * The server's current keys, fetched when needed (RFC 9701 JWT introspection answers). Default:
   * the key view's snapshot as it is (inline keys).
   */
  readonly currentKeys?: (() => Promise<JwksSnapshot>) | undefined
  /** A second-level introspection cache shared with other instances. Default: none (each verifier's own cache only). */
  readonly introspectionCache?: IntrospectionCache | undefined
}

/** The operations of {@link createVerificationPipeline}. */
export interface VerificationPipeline {
  /**
   * The whole verification when the keys are fresh and imported (the normal case): the answer,
   * as a promise when the platform checks signatures asynchronously (WebCrypto), or `NeedsKeys`.
   */
  readonly verifyFast: (token: unknown, nowMs: number, options?: VerifyOptions) => Outcome | Promise<Outcome> | NeedsWork
  /** {@link VerificationPipeline.verifyFast} for a whole request: reads the bearer credential first. */
  readonly verifyRequestFast: (request: TokenRequest, nowMs: number, options?: VerifyOptions) => Outcome | Promise<Outcome> | NeedsWork
  /** Finishes a `NeedsIntrospection` token: asks the authorization server (once per token at a time), then authorizes. */
  readonly completeIntrospection: (needs: NeedsIntrospection, nowMs: number, options?: VerifyOptions) => Promise<Outcome>
  /**
   * Finishes a `NeedsKeys` token against a snapshot the caller obtained (after fetching, or after
   * one unknown-kid refetch): selects the key, waits for its import, checks the signature, claims
   * and role.
   */
  readonly completeWith: (needs: NeedsKeys, snapshot: JwksSnapshot, nowMs: number, options?: VerifyOptions) => Outcome | Promise<Outcome>
  /** The verifier's status: the key set's, plus the server and the verified-token cache. */
  readonly status: (keys: KeySetStatus) => VerifierStatus
  /** Forgets every cached verification. */
  readonly clearCache: () => void
}

/** Distinct `scope` strings whose grants a pipeline remembers; it starts over when full. */
const maxRememberedScopes = 64

function freezeGrants(grants: TokenGrants): TokenGrants {
  for (const role of grants.apiRoles) Object.freeze(role)
  return Object.freeze({ scopes: Object.freeze(grants.scopes), roles: Object.freeze(grants.roles), apiRoles: Object.freeze(grants.apiRoles) })
}

/**
 * Verifies RFC 9701 answers against the server's keys: the current snapshot, fetched first when
 * the key set holds none fresh.
 */
function jwtAnswerVerifier(
  server: ResolvedVerifierOptions['server'],
  clientId: string,
  platform: Platform,
  keys: KeyView,
  currentKeys: (() => Promise<JwksSnapshot>) | undefined,
): (jwt: string, nowMs: number) => Promise<Result<Readonly<Record<string, unknown>>, string>> {
  const context = { issuer: server.issuer as string, clientId, algorithms: server.algorithms, clockToleranceSeconds: server.clockToleranceSeconds }
  return async (jwt, nowMs) => {
    let snapshot = keys.freshAt(nowMs)
    if (snapshot === undefined && currentKeys !== undefined) {
      try {
        snapshot = await currentKeys()
      } catch {
        return { ok: false, error: "the server's keys could not be fetched to verify it" }
      }
    }
    snapshot ??= keys.peekAt(nowMs)
    if (snapshot === undefined) return { ok: false, error: "the server's keys are not available to verify it" }
    return verifyIntrospectionJwt(jwt, snapshot.keys, platform.signature, context, nowMs / 1000)
  }
}

/**
 * Tells a `NeedsIntrospection` hand-off apart from an answer.
 *
 * @example
 * ```ts
 * const fast = pipeline.verifyFast(token, Date.now())
 * if (isNeedsIntrospection(fast)) await pipeline.completeIntrospection(fast, Date.now())
 * ```
 */
export function isNeedsIntrospection(value: unknown): value is NeedsIntrospection {
  return typeof value === 'object' && value !== null && (value as { _tag?: unknown })._tag === 'NeedsIntrospection'
}

/**
 * Builds the pipeline for one authorization server: its stages in order (credential, JWT or
 * introspect, binding within the claim rules, authorize), each with its own caches.
 *
 * @example
 * ```ts
 * const pipeline = createVerificationPipeline(resolved, platform, { freshAt: () => snapshot, peekAt: () => snapshot })
 * const answer = pipeline.verifyFast(token, Date.now())
 * ```
 */
export function createVerificationPipeline(resolved: ResolvedVerifierOptions, platform: Platform, keys: KeyView, seams: PipelineSeams = {}): VerificationPipeline {
  const { server, organization } = resolved
  // A client's tokens repeat its `scope`: when that is the only grant claim, its grants are worked
  // out once and shared by every token that carries it (as cache hits already share them). Grants
  // are always frozen, shared or not, so every result behaves alike.
  const grantsByScope = new Map<string, TokenGrants>()
  const grantOptions = { scopePrefix: server.scopePrefix }
  const grantsOf = (payload: Readonly<Record<string, unknown>>): TokenGrants => {
    const scope = payload.scope
    if (
      typeof scope !== 'string' ||
      payload.scp !== undefined ||
      payload.permissions !== undefined ||
      payload.roles !== undefined ||
      payload.realm_access !== undefined ||
      payload.resource_access !== undefined
    ) {
      return freezeGrants(grantsFromClaims(payload, grantOptions))
    }
    let grants = grantsByScope.get(scope)
    if (grants === undefined) {
      grants = freezeGrants(grantsFromClaims(payload, grantOptions))
      if (grantsByScope.size >= maxRememberedScopes) grantsByScope.clear()
      grantsByScope.set(scope, grants)
    }
    return grants
  }

  // With sender constraints checked, the token stages accept (and cache) tokens unauthorized; the
  // binding stage runs on every request, then the authorize stage. Without, nothing changes.
  const binding = checksSenderConstraints(server) ? createBindingStage(server, platform.signature, seams.replayStore) : undefined
  const authorizeFinal = createAuthorizeStage(organization, resolved.options.resources)
  const authorize: typeof authorizeFinal = binding === undefined ? authorizeFinal : (token, _options, fromCache) => ({ ...token, authorization: undefined, fromCache })
  // The request a hand-off (NeedsKeys, NeedsIntrospection) came from, for the binding stage once it is done.
  const pendingBinding = new WeakMap<object, BindingRequest>()
  // An unbound token sent as Bearer, where unbound tokens are accepted, needs no proof: its answer
  // is worked out synchronously, once per accepted (cached) token, so it costs no allocation.
  const unboundAccepted = server.dpop?.mode !== 'required' && server.mtls?.mode !== 'required'
  const unboundAnswers = new WeakMap<object, Outcome>()
  const bind = (outcome: Outcome, input: BindingRequest, nowMs: number, verifyOptions: VerifyOptions | undefined): Outcome | Promise<Outcome> => {
    if (binding === undefined || isVerificationError(outcome)) return outcome
    if (unboundAccepted && input.scheme === 'Bearer' && outcome.claims.cnf === undefined) {
      if (verifyOptions !== undefined) return authorizeFinal({ ...outcome, binding: null }, verifyOptions, outcome.fromCache)
      let answer = unboundAnswers.get(outcome)
      if (answer === undefined) {
        answer = authorizeFinal({ ...outcome, binding: null }, undefined, outcome.fromCache)
        unboundAnswers.set(outcome, answer)
      }
      return answer
    }
    return binding(input, outcome.claims.cnf, nowMs).then((checked) => {
      if (!checked.ok) return checked.error
      const { binding: sender, nonce } = checked.value
      return authorizeFinal({ ...outcome, binding: sender, ...(nonce === undefined ? {} : { dpopNonce: nonce }) }, verifyOptions, outcome.fromCache)
    })
  }
  const bindLater = (outcome: Outcome | Promise<Outcome> | NeedsWork, input: BindingRequest, nowMs: number, verifyOptions: VerifyOptions | undefined): Outcome | Promise<Outcome> | NeedsWork => {
    if (isNeedsKeys(outcome) || isNeedsIntrospection(outcome)) {
      const needs = { ...outcome }
      pendingBinding.set(needs, input)
      return needs
    }
    return outcome instanceof Promise ? outcome.then((o) => bind(o, input, nowMs, verifyOptions)) : bind(outcome, input, nowMs, verifyOptions)
  }
  const bindingOf = (needs: NeedsWork): BindingRequest => pendingBinding.get(needs) ?? { request: undefined, scheme: 'Bearer', token: String(needs.token) }
  const jwt = createJwtStage(resolved, platform, keys, authorize, grantsOf)

  const introspect: IntrospectStage | undefined = (() => {
    if (server.introspection === undefined) return undefined
    if (seams.httpPost === undefined) throw new TypeError('A server with introspection needs an HTTP POST client')
    const { endpoint } = server.introspection
    // A server with `discovery` reaches a pipeline only once the metadata filled the endpoint in.
    if (endpoint === undefined) throw new TypeError('The introspection endpoint is not known yet: discovery fills it before the pipeline is built')
    const config = { ...server.introspection, endpoint }
    const client = createIntrospectionClient({
      config,
      // Targets: the same path on each alternative origin when the endpoint's own cannot answer.
      httpPost:
        server.targets === undefined
          ? seams.httpPost
          : withTargets(server.targets, seams.httpPost, {
              onEvent: (event) =>
                seams.onEvent?.({
                  type: 'target_failover',
                  authorizationServer: server.name,
                  endpointKind: 'introspection',
                  from: event.from,
                  to: event.to,
                  reasonClass: event.reason.startsWith('HTTP ') ? 'http_5xx' : (event.reason as 'network' | 'tls' | 'timeout'),
                  reason: event.reason,
                }),
            }),
      timeoutMs: seams.introspectionTimeoutMs,
      maxBytes: seams.introspectionMaxBytes,
      certificateValidation: server.jwksCertificateValidation,
      trustedCertificates: server.trustedCertificates.length > 0 ? server.trustedCertificates : undefined,
      addressPolicy: seams.addressPolicy,
      trustMode: server.trustMode,
      proxy: server.proxy === undefined ? undefined : new URL(server.proxy),
      ...(config.responseFormat === 'jwt' ? { verifyJwtAnswer: jwtAnswerVerifier(server, config.clientId, platform, keys, seams.currentKeys) } : {}),
    })
    return createIntrospectStage(server, config, client, {
      grantsOf,
      maxEntries: resolved.cacheMaxEntries > 0 ? resolved.cacheMaxEntries : 10_000,
      onEvent: seams.onEvent,
      sharedCache: seams.introspectionCache,
    })
  })()

  // The introspect stage, synchronously: a cached answer, or the hand-off. Before anything is
  // sent the token's length and bearer syntax are checked (a cached token passed them already).
  const introspectFast = (stage: IntrospectStage, raw: string, requestUrl: string | undefined, nowMs: number, verifyOptions?: VerifyOptions): Outcome | NeedsIntrospection => {
    if (raw.length > server.maxTokenLength) return new MalformedTokenError('token_too_large', `The token is longer than ${server.maxTokenLength} characters`)
    const found = stage.lookup(raw, requestUrl, nowMs)
    if (!('_tag' in found)) {
      return authorizeCachedToken(authorize, found, verifyOptions)
    }
    if (found._tag === 'NeedsIntrospection') return bearerSyntaxError(raw) ?? found
    return found
  }

  const verifyFast = (raw: unknown, nowMs: number, verifyOptions?: VerifyOptions): Outcome | Promise<Outcome> | NeedsWork => {
    if (binding === undefined) return verifyTokenFast(raw, nowMs, verifyOptions)
    return bindLater(verifyTokenFast(raw, nowMs, verifyOptions), { request: undefined, scheme: 'Bearer', token: String(raw) }, nowMs, verifyOptions)
  }
  const verifyTokenFast = (raw: unknown, nowMs: number, verifyOptions?: VerifyOptions): Outcome | Promise<Outcome> | NeedsWork => {
    if (!server.enabled) return new ServerDisabledError(`The authorization server "${server.name}" is disabled`)
    if (introspect !== undefined && typeof raw === 'string' && introspect.takes(raw)) return introspectFast(introspect, raw, undefined, nowMs, verifyOptions)
    return jwt.verify(raw, nowMs, verifyOptions)
  }

  // The request pipeline. The credential stage reads the bearer token; then the introspect stage
  // (opaque tokens, when configured) or the JWT stage; both end in the authorize stage. Later
  // stages (DPoP proof, mTLS-bound tokens) join here, each a pure check or work the caller does
  // through the one hand-off.
  const verifyRequestFast = (request: TokenRequest, nowMs: number, verifyOptions?: VerifyOptions): Outcome | Promise<Outcome> | NeedsWork => {
    if (binding !== undefined) return verifyBoundRequestFast(request, nowMs, verifyOptions)
    const read = readCredential(request)
    if (!read.ok) return read.error
    const token = read.value
    if (introspect !== undefined && introspect.takes(token)) {
      if (!server.enabled) return new ServerDisabledError(`The authorization server "${server.name}" is disabled`)
      return introspectFast(introspect, token, request.url, nowMs, verifyOptions)
    }
    const outcome = verifyFast(token, nowMs, verifyOptions)
    if (isNeedsKeys(outcome) || isNeedsIntrospection(outcome)) return outcome
    return outcome instanceof Promise ? outcome.then((o) => withBearerSyntax(token, o)) : withBearerSyntax(token, outcome)
  }

  // The request pipeline with the binding stage: `Bearer` or `DPoP` credentials, the token stages
  // (unauthorized), then binding and authorize.
  const verifyBoundRequestFast = (request: TokenRequest, nowMs: number, verifyOptions?: VerifyOptions): Outcome | Promise<Outcome> | NeedsWork => {
    const read = readCredentials(request)
    if (!read.ok) return read.error
    const { token, scheme } = read.value
    const input: BindingRequest = { request, scheme, token }
    let outcome: Outcome | Promise<Outcome> | NeedsWork
    if (introspect !== undefined && introspect.takes(token)) {
      if (!server.enabled) return new ServerDisabledError(`The authorization server "${server.name}" is disabled`)
      outcome = introspectFast(introspect, token, request.url, nowMs, undefined)
    } else {
      outcome = verifyTokenFast(token, nowMs, undefined)
      if (!isNeedsKeys(outcome) && !isNeedsIntrospection(outcome)) outcome = outcome instanceof Promise ? outcome.then((o) => withBearerSyntax(token, o)) : withBearerSyntax(token, outcome)
    }
    return bindLater(outcome, input, nowMs, verifyOptions)
  }

  const completeIntrospection = (needs: NeedsIntrospection, nowMs: number, verifyOptions?: VerifyOptions): Promise<Outcome> => {
    if (introspect === undefined) return Promise.reject(new TypeError('This server has no introspection'))
    const answered = introspect.run(needs, nowMs).then((answer) => (isVerificationError(answer) ? answer : authorize(answer, verifyOptions, false)))
    return binding === undefined ? answered : answered.then((o) => bind(o, bindingOf(needs), nowMs, verifyOptions))
  }

  const completeWith = (needs: NeedsKeys, snapshot: JwksSnapshot, nowMs: number, verifyOptions?: VerifyOptions): Outcome | Promise<Outcome> => {
    if (binding === undefined) return jwt.completeWith(needs, snapshot, nowMs, verifyOptions)
    const input = bindingOf(needs)
    const answered = jwt.completeWith(needs, snapshot, nowMs, undefined)
    return answered instanceof Promise ? answered.then((o) => bind(o, input, nowMs, verifyOptions)) : bind(answered, input, nowMs, verifyOptions)
  }

  return {
    verifyFast,
    verifyRequestFast,
    completeWith,
    completeIntrospection,
    status: (keySet) => ({
      authorizationServer: server.name,
      enabled: server.enabled,
      jwksSource: keySet.source,
      lastSuccessfulFetchAt: keySet.lastSuccessfulFetchAt,
      lastFailure: keySet.lastFailure,
      fetchCount: keySet.fetchCount,
      keyCount: keySet.keyCount,
      stale: keySet.stale,
      cachedTokens: jwt.size() + (introspect?.size() ?? 0),
    }),
    clearCache: () => {
      jwt.clear()
      introspect?.clear()
    },
  }
}
