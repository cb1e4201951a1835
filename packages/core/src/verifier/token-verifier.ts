/**
 * The token verifier as an Effect program: the verification pipeline (pure rules, see
 * `verification-pipeline.ts`) over a key set whose I/O (JWKS fetch, refresh, one refetch on an
 * unknown kid) runs in Effect. The Effect service and the Promise door for JWKS URLs run this.
 *
 * @module
 */
import * as Clock from 'effect/Clock'
import * as Effect from 'effect/Effect'
import type * as Scope from 'effect/Scope'
import type { AuthorizationServerConfig } from '../config/authorization-server.ts'
import { TokenwardError, type DiscoveryUnavailableError, type JwksUnavailableError, type VerificationError } from '../errors.ts'
import type { TokenRequest } from '../http/bearer.ts'
import { makeRemoteKeySet, type KeySet } from '../jwks/remote-key-set.ts'
import { makeStaticKeySet } from '../jwks/static-key-set.ts'
import { defineAddressPolicy } from '../network/address-policy.ts'
import type { Platform } from '../platform/types.ts'
import type { ResolvedVerifierOptions } from './resolve-options.ts'
import type { VerifiedAccessToken, VerifierStatus, VerifyOptions } from './types.ts'
import { createVerificationPipeline, isNeedsIntrospection, isNeedsKeys, type NeedsKeys, type Outcome } from './verification-pipeline.ts'
import { requestVerifyOptions } from './stages/authorize.ts'

export { resolveVerifierOptions, type ResolvedVerifierOptions } from './resolve-options.ts'

/** The operations of a token verifier, in Effect form: the shape the Effect door publishes. */
export interface TokenVerifierShape {
  /** Verifies a raw access token. */
  readonly verify: (token: unknown, options?: VerifyOptions) => Effect.Effect<VerifiedAccessToken, VerificationError>
  /**
   * Verifies a whole request: extracts the credentials, then runs the token stages. The request
   * is passed whole so proof-of-possession stages (DPoP, mTLS-bound tokens) and opaque-token
   * introspection can join the pipeline without a new entry point.
   */
  readonly verifyRequest: (request: TokenRequest, options?: VerifyOptions) => Effect.Effect<VerifiedAccessToken, VerificationError>
  /**
   * Fetches the keys now, so the first request does not wait for them (with `discovery`, the
   * authorization server's metadata first, which may fail with `DiscoveryUnavailableError`).
   */
  readonly warm: Effect.Effect<void, JwksUnavailableError | DiscoveryUnavailableError>
  /** The key set's state and the verified-token cache's size. */
  readonly status: Effect.Effect<VerifierStatus>
  /** Forgets every cached verification. */
  readonly clearCache: Effect.Effect<void>
  /** The validated configuration this verifier enforces. */
  readonly config: AuthorizationServerConfig
}

/**
 * The verifier as the Promise door's engine holds it: the Effect operations plus the hot path
 * without the Effect runtime. Internal: the Effect door publishes {@link TokenVerifierShape} only.
 */
export interface TokenVerifierInternals extends TokenVerifierShape {
  /**
   * The whole verification without the Effect runtime, when no key work is needed: the answer (a
   * token or an error, possibly as a promise when signatures are checked asynchronously), or
   * `undefined` when `verify` must run (key set fetch or refresh, unknown kid, key import).
   */
  readonly verifyNow: (token: unknown, nowMs: number, options?: VerifyOptions) => VerifiedAccessToken | VerificationError | Promise<VerifiedAccessToken | VerificationError> | undefined
  /** {@link TokenVerifierInternals.verifyNow} for a whole request: a credential error, the answer, or `undefined` when `verifyRequest` must run. */
  readonly verifyRequestNow: (
    request: TokenRequest,
    nowMs: number,
    options?: VerifyOptions,
  ) => VerifiedAccessToken | VerificationError | Promise<VerifiedAccessToken | VerificationError> | undefined
}

/**
 * Builds the verifier: its key set (fetching in the background within `Scope`), its key-import
 * cache and its verified-token cache. Everything it caches lives as long as the scope.
 *
 * @example
 * ```ts
 * const program = Effect.scoped(Effect.gen(function* () {
 *   const verifier = yield* makeTokenVerifier(resolved, platform)
 *   return yield* verifier.verify(token)
 * }))
 * ```
 */
