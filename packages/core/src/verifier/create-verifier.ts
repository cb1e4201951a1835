/**
 * The Promise door: a verifier object whose caches survive between calls. Its types mention no
 * Effect, and neither does its loading: with keys written into the configuration it runs the
 * verification pipeline directly (there is no I/O to run), and with a JWKS URL it starts loading
 * the Effect runtime that fetches keys when the verifier is created (see `runtime-engine.ts`).
 *
 * @module
 */
import { platform } from '#platform'
import type { AuthorizationServerConfig } from '../config/authorization-server.ts'
import { isVerificationError, type VerificationError } from '../errors.ts'
import type { TokenRequest } from '../http/bearer.ts'
import { renderChallenge, type ChallengeResponse } from '../http/challenge.ts'
import { renderSenderConstraintChallenge } from '../challenge/sender-constraint-challenge.ts'
import { readCredentials } from '../request/credentials.ts'
import { checksSenderConstraints } from './stages/binding.ts'
import { inlineKeySetStatus, inlineSnapshot } from '../jwks/key-set.ts'
import { resolveVerifierOptions, type ResolvedVerifierOptions } from './resolve-options.ts'
import type { RequestVerdict, VerifiedAccessToken, VerifierOptions, VerifierStatus, VerifyOptions } from './types.ts'
import { defineAddressPolicy } from '../network/address-policy.ts'
import { createDiscoveringEngine } from './discovering-engine.ts'
import { createVerificationPipeline, isNeedsIntrospection, isNeedsKeys, type Outcome } from './verification-pipeline.ts'
import { requestVerifyOptions } from './stages/authorize.ts'

/** Options of {@link createVerifier}: the verifier options plus the injectable seams. */
export interface CreateVerifierOptions extends VerifierOptions {
  /** Used for JWKS requests instead of the runtime's HTTP client (then TLS settings are the fetch's own). */
  readonly fetch?: typeof fetch | undefined
  /** Current time in milliseconds since the epoch. Default `Date.now`. */
  readonly clock?: (() => number) | undefined
}

export type { RequestVerdict } from './types.ts'

/** A long-lived verifier for one authorization server. Create once, reuse for every request. */
export interface Verifier {
  /** Verifies a raw access token; rejects with a {@link VerificationError}. */
  verify(token: string, options?: VerifyOptions): Promise<VerifiedAccessToken>
  /**
   * Verifies a request (its `Authorization` header, and later proof-of-possession). Never rejects
   * for a bad or missing token: the verdict carries the error and the HTTP answer to send.
   */
  verifyRequest(request: TokenRequest, options?: VerifyOptions): Promise<RequestVerdict>
  /**
   * The verdict {@link Verifier.verifyRequest} gives, returned directly when it needs no waiting:
   * a verified-token cache hit, or fresh imported keys with a synchronous signature check (Node).
   * Otherwise (keys to fetch, an unknown kid, WebCrypto) the same promise `verifyRequest` returns.
   * For adapters whose framework carries on synchronously, such as Express: a request decided
   * now is answered without a trip through the microtask queue.
   */
  verifyRequestNow(request: TokenRequest, options?: VerifyOptions): RequestVerdict | Promise<RequestVerdict>
  /**
   * {@link Verifier.verifyRequestNow} at an instant the caller has just read from this verifier's
   * clock (milliseconds since the epoch), for a verifier composed into another that reads the
   * clock for its own decision (the registry verifier: an organization's freshness and
   * subscription): one request is then decided at one instant, with one clock read. The instant
   * applies where the answer needs no waiting (a cached verification, imported keys); work that
   * waits (a key fetch or import, an introspection) decides at the verifier's clock when it is
   * done. Throws a `TypeError` for a time that is not a finite number (an expiry compared with
   * `NaN` would pass).
   */
  verifyRequestAt(request: TokenRequest, nowMs: number, options?: VerifyOptions): RequestVerdict | Promise<RequestVerdict>
  /** Fetches the keys now (call at start-up, e.g. in a Lambda's init phase). */
  warm(): Promise<void>
  status(): Promise<VerifierStatus>
  /** Forgets every cached verification. */
  clearCache(): Promise<void>
  /** Stops background refreshes and releases the caches. Further calls reject. */
  close(): Promise<void>
  /** The validated configuration this verifier enforces. */
  readonly config: AuthorizationServerConfig
}

