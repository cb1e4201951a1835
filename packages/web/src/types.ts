/**
 * The shapes `@tokenward/web` accepts and returns. Only Web standards (`Request`, `Response`) and
 * core types: no runtime's own types, so one handler runs in Deno, Bun, Workers and Node.
 *
 * @module
 */
import type { ApiResourceTable, RequestGuard, VerifiedAccessToken, VerifyOptions } from '@tokenward/core'
import type { WebCertificateOptions } from './web-client-certificate.ts'

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
 * Options of {@link verifyWebRequest}: the per-call verify options, and the origin clients call.
 *
 * @example
 * ```ts
 * const options: VerifyWebRequestOptions = { publicOrigin: 'https://api.example.com', requiredRoles: ['Admin'] }
 * ```
 */
export interface VerifyWebRequestOptions extends VerifyOptions, WebCertificateOptions {
  /**
   * The origin clients call (`https://api.example.com`): replaces the origin of `request.url`,
   * which most runtimes build from the client's `Host` header. Default: `request.url` as given.
   */
  readonly publicOrigin?: string | undefined
}

/**
 * Options of {@link withTokenward}.
 *
 * @example
 * ```ts
 * const options: WithTokenwardOptions = { guard: createVerifier({ server }), requiredRoles: ['Admin'] }
 * const reports: WithTokenwardOptions = { guard, resource: 'reports' }
 * ```
 */
export interface WithTokenwardOptions extends WebCertificateOptions {
  /** Decides each request: a `Verifier` from `@tokenward/core`, or a registry guard. */
  readonly guard: RequestGuard
  /**
   * Let a request without any access token through (the handler gets `undefined`). Only a
   * missing token: a bad token is still refused, and an identity-provider outage is still 503.
   */
  readonly optional?: boolean | undefined
  /** Accept only these API roles on this handler (a subset of the organization's roles). */
  readonly requiredRoles?: readonly string[] | undefined
  /**
   * The API resource category this handler serves (`'reports'`): the token needs an API role that
   * grants it in the organization's role → categories map; 403 `insufficient_scope` otherwise.
   */
  readonly resource?: string | undefined
  /**
   * An API resource table (`defineApiResources`) the request's method and path are matched
   * against, for one handler in front of many routes (unmapped paths are refused unless the
   * table says otherwise). `resource` wins when both are given.
   */
  readonly resources?: ApiResourceTable | undefined
  /** The origin clients call; see {@link VerifyWebRequestOptions.publicOrigin}. Checked when the handler is built. */
  readonly publicOrigin?: string | undefined
}
