/**
 * The token verifier as an Effect service with its layer. The Promise door runs this same layer
 * inside a long-lived runtime.
 *
 * @module
 */
import * as Context from 'effect/Context'
import * as Effect from 'effect/Effect'
import * as Layer from 'effect/Layer'
import type * as Scope from 'effect/Scope'
import { platform } from '#platform'
import { isVerificationError, type ConfigError, type DiscoveryUnavailableError, type JwksUnavailableError, type VerificationError } from '../errors.ts'
import { createDiscoveringEngine } from './discovering-engine.ts'
import type { ResolvedVerifierOptions } from './resolve-options.ts'
import { createRuntimeEngine } from './runtime-engine.ts'
import { makeTokenVerifier, resolveVerifierOptions, type TokenVerifierShape } from './token-verifier.ts'
import type { VerifierOptions } from './types.ts'

/** Options of the Effect verifier: the verifier options plus an injectable `fetch`. Time comes from Effect's `Clock`. */
export interface EffectVerifierOptions extends VerifierOptions {
  /** Used for JWKS requests instead of the runtime's HTTP client (then TLS settings are the fetch's own). */
  readonly fetch?: typeof fetch | undefined
}

/**
 * Builds a verifier whose caches and background JWKS refresh live as long as the scope.
 * Fails with `ConfigError` naming every bad option.
 *
 * @example
 * ```ts
 * const verifier = yield* make({ server: { name: 'Okta1', jwksUrl: 'https://acme.okta.com/oauth2/v1/keys' } })
 * ```
 */
export const make = (options: EffectVerifierOptions): Effect.Effect<TokenVerifierShape, ConfigError, Scope.Scope> =>
  Effect.suspend(() => {
    const resolved = resolveVerifierOptions(options)
    if (!resolved.ok) return Effect.fail(resolved.error)
    if (resolved.value.server.discovery !== undefined) return discoveringVerifier(resolved.value, options.fetch)
    // Only the published operations: the Promise door's hot-path internals stay with its engine.
    return Effect.map(makeTokenVerifier(resolved.value, platform, options.fetch), ({ verify, verifyRequest, warm, status, clearCache, config }) => ({
      verify,
      verifyRequest,
      warm,
      status,
      clearCache,
      config,
    }))
  })

/**
 * A `discovery` server through the Effect door: the Promise door's discovering engine (the one
 * implementation of discovery), its inner engines built over the filled config, time from the
 * fiber's `Clock`, closed with the scope.
 */
const discoveringVerifier = (resolved: ResolvedVerifierOptions, fetchImpl: typeof fetch | undefined): Effect.Effect<TokenVerifierShape, never, Scope.Scope> =>
  Effect.clockWith((clock) =>
    Effect.gen(function* () {
      const seams = { fetch: fetchImpl, clock: () => clock.currentTimeMillisUnsafe() }
      const engine = createDiscoveringEngine(resolved, seams, (filled) => createRuntimeEngine(filled, seams))
      yield* Effect.addFinalizer(() => Effect.promise(() => engine.close()))
      return {
        // A non-string token reaches the inner pipeline, which refuses it as the other doors do.
        verify: (token, verifyOptions) => settled(() => engine.verify(token as string, verifyOptions)),
        verifyRequest: (request, verifyOptions) => settled(() => engine.verifyRequest(request, verifyOptions)),
        warm: settled(() => engine.warm(), isWarmFailure),
        status: Effect.promise(() => engine.status()),
        clearCache: Effect.promise(() => engine.clearCache()),
        config: resolved.server,
      } satisfies TokenVerifierShape
    }),
  )

const isWarmFailure = (error: unknown): error is JwksUnavailableError | DiscoveryUnavailableError =>
  isVerificationError(error) && (error.code === 'jwks_unavailable' || error.code === 'discovery_unavailable')

/** An engine's promise as an effect: a verification error fails it, any other rejection is a defect. */
const settled = <A, E = VerificationError>(run: () => Promise<A>, expected: (error: unknown) => error is E = isVerificationError as (error: unknown) => error is E): Effect.Effect<A, E> =>
  Effect.flatMap(
    Effect.promise(() => run().then((value) => ({ ok: true as const, value }), (error: unknown) => (expected(error) ? { ok: false as const, error } : Promise.reject(error)))),
    (outcome) => (outcome.ok ? Effect.succeed(outcome.value) : Effect.fail(outcome.error)),
  )

/**
 * The token verifier service. Provide it with {@link TokenVerifier.layer}.
 *
 * @example
 * ```ts
 * const principal = yield* TokenVerifier.use((v) => v.verify(token))
 * ```
 */
export class TokenVerifier extends Context.Service<TokenVerifier, TokenVerifierShape>()('@tokenward/core/TokenVerifier') {
  /**
   * A layer building one verifier for the life of the layer.
   *
   * @example
   * ```ts
   * const live = TokenVerifier.layer({ server: { name: 'Okta1', jwksUrl, issuer, audience } })
   * ```
   */
  static readonly layer = (options: EffectVerifierOptions): Layer.Layer<TokenVerifier, ConfigError> => Layer.effect(TokenVerifier, make(options))
}