/**
 * Creates a verifier. Options are validated here: a bad option throws a `ConfigError` naming every
 * bad field by its path, before any request is served.
 *
 * @example
 * ```ts
 * import { createVerifier } from '@tokenward/core'
 *
 * const verifier = createVerifier({
 *   server: { name: 'Okta1', jwksUrl: 'https://acme.okta.com/oauth2/default/v1/keys', issuer: 'https://acme.okta.com/oauth2/default', audience: 'api://default' },
 *   organization: { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly', 'Admin'] },
 * })
 * const token = await verifier.verify(accessToken)
 * console.log(token.clientId, token.authorization?.adminId)
 * ```
 */
export function createVerifier(options: CreateVerifierOptions): Verifier {
  const resolved = resolveVerifierOptions(options)
  if (!resolved.ok) throw resolved.error
  const seams = { fetch: options.fetch, clock: options.clock }
  // Inline keys, or no keys at all (a server with introspection only): nothing to fetch in the background.
  const engineFor = (r: ResolvedVerifierOptions): VerifierEngine | (() => Promise<VerifierEngine>) =>
    r.server.jwks !== undefined || r.server.jwksUrl === undefined
      ? createInlineEngine(r, options.clock ?? Date.now, options.fetch)
      : async () => (await import('./runtime-engine.ts')).createRuntimeEngine(r, seams)
  // With `discovery`, the engine is built over the config the metadata completes, on first use.
  const engine = resolved.value.server.discovery === undefined ? engineFor(resolved.value) : createDiscoveringEngine(resolved.value, seams, engineFor)
  return verifierOver(resolved.value.server, engine, options)
}

/**
 * What a verifier runs on. The `…Now` operations answer without waiting where they can (a
 * promise only for an asynchronous signature check) and `undefined` when the full path must run;
 * the full path rejects with the {@link VerificationError}, or with a fault.
 *
 * @internal
 */
export interface VerifierEngine {
  readonly verifyNow: (token: string, nowMs: number, options?: VerifyOptions) => Outcome | Promise<Outcome> | undefined
  readonly verifyRequestNow: (request: TokenRequest, nowMs: number, options?: VerifyOptions) => Outcome | Promise<Outcome> | undefined
  readonly verify: (token: string, options?: VerifyOptions) => Promise<VerifiedAccessToken>
  readonly verifyRequest: (request: TokenRequest, options?: VerifyOptions) => Promise<VerifiedAccessToken>
  readonly warm: () => Promise<void>
  readonly status: () => Promise<VerifierStatus>
  readonly clearCache: () => Promise<void>
  readonly close: () => Promise<void>
}

/**
 * The engine for keys written into the configuration: the pipeline over one frozen snapshot. The
 * only thing it ever waits for is a key import; an unknown kid is refused at once (there is
 * nothing to refetch).
 */
