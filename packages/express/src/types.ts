/**
 * The options of the Express adapter, and `req.auth` on every Express request.
 *
 * @module
 */
import type { ApiResourceTable, ClientCertificateSourceOptions, RequestGuard, RequestUrlOptions, VerifiedAccessToken } from '@tokenward/core'

declare global {
  // Declaration merging is how Express lets middleware add request fields.
  namespace Express {
    interface Request {
      /** The verified access token, set by `tokenward()` (absent when optional auth let a request without a token through). */
      auth?: VerifiedAccessToken
    }
  }
}

/**
 * Options of {@link tokenward}. The URL options (`publicOrigin`, `trustedProxies`,
 * `trustHostHeader`) say how `TokenRequest.url` gets its origin: the configured public origin, a
 * trusted proxy's `Forwarded`/`X-Forwarded-*` headers, or else the local address the client
 * connected to — never the client's `Host` header unless `trustHostHeader` is set. They are checked
 * when the middleware is built (`ConfigError`). Express's own `trust proxy` setting is not read.
 *
 * @example
 * ```ts
 * const options: TokenwardOptions = { guard: createVerifier({ server, organization }), publicOrigin: 'https://api.example.com' }
 * app.use(tokenward(options))
 * ```
 */
export interface TokenwardOptions extends RequestUrlOptions, ClientCertificateOptions {
  /** Decides each request: a core `Verifier`, a registry guard, or anything with `verifyRequest`. */
  readonly guard: RequestGuard
  /**
   * Let requests that carry no access token through (`req.auth` stays undefined). Only a missing
   * token: a bad token, a malformed `Authorization` header or an identity-provider outage is still
   * answered (401/400/403/503). Default `false`.
   */
  readonly optional?: boolean | undefined
  /** Accept only these API roles (a subset of the organization's roles); the core decides, 403 otherwise. */
  readonly requiredRoles?: readonly string[] | undefined
  /**
   * The API resource category this route serves (`'reports'`): the token needs an API role that
   * grants it (the organization's role → categories map); 403 `insufficient_scope` otherwise.
   * Wins over `resources` and over a table on the guard.
   */
  readonly resource?: string | undefined
  /**
   * An API resource table (`defineApiResources`) the request's method and path are matched
   * against, for middleware mounted in front of many routes. Unmapped paths are refused (403)
   * unless the table says otherwise.
   */
  readonly resources?: ApiResourceTable | undefined
}

/**
 * Options of {@link requireApiRoles}.
 *
 * @example
 * ```ts
 * const options: RequireApiRolesOptions = { guard }
 * app.delete('/policies/:id', requireApiRoles(['Admin'], options), handler)
 * ```
 */
export interface RequireApiRolesOptions extends RequestUrlOptions, ClientCertificateOptions {
  /** The same guard the app authenticates with. */
  readonly guard: RequestGuard
}

/**
 * Options of {@link requireApiResource}.
 *
 * @example
 * ```ts
 * const options: RequireApiResourceOptions = { guard, requiredRoles: ['Admin'] }
 * app.delete('/policies/:id', requireApiResource('policies', options), handler)
 * ```
 */
export interface RequireApiResourceOptions extends RequestUrlOptions {
  /** The same guard the app authenticates with. */
  readonly guard: RequestGuard
  /** Also require one of these API roles (which must grant the category too). */
  readonly requiredRoles?: readonly string[] | undefined
}

/**
 * A Web-standard handler, such as the admin API of `@tokenward/registry` (`createAdminApi`).
 *
 * @example
 * ```ts
 * const handler: WebHandler = async (request) => Response.json({ path: new URL(request.url).pathname })
 * app.use('/admin', adminApi(handler))
 * ```
 */
export type WebHandler = (request: Request) => Response | Promise<Response>

/**
 * Where the adapter takes the client certificate of a request from, for certificate-bound tokens
 * (RFC 8705), checked when the middleware is built (`ConfigError`).
 *
 * - `'platform'` (default): the certificate the client presented on this TLS connection
 *   (`https.createServer({ requestCert: true, … })`); none on plain HTTP.
 * - `{ header, trustedProxies and/or sharedSecret }`: a TLS-terminating proxy's header — RFC 9440
 *   `client-cert`, Envoy `x-forwarded-client-cert` (its `Cert`, else its `Hash`), AWS ALB
 *   `x-amzn-mtls-clientcert`, or nginx's `$ssl_client_escaped_cert` under any header name —
 *   believed only from a trusted peer (`req.socket.remoteAddress`) and/or with the shared secret.
 *   From anyone else it is ignored, so a certificate-bound token is refused.
 * - `'none'`: never read one.
 *
 * @example
 * ```ts
 * // nginx in front: proxy_set_header X-SSL-Client-Cert $ssl_client_escaped_cert;
 * app.use(tokenward({ guard, clientCertificate: { header: 'x-ssl-client-cert', trustedProxies: ['10.0.0.0/8'] } }))
 * ```
 */
export interface ClientCertificateOptions {
  readonly clientCertificate?: ClientCertificateSourceOptions | undefined
}
