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
import { ConfigError } from '../errors.ts'
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
    if (resolved.value.server.discovery !== undefined) {
      // Discovery runs in the Promise door's engine; here the endpoints must be known when built.
      return Effect.fail(new ConfigError([{ path: 'server.discovery', message: 'is not run by the Effect door yet: complete the config with discoverServerConfig first, or use createVerifier' }]))
    }
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
