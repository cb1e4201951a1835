/**
 * Cold starts: fetch the keys during the Lambda init phase, not on the first request.
 *
 * @module
 */

/**
 * Options of {@link warmOnInit}.
 *
 * @example
 * ```ts
 * await warmOnInit(verifier, { onError: (error) => console.error(JSON.stringify({ msg: 'JWKS warm-up failed', error: String(error) })) })
 * ```
 */
export interface WarmOnInitOptions {
  /** Receives the failure. Default: one `console.warn` line (the error carries no token). */
  readonly onError?: ((error: unknown) => void) | undefined
}

/**
 * Starts `verifier.warm()` (fetches the JWKS) and never rejects: a failure is reported and
 * swallowed, so the init phase never crashes and the first request fetches the keys again.
 * Resolves `true` when the keys were fetched. Call it at module scope, where the verifier is
 * created once per container; in an ES module, `await` it at top level so that the work happens
 * during init (which Provisioned Concurrency also runs ahead of traffic). Keep the JWKS timeout
 * (default 5 s) well inside the 10 s init limit.
 *
 * @example
 * ```ts
 * // handler.mjs (or "type": "module")
 * import { createVerifier } from '@tokenward/core'
 * import { warmOnInit, withTokenward } from '@tokenward/lambda'
 *
 * const verifier = createVerifier({ server: { name: 'Okta1', jwksUrl: 'https://acme.okta.com/oauth2/default/v1/keys' } })
 * await warmOnInit(verifier, { onError: (error) => logger.warn({ error }, 'JWKS warm-up failed') })
 * export const handler = withTokenward(async (event, context, auth) => ({ statusCode: 204 }), { guard: verifier })
 * ```
 */
export async function warmOnInit(verifier: { warm(): Promise<void> }, options: WarmOnInitOptions = {}): Promise<boolean> {
  try {
    await verifier.warm()
    return true
  } catch (error) {
    try {
      if (options.onError !== undefined) options.onError(error)
      else console.warn('tokenward: fetching the keys during init failed; the first request will try again:', error)
    } catch {
      // A failing reporter must not crash the init phase either.
    }
    return false
  }
}
