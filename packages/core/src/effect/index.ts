/**
 * The Effect door of `@tokenward/core`: the verifier as a service with a layer, for applications
 * built with Effect. It runs the very same implementation as the Promise door.
 *
 * @example
 * ```ts
 * import * as Effect from 'effect/Effect'
 * import { TokenVerifier } from '@tokenward/core/effect'
 *
 * const program = Effect.gen(function* () {
 *   const verifier = yield* TokenVerifier
 *   return yield* verifier.verify(token)
 * })
 * Effect.runPromise(program.pipe(Effect.provide(TokenVerifier.layer({ server: { name: 'Okta1', jwksUrl } }))))
 * ```
 *
 * @module
 */
export { TokenVerifier, make, type EffectVerifierOptions } from '../verifier/token-verifier-service.ts'
export type { TokenVerifierShape } from '../verifier/token-verifier.ts'
export * from '../index.ts'