function createInlineEngine(resolved: ResolvedVerifierOptions, now: () => number, fetchImpl: typeof fetch | undefined): VerifierEngine {
  const { server, options } = resolved
  const policyOptions = options.jwks?.addressPolicy
  const snapshot = inlineSnapshot(server.jwks?.keys ?? [])
  const pipeline = createVerificationPipeline(
    resolved,
    platform,
    { freshAt: () => snapshot, peekAt: () => snapshot },
    {
      httpPost: server.introspection === undefined ? undefined : platform.httpPost(fetchImpl),
      onEvent: options.onEvent,
      introspectionTimeoutMs: options.introspection?.timeoutMs,
      introspectionMaxBytes: options.introspection?.maxBytes,
      addressPolicy: policyOptions === undefined || policyOptions === null ? undefined : defineAddressPolicy(policyOptions),
      replayStore: options.replayStore,
      introspectionCache: options.introspectionCache,
    },
  )
  // A token that needs keys has parsed as a compact JWS, so it is within the bearer syntax and its
  // completion's error needs no syntax check.
  const complete = (fast: ReturnType<typeof pipeline.verifyFast>, nowMs: number, options: VerifyOptions | undefined): Outcome | Promise<Outcome> =>
    isNeedsKeys(fast) ? pipeline.completeWith(fast, snapshot, nowMs, options) : isNeedsIntrospection(fast) ? pipeline.completeIntrospection(fast, nowMs, options) : fast
  const verifyNow = (token: string, nowMs: number, options?: VerifyOptions) => complete(pipeline.verifyFast(token, nowMs, options), nowMs, options)
  const verifyRequestNow = (request: TokenRequest, nowMs: number, callOptions?: VerifyOptions) => {
    const options = requestVerifyOptions(request, callOptions, resolved.options.resources)
    return complete(pipeline.verifyRequestFast(request, nowMs, options), nowMs, options)
  }
  return {
    verifyNow,
    verifyRequestNow,
    // The `…Now` answers are never `undefined` here, so the facade does not call these two; they
    // exist so that every engine has the same full path.
    verify: (token, options) => settleOutcome(verifyNow(token, now(), options)),
    verifyRequest: (request, options) => settleOutcome(verifyRequestNow(request, now(), options)),
    warm: async () => {},
    status: async () => pipeline.status(inlineKeySetStatus(snapshot)),
    clearCache: async () => pipeline.clearCache(),
    close: async () => {},
  }
}

/** An answer as `verify` gives it: the token, or a rejection with the error. */
function settleOutcome(answer: Outcome | Promise<Outcome>): Promise<VerifiedAccessToken> {
  const settle = (outcome: Outcome): Promise<VerifiedAccessToken> => (isVerificationError(outcome) ? Promise.reject(outcome) : Promise.resolve(outcome))
  return answer instanceof Promise ? answer.then(settle) : settle(answer)
}

