/**
 * The shapes `@tokenward/web` accepts and returns. Only Web standards (`Request`, `Response`) and
 * core types: no runtime's own types, so one handler runs in Deno, Bun, Workers and Node.
 *
 * @module
 */
import type { RequestGuard, VerifiedAccessToken } from '@tokenward/core'

/**
 * A Web handler: `Request` in, `Response` out, plus whatever the runtime passes after the request
 * (Workers' `env, ctx`, Bun's `server`, Deno's `info`).
 *
 * @example
 * ```ts
 * const hello: WebHandler<[env: Env]> = async (request, env) => new Response('hi')
 * ```
 */
export type WebHandler<Rest extends unknown[] = []> = (request: Request, ...rest: Rest) => Promise<Response>

/**
 * A handler protected by {@link withTokenward}: it receives the verified token after the request.
 * `Auth` is `VerifiedAccessToken`, or `VerifiedAccessToken | undefined` with `optional: true`.
 *
 * @example
 * ```ts
 * const orders: ProtectedHandler<VerifiedAccessToken> = (request, auth) => Response.json({ client: auth.clientId })
 * ```
 */
export type ProtectedHandler<Auth extends VerifiedAccessToken | undefined, Rest extends unknown[] = []> = (
  request: Request,
  auth: Auth,
  ...rest: Rest
) => Response | Promise<Response>

/**
 * Options of {@link withTokenward}.
 *
 * @example
 * ```ts
 * const options: WithTokenwardOptions = { guard: createVerifier({ server }), requiredRoles: ['Admin'] }
 * ```
 */
export interface WithTokenwardOptions {
  /** Decides each request: a `Verifier` from `@tokenward/core`, or a registry guard. */
  readonly guard: RequestGuard
  /**
   * Let a request without any access token through (the handler gets `undefined`). Only a
   * missing token: a bad token is still refused, and an identity-provider outage is still 503.
   */
  readonly optional?: boolean | undefined
  /** Accept only these API roles on this handler (a subset of the organization's roles). */
  readonly requiredRoles?: readonly string[] | undefined
}
