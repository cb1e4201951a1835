/**
 * The Promise door's engine for a JWKS URL: one long-lived Effect runtime per verifier, so the key
 * cache, key imports and verified-token cache survive between calls. `createVerifier` loads this
 * module with the verifier's first use, so an application that never fetches keys never loads the
 * Effect runtime.
 *
 * @module
 */
import * as Cause from 'effect/Cause'
import * as Clock from 'effect/Clock'
import * as Context from 'effect/Context'
import * as Effect from 'effect/Effect'
import * as Exit from 'effect/Exit'
import * as Layer from 'effect/Layer'
import * as ManagedRuntime from 'effect/ManagedRuntime'
import { platform } from '#platform'
import type { VerificationError } from '../errors.ts'
import type { VerifierEngine } from './create-verifier.ts'
import type { ResolvedVerifierOptions } from './resolve-options.ts'
import { makeTokenVerifier, type TokenVerifierInternals } from './token-verifier.ts'
import { whileRequestHeldOpen } from './workers-request-hold.ts'

/**
 * The verifier with its hot path, as this engine's runtime holds it. Private to the engine: the
 * Effect door's `TokenVerifier` service publishes the domain's operations only.
 */
class EngineVerifier extends Context.Service<EngineVerifier, TokenVerifierInternals>()('@tokenward/core/internal/EngineVerifier') {}

/**
 * Builds the engine. Its runtime (and with it the key set) is built on first use.
 *
 * @example
 * ```ts
 * const engine = createRuntimeEngine(resolved, { fetch, clock: Date.now })
 * const token = await engine.verify(raw)
 * ```
 */
export function createRuntimeEngine(
  resolved: ResolvedVerifierOptions,
  seams: { readonly fetch: typeof fetch | undefined; readonly clock: (() => number) | undefined },
): VerifierEngine {
  const clockLayer = seams.clock === undefined ? Layer.empty : Layer.succeed(Clock.Clock, wallClock(seams.clock))
  // The layer's scope owns the key cache, the key imports, the verified-token cache and the
  // background JWKS refresh.
  const verifierLayer = Layer.effect(EngineVerifier, makeTokenVerifier(resolved, platform, seams.fetch))
  const runtime = ManagedRuntime.make(Layer.provideMerge(verifierLayer, clockLayer))
  // The verifier's operations, once its layer is built (on first use).
  let shape: TokenVerifierInternals | undefined
  // On Workers the caller's request is held open while it waits for work another request may have
  // started (see workers-request-hold.ts).
  const run = <A>(f: (v: TokenVerifierInternals) => Effect.Effect<A, VerificationError>): Promise<A> =>
    whileRequestHeldOpen(async () => {
      shape ??= await runtime.runPromise(Effect.service(EngineVerifier))
      const exit = await runtime.runPromiseExit(f(shape))
      if (Exit.isSuccess(exit)) return exit.value
      throw errorOf(exit.cause)
    })
  return {
    verifyNow: (token, nowMs, options) => shape?.verifyNow(token, nowMs, options),
    verifyRequestNow: (request, nowMs, options) => shape?.verifyRequestNow(request, nowMs, options),
    verify: (token, options) => run((v) => v.verify(token, options)),
    verifyRequest: (request, options) => run((v) => v.verifyRequest(request, options)),
    warm: () => run((v) => v.warm),
    status: () => run((v) => v.status),
    clearCache: () => run((v) => v.clearCache),
    close: () => runtime.dispose(),
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