/** The public verifier over an engine, or over a loader of one (started at once, awaited by the first call that needs it). */
function verifierOver(config: AuthorizationServerConfig, source: VerifierEngine | (() => Promise<VerifierEngine>), options: CreateVerifierOptions): Verifier {
  let engine = typeof source === 'function' ? undefined : source
  let loading: Promise<VerifierEngine> | undefined
  let closed = false
  const now = options.clock ?? Date.now
  const load = (): Promise<VerifierEngine> => {
    if (engine !== undefined) return Promise.resolve(engine)
    loading ??= (source as () => Promise<VerifierEngine>)().then((loaded) => (engine = loaded))
    return loading
  }
  const run = async <A>(f: (e: VerifierEngine) => Promise<A>): Promise<A> => {
    if (closed) throw new Error('This verifier is closed')
    return f(await load())
  }
  // Loading starts now, in the background: a verifier created at start-up (a Lambda's init phase)
  // has its engine by the first request. A failure to load surfaces on first use, from `loading`.
  if (engine === undefined) load().catch(() => {})

  // Hot path: on cache hits and with fresh, imported keys the answer comes without waiting; only
  // key work (fetch, refresh, unknown kid) takes the engine's full path.
  const verify = (token: string, verifyOptions?: VerifyOptions): Promise<VerifiedAccessToken> => {
    let answer: Outcome | Promise<Outcome> | undefined
    try {
      answer = engine !== undefined && !closed ? engine.verifyNow(token, now(), verifyOptions) : undefined
    } catch (fault) {
      // A misuse (requiredRoles without an organization) rejects, as it does on the full path.
      return Promise.reject(fault)
    }
    if (answer === undefined) return run((e) => e.verify(token, verifyOptions))
    return settleOutcome(answer)
  }

  // With sender constraints checked, refusals carry the DPoP challenge (and nonce) beside or
  // instead of the Bearer one (RFC 9449 §7.1); otherwise the Bearer challenge as before.
  const challengeOf: (error: VerificationError, request: TokenRequest | undefined) => ChallengeResponse = checksSenderConstraints(config)
    ? (error, request) => {
        const read = request === undefined ? undefined : readCredentials(request)
        return renderSenderConstraintChallenge(error, {
          realm: options.realm,
          resourceMetadata: options.resourceMetadataUrl,
          dpopMode: config.dpop?.mode ?? 'off',
          dpopAlgorithms: config.dpop?.algorithms,
          scheme: read?.ok === true ? read.value.scheme : undefined,
        })
      }
    : (error) => renderChallenge(error, { realm: options.realm, resourceMetadata: options.resourceMetadataUrl })
  const refused = (error: VerificationError, request?: TokenRequest): RequestVerdict => ({ ok: false, error, response: challengeOf(error, request) })
  const verdictOf = (answer: Outcome, request?: TokenRequest): RequestVerdict => (isVerificationError(answer) ? refused(answer, request) : { ok: true, token: answer })
  // Any other error is a programming or infrastructure fault: it propagates (rejects or throws).
  const settleVerdict = (error: unknown, request?: TokenRequest): RequestVerdict => {
    if (isVerificationError(error)) return refused(error, request)
    throw error
  }
  const verifyRequestAt = (request: TokenRequest, nowMs: number, verifyOptions?: VerifyOptions): RequestVerdict | Promise<RequestVerdict> => {
    const answer = engine !== undefined && !closed ? engine.verifyRequestNow(request, nowMs, verifyOptions) : undefined
    return answer === undefined ? fullPath(request, verifyOptions) : answer instanceof Promise ? answer.then((a) => verdictOf(a, request)) : verdictOf(answer, request)
  }
  // The adapters' hot path: kept one call deep (not a call to verifyRequestAt), as before it existed.
  const verifyRequestNow = (request: TokenRequest, verifyOptions?: VerifyOptions): RequestVerdict | Promise<RequestVerdict> => {
    const answer = engine !== undefined && !closed ? engine.verifyRequestNow(request, now(), verifyOptions) : undefined
    return answer === undefined ? fullPath(request, verifyOptions) : answer instanceof Promise ? answer.then((a) => verdictOf(a, request)) : verdictOf(answer, request)
  }
  /** The engine's full path (keys to fetch or import, an introspection), as a verdict. */
  const fullPath = (request: TokenRequest, verifyOptions: VerifyOptions | undefined): Promise<RequestVerdict> =>
    run((e) => e.verifyRequest(request, verifyOptions)).then((token): RequestVerdict => ({ ok: true, token }), (error: unknown) => settleVerdict(error, request))

  return {
    config,
    verify,
    verifyRequest: async (request, verifyOptions) => verifyRequestNow(request, verifyOptions),
    verifyRequestNow,
    verifyRequestAt(request, nowMs, verifyOptions) {
      if (typeof nowMs !== 'number' || !Number.isFinite(nowMs)) throw new TypeError('nowMs must be a finite number of milliseconds since the epoch')
      return verifyRequestAt(request, nowMs, verifyOptions)
    },
    warm: () => run((e) => e.warm()),
    status: () => run((e) => e.status()),
    clearCache: () => run((e) => e.clearCache()),
    async close() {
      if (closed) return
      closed = true
      // An engine never loaded has nothing to release; one loading is released once it is there.
      const loaded = engine ?? (loading === undefined ? undefined : await loading.catch(() => undefined))
      await loaded?.close()
    },
  }
}
