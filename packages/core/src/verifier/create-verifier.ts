/**
 * The Promise door: a verifier object holding one long-lived Effect runtime, so its key cache,
 * key imports and verified-token cache survive between calls. Its types mention no Effect.
 *
 * @module
 */
import * as Cause from 'effect/Cause'
import * as Clock from 'effect/Clock'
import * as Effect from 'effect/Effect'
import * as Exit from 'effect/Exit'
import * as Layer from 'effect/Layer'
import * as ManagedRuntime from 'effect/ManagedRuntime'
import type { AuthorizationServerConfig } from '../config/authorization-server.ts'
import { isTokenwardError, type VerificationError } from '../errors.ts'
import type { TokenRequest } from '../http/bearer.ts'
import { renderChallenge, type ChallengeResponse } from '../http/challenge.ts'
import { resolveVerifierOptions, type TokenVerifierShape } from './token-verifier.ts'
import { TokenVerifier } from './token-verifier-service.ts'
import type { VerifiedAccessToken, VerifierOptions, VerifierStatus, VerifyOptions } from './types.ts'

/** Options of {@link createVerifier}: the verifier options plus the injectable seams. */
export interface CreateVerifierOptions extends VerifierOptions {
  /** Used for JWKS requests instead of the runtime's HTTP client (then TLS settings are the fetch's own). */
  readonly fetch?: typeof fetch | undefined
  /** Current time in milliseconds since the epoch. Default `Date.now`. */
  readonly clock?: (() => number) | undefined
}

/** The outcome of {@link Verifier.verifyRequest}: the principal, or the error with its rendered HTTP answer. */
export type RequestVerdict =
  | { readonly ok: true; readonly token: VerifiedAccessToken }
  | { readonly ok: false; readonly error: VerificationError; readonly response: ChallengeResponse }

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
  const clockLayer = options.clock === undefined ? Layer.empty : Layer.succeed(Clock.Clock, wallClock(options.clock))
  // One runtime for the life of the verifier: the layer's scope owns the key cache, the key imports,
  // the verified-token cache and the background JWKS refresh. It is built on first use.
  const runtime = ManagedRuntime.make(Layer.provideMerge(TokenVerifier.layerResolved(resolved.value, options.fetch), clockLayer))
  let closed = false
  const now = options.clock ?? Date.now
  // The verifier's operations, once its layer is built (on first use).
  let shape: TokenVerifierShape | undefined
  const getShape = async (): Promise<TokenVerifierShape> => (shape ??= await runtime.runPromise(Effect.service(TokenVerifier)))

  const run = async <A>(f: (v: TokenVerifierShape) => Effect.Effect<A, VerificationError>): Promise<A> => {
    if (closed) throw new Error('This verifier is closed')
    const exit = await runtime.runPromiseExit(f(shape ?? (await getShape())))
    if (Exit.isSuccess(exit)) return exit.value
    throw errorOf(exit.cause)
  }

  // Hot path: with fresh, imported keys (and on cache hits) the verification runs synchronously
  // without entering the Effect runtime; only key work (fetch, refresh, unknown kid) goes through it.
  const settle = (answer: VerifiedAccessToken | VerificationError): Promise<VerifiedAccessToken> =>
    isTokenwardError(answer) ? Promise.reject(answer) : Promise.resolve(answer)
  const verify = (token: string, verifyOptions?: VerifyOptions): Promise<VerifiedAccessToken> => {
    const answer = shape !== undefined && !closed ? shape.verifyNow(token, now(), verifyOptions) : undefined
    if (answer === undefined) return run((v) => v.verify(token, verifyOptions))
    return answer instanceof Promise ? answer.then(settle) : settle(answer)
  }

  const refused = (error: VerificationError): RequestVerdict => ({ ok: false, error, response: renderChallenge(error, { realm: options.realm }) })
  const verdictOf = (answer: VerifiedAccessToken | VerificationError): RequestVerdict =>
    isTokenwardError(answer) ? refused(answer) : { ok: true, token: answer }
  // Any other error is a programming or infrastructure fault: it propagates (rejects or throws).
  const settleVerdict = (error: unknown): RequestVerdict => {
    if (isTokenwardError(error)) return refused(error)
    throw error
  }
  const verifyRequestNow = (request: TokenRequest, verifyOptions?: VerifyOptions): RequestVerdict | Promise<RequestVerdict> => {
    const answer = shape !== undefined && !closed ? shape.verifyRequestNow(request, now(), verifyOptions) : undefined
    if (answer === undefined) return run((v) => v.verifyRequest(request, verifyOptions)).then((token): RequestVerdict => ({ ok: true, token }), settleVerdict)
    return answer instanceof Promise ? answer.then(verdictOf) : verdictOf(answer)
  }

  return {
    config: resolved.value.server,
    verify,
    verifyRequest: async (request, verifyOptions) => verifyRequestNow(request, verifyOptions),
    verifyRequestNow,
    warm: () => run((v) => v.warm),
    status: () => run((v) => v.status),
    clearCache: () => run((v) => v.clearCache),
    async close() {
      if (closed) return
      closed = true
      await runtime.dispose()
    },
  }
}


/** The failure of a cause as a plain error: the typed failure, or the defect, or an interruption. */
function errorOf(cause: Cause.Cause<VerificationError>): unknown {
  const failure = Cause.findErrorOption(cause)
  if (failure._tag === 'Some') return failure.value
  const squashed = Cause.squash(cause)
  return squashed instanceof Error ? squashed : new Error(Cause.pretty(cause))
}

function wallClock(now: () => number): Clock.Clock {
  // Only wall-clock time is replaced; sleeping and monotonic time (timeouts) stay the runtime's.
  const base = Clock.Clock.defaultValue()
  return {
    currentTimeMillisUnsafe: () => now(),
    currentTimeMillis: Effect.sync(() => now()),
    currentTimeNanosUnsafe: () => BigInt(Math.round(now() * 1_000_000)),
    currentTimeNanos: Effect.sync(() => BigInt(Math.round(now() * 1_000_000))),
    monotonicTimeNanosUnsafe: () => base.monotonicTimeNanosUnsafe(),
    monotonicTimeNanos: base.monotonicTimeNanos,
    sleep: (duration) => base.sleep(duration),
  }
}