export const makeTokenVerifier = (
  resolved: ResolvedVerifierOptions,
  platform: Platform,
  fetchImpl?: typeof fetch,
): Effect.Effect<TokenVerifierInternals, never, Scope.Scope> =>
  Effect.gen(function* () {
    const { server, options } = resolved
    const onEvent = options.onEvent
    const { addressPolicy: policyOptions, ...jwks } = options.jwks ?? {}
    const addressPolicy = policyOptions === undefined || policyOptions === null ? undefined : defineAddressPolicy(policyOptions)
    const httpGet = platform.httpGet(fetchImpl)
    const connection = {
      ...(addressPolicy === undefined ? {} : { addressPolicy }),
      ...(server.proxy === undefined ? {} : { proxy: new URL(server.proxy) }),
      ...(server.trustMode === undefined ? {} : { trustMode: server.trustMode }),
    }
    const keySet: KeySet =
      server.jwks !== undefined || server.jwksUrl === undefined
        ? makeStaticKeySet(server.jwks?.keys ?? [])
        : yield* makeRemoteKeySet({
            url: new URL(server.jwksUrl!),
            // The server's connection settings (proxy, trust mode) and the address policy apply to JWKS GETs too.
            httpGet: addressPolicy === undefined && server.proxy === undefined && server.trustMode === undefined ? httpGet : (request) => httpGet({ ...request, ...connection }),
            certificateValidation: server.jwksCertificateValidation,
            trustedCertificates: server.trustedCertificates,
            ...definedOnly(jwks),
            ...(onEvent === undefined ? {} : { onEvent }),
          })
    const keyContext = yield* Effect.context<never>()
    const pipeline = createVerificationPipeline(resolved, platform, keySet, {
      httpPost: server.introspection === undefined ? undefined : platform.httpPost(fetchImpl),
      onEvent,
      introspectionTimeoutMs: options.introspection?.timeoutMs,
      introspectionMaxBytes: options.introspection?.maxBytes,
      addressPolicy,
      replayStore: options.replayStore,
      // RFC 9701 answers are verified with the server's keys, fetched in this verifier's context (its clock).
      currentKeys: server.introspection?.responseFormat === 'jwt' ? () => Effect.runPromiseWith(keyContext)(keySet.current) : undefined,
      introspectionCache: options.introspectionCache,
    })

    const fromOutcome = (outcome: Outcome | Promise<Outcome>): Effect.Effect<VerifiedAccessToken, VerificationError> =>
      outcome instanceof Promise
        ? Effect.flatMap(
            Effect.promise(() => outcome),
            (o) => fromOutcome(o),
          )
        : outcome instanceof TokenwardError
          ? Effect.fail(outcome as VerificationError)
          : Effect.succeed(outcome as VerifiedAccessToken)

    // The key work the pipeline cannot do synchronously: fetch or refresh the key set, refetch once
    // for an unknown kid (rate limited), wait for a key import.
    const withKeyWork = (needs: NeedsKeys, nowMs: number, verifyOptions: VerifyOptions | undefined) =>
      Effect.gen(function* () {
        let snapshot = yield* keySet.current
        const { kid } = needs.header
        // Unknown kid: the provider may have rotated its keys. Refetch once (rate limited).
        if (kid !== undefined && !snapshot.kids.has(kid)) snapshot = yield* keySet.refreshForUnknownKid(kid)
        return yield* fromOutcome(pipeline.completeWith(needs, snapshot, nowMs, verifyOptions))
      })

    type Fast = ReturnType<typeof pipeline.verifyFast>
    // The full path: the pipeline's answer, or the key work it asks for first. A token that needs
    // keys has parsed as a compact JWS, so a request's token is within the bearer syntax.
    const answerFully = (fastAt: (nowMs: number) => Fast, verifyOptions: VerifyOptions | undefined) =>
      Effect.flatMap(Clock.currentTimeMillis, (nowMs) => {
        const fast = fastAt(nowMs)
        if (isNeedsKeys(fast)) return withKeyWork(fast, nowMs, verifyOptions)
        if (isNeedsIntrospection(fast)) return fromOutcome(pipeline.completeIntrospection(fast, nowMs, verifyOptions))
        return fromOutcome(fast)
      })
    // The hot path: the pipeline's answer when it needs no work, else `undefined`.
    const answerNow = (fast: Fast) => (isNeedsKeys(fast) || isNeedsIntrospection(fast) ? undefined : fast)

    const verify = (raw: unknown, verifyOptions?: VerifyOptions): Effect.Effect<VerifiedAccessToken, VerificationError> =>
      answerFully((nowMs) => pipeline.verifyFast(raw, nowMs, verifyOptions), verifyOptions)
    // A request's options are resolved once (its API resource match), for the fast path and the finish alike.
    const verifyRequest = (request: TokenRequest, callOptions?: VerifyOptions): Effect.Effect<VerifiedAccessToken, VerificationError> =>
      Effect.suspend(() => {
        const verifyOptions = requestVerifyOptions(request, callOptions, options.resources)
        return answerFully((nowMs) => pipeline.verifyRequestFast(request, nowMs, verifyOptions), verifyOptions)
      })
    const verifyNow = (token: unknown, nowMs: number, verifyOptions?: VerifyOptions) => answerNow(pipeline.verifyFast(token, nowMs, verifyOptions))
    const verifyRequestNow = (request: TokenRequest, nowMs: number, verifyOptions?: VerifyOptions) =>
      answerNow(pipeline.verifyRequestFast(request, nowMs, requestVerifyOptions(request, verifyOptions, options.resources)))

    const status = Effect.map(keySet.status, pipeline.status)

    return {
      verify,
      verifyNow,
      verifyRequestNow,
      verifyRequest,
      warm: Effect.asVoid(keySet.current),
      status,
      clearCache: Effect.sync(() => pipeline.clearCache()),
      config: server,
    } satisfies TokenVerifierInternals
  })

function definedOnly<T extends object>(o: T): { [K in keyof T]-?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]-?: Exclude<T[K], undefined> }
}
