/**
 * The Express middleware: an Express request becomes a core `TokenRequest`, the guard's verdict
 * becomes `req.auth` or the core's rendered answer. Every decision is the core's.
 *
 * @module
 */
import type { TLSSocket } from 'node:tls'
import {
  admitRequest,
  defineClientCertificateSource,
  defineRequestUrl,
  dpopNonceHeaders,
  isApiResourceTable,
  type ChallengeResponse,
  type ClientCertificateSourceOptions,
  type PlatformCertificate,
  type RequestCertificate,
  type RequestUrl,
  type RequestUrlOptions,
  type RequestVerdict,
  type TokenRequest,
  type VerifyOptions,
} from '@tokenward/core'
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import type { ClientCertificateOptions, RequireApiResourceOptions, RequireApiRolesOptions, TokenwardOptions } from './types.ts'

/**
 * Express middleware that verifies the request's access token with `options.guard`. Accepted: sets
 * `req.auth` (and `DPoP-Nonce` with `Cache-Control: no-store` when the core hands out the next
 * nonce) and calls `next()` — in the same tick when the guard decides without waiting
 * (`verifyRequestNow`: a cache hit, fresh keys). Refused: answers with the core's status, headers
 * (`WWW-Authenticate`, `Retry-After` for an outage, which is 503 and never 401) and JSON body.
 * A guard that throws (an infrastructure or programming fault) goes to `next(error)`.
 *
 * The guard sees `req.originalUrl` exactly as received (so a mount such as `app.use('/orgs', …)`
 * changes nothing), behind the origin the URL options establish, and the router's `req.params`
 * as `routeParams` (on a route such as `app.get('/orgs/:orgId/reports', …)`, a registry guard
 * with `{ param: 'orgId' }` verifies against exactly the organization Express routed to). With a
 * `{ path }` guard, compare `req.auth.authorization?.apiRole.orgId` with `req.params.orgId` in
 * handlers that act on an organization.
 *
 * @example
 * ```ts
 * import express from 'express'
 * import { createVerifier } from '@tokenward/core'
 * import { tokenward } from '@tokenward/express'
 *
 * const guard = createVerifier({ server, organization })
 * const app = express()
 * app.use('/api', tokenward({ guard }))
 * app.get('/api/reports', (req, res) => res.json({ caller: req.auth?.clientId, adminId: req.auth?.authorization?.adminId }))
 * ```
 */
export function tokenward(options: TokenwardOptions): RequestHandler {
  const { guard } = options
  const admission = { optional: options.optional ?? false }
  const verifyOptions = verifyOptionsOf(options)
  const urlOf = defineRequestUrl(urlOptionsOf(options))
  const certificateOf = socketCertificateSource(options.clientCertificate)
  const settle = (verdict: RequestVerdict, req: Request, res: Response, next: NextFunction): void => {
    // Optional auth lets only an absent token through; the core decides which.
    const admitted = admitRequest(verdict, admission)
    if (admitted.kind === 'accepted') {
      req.auth = admitted.token
      // The proof's nonce is about to expire: hand the client the next one with this answer.
      if (admitted.token.dpopNonce !== undefined) res.set(dpopNonceHeaders(admitted.token.dpopNonce))
    }
    if (admitted.kind !== 'refused') return next()
    sendChallenge(res, admitted.response)
  }
  return function tokenwardMiddleware(req, res, next) {
    let verdict: RequestVerdict | Promise<RequestVerdict>
    try {
      const request = hotPathTokenRequest(req, urlOf, certificateOf)
      // A verdict reached without waiting (cache hit, fresh keys) continues in this same tick.
      verdict = guard.verifyRequestNow === undefined ? guard.verifyRequest(request, verifyOptions) : guard.verifyRequestNow(request, verifyOptions)
    } catch (error) {
      return next(error)
    }
    if (!isPromiseLike(verdict)) return settle(verdict, req, res, next)
    // A fault while answering goes to Express's error handling too (Express 4 ignores promises).
    Promise.resolve(verdict)
      .then((v) => settle(v, req, res, next), next)
      .catch(next)
  }
}

/**
 * A per-route rule: the request must carry one of these API roles of its organization. It is
 * `tokenward({ guard, requiredRoles: roles })`: the core verifies the request again with the
 * roles (no role logic here), answers 403 `insufficient_scope` when none matches, and replaces
 * `req.auth` with the token whose `authorization` names the role that allowed this route.
 *
 * Stacked after an app-wide `tokenward({ guard })` with a core `Verifier`, the second
 * verification is a verified-token cache hit. With a registry guard every verification is an
 * audited, counted API call: mount `tokenward({ guard, requiredRoles })` on such routes instead
 * of stacking the two.
 *
 * @example
 * ```ts
 * app.get('/reports', tokenward({ guard }), listReports)
 * app.delete('/policies/:id', requireApiRoles(['Admin'], { guard }), deletePolicy)
 * ```
 */
export function requireApiRoles(roles: readonly string[], options: RequireApiRolesOptions): RequestHandler {
  return tokenward({ ...urlOptionsOf(options), clientCertificate: options.clientCertificate, guard: options.guard, requiredRoles: roles })
}

/**
 * A per-route rule: the route serves this API resource category, so the token needs an API role
 * of its organization that grants it (the organization's role → categories map). It is
 * `tokenward({ guard, resource: category })`: the core decides (403 `insufficient_scope` naming
 * the category otherwise) and `req.auth.authorization` names the role that allowed the call. The
 * guard needs the organization's categories: a core `Verifier` with `organization.apiRoleCategories`
 * (`organizationAccessOf` fills it), or a registry guard.
 *
 * @example
 * ```ts
 * app.get('/orgs/:orgId/reports', requireApiResource('reports', { guard }), listReports)
 * app.delete('/orgs/:orgId/policies/:id', requireApiResource('policies', { guard }), deletePolicy)
 * ```
 */
export function requireApiResource(category: string, options: RequireApiResourceOptions): RequestHandler {
  return tokenward({ ...urlOptionsOf(options), guard: options.guard, requiredRoles: options.requiredRoles, resource: category })
}

/** The per-call options the middleware's options ask for, checked when it is built. */
function verifyOptionsOf(options: TokenwardOptions): VerifyOptions | undefined {
  const { requiredRoles, resource, resources } = options
  if (resource !== undefined && (typeof resource !== 'string' || resource === '')) throw new TypeError('tokenward: options.resource must be an API resource category name')
  if (resources !== undefined && !isApiResourceTable(resources)) throw new TypeError('tokenward: options.resources must be a table built by defineApiResources')
  if (requiredRoles === undefined && resource === undefined && resources === undefined) return undefined
  return { requiredRoles, resource, resources }
}

/**
 * Translates an Express request into the core's `TokenRequest`: method, the absolute URL (the
 * origin from `options`, see {@link TokenwardOptions}; the path and query exactly as the client
 * sent them, `originalUrl`, also inside routers), every header line (from `headersDistinct`,
 * because Node's `req.headers` silently keeps only the first of two `Authorization` lines), the
 * router's `req.params`, and the client certificate (of the mutual-TLS connection by default, or
 * from a trusted proxy's header with `options.clientCertificate`).
 *
 * @example
 * ```ts
 * app.post('/token-info', async (req, res) => res.json(await guard.verifyRequest(toTokenRequest(req, { publicOrigin: 'https://api.example.com' }))))
 * ```
 */
export function toTokenRequest(req: Request, options: RequestUrlOptions & ClientCertificateOptions = {}): TokenRequest {
  return tokenRequestWith(req, req.headersDistinct, defineRequestUrl(urlOptionsOf(options)), socketCertificateSource(options.clientCertificate))
}

function urlOptionsOf(options: RequestUrlOptions): RequestUrlOptions {
  return { publicOrigin: options.publicOrigin, trustedProxies: options.trustedProxies, trustHostHeader: options.trustHostHeader }
}

/**
 * {@link toTokenRequest} without building `headersDistinct` for every request: `req.headers` (which
 * Node builds anyway, and Express reads) holds everything the core reads, except that it keeps only
 * the first of several Authorization lines. So a request that repeats that line gets every line.
 * (A later stage that reads another header whose repeats matter, such as DPoP, belongs in the check.)
 */
function hotPathTokenRequest(req: Request, urlOf: RequestUrl, certificateOf: SocketCertificateSource): TokenRequest {
  const raw = req.rawHeaders as readonly string[] | undefined
  return tokenRequestWith(req, raw === undefined || repeatsAuthorization(raw) ? req.headersDistinct : req.headers, urlOf, certificateOf)
}

function tokenRequestWith(req: Request, headers: TokenRequest['headers'], urlOf: RequestUrl, certificateOf: SocketCertificateSource): TokenRequest {
  const socket = req.socket as Partial<TLSSocket> | undefined
  const certificate = certificateOf(socket, headers)
  const url = urlOf({ target: req.originalUrl, headers, peerAddress: socket?.remoteAddress, platformOrigin: localOriginOf(socket), encrypted: socket?.encrypted === true })
  // One object shape for every request (absent fields are undefined), which keeps this path monomorphic.
  return {
    method: req.method,
    url,
    headers,
    // The router's own parameters (empty outside a route, e.g. under app.use).
    routeParams: req.params,
    clientCertificate: certificate.clientCertificate,
    clientCertificateThumbprint: certificate.clientCertificateThumbprint,
  }
}

// The origin of the local address a connection was accepted on, built once per socket.
const localOrigins = new WeakMap<object, string>()

/** `http(s)://<local address>:<port>`: where the client connected, known without reading its headers. */
function localOriginOf(socket: Partial<TLSSocket> | undefined): string | undefined {
  if (socket === undefined) return undefined
  const known = localOrigins.get(socket)
  if (known !== undefined) return known
  const address = socket.localAddress
  const port = socket.localPort
  if (typeof address !== 'string' || address === '' || typeof port !== 'number') return undefined
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  const host = mapped !== null ? mapped[1]! : address.includes(':') ? `[${address}]` : address
  const origin = `${socket.encrypted === true ? 'https' : 'http'}://${host}:${port}`
  localOrigins.set(socket, origin)
  return origin
}

/** Whether the raw header lines (name, value, name, value…) carry Authorization more than once. */
function repeatsAuthorization(raw: readonly string[]): boolean {
  let seen = false
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!
    if (name.length !== 13 || name.toLowerCase() !== 'authorization') continue
    if (seen) return true
    seen = true
  }
  return false
}

/** Reads a request's client certificate from its socket and headers. */
type SocketCertificateSource = (socket: Partial<TLSSocket> | undefined, headers: TokenRequest['headers']) => RequestCertificate

const noCertificate: RequestCertificate = Object.freeze({})

/**
 * The certificate source of a middleware: the default (`'platform'`) reads the socket directly, as
 * cheaply as before there was a choice; any other option goes through the core's source.
 */
function socketCertificateSource(option: ClientCertificateSourceOptions | undefined): SocketCertificateSource {
  if (option === undefined || option === 'platform') {
    return (socket) => {
      const raw = socketCertificateOf(socket)
      return raw === undefined ? noCertificate : { clientCertificate: { raw } }
    }
  }
  const source = defineClientCertificateSource(option)
  return (socket, headers) => source({ headers, peerAddress: socket?.remoteAddress, platform: () => wrapped(socketCertificateOf(socket)) })
}

const wrapped = (raw: Uint8Array | undefined): PlatformCertificate | undefined => (raw === undefined ? undefined : { certificate: raw })

/** The DER certificate the client presented on this TLS connection, if any. */
function socketCertificateOf(socket: Partial<TLSSocket> | undefined): Uint8Array | undefined {
  // A TLS socket without a client certificate returns an empty object; a plain socket has no method.
  const raw: unknown = socket?.getPeerCertificate?.()?.raw
  return raw instanceof Uint8Array && raw.length > 0 ? raw : undefined
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown }).then === 'function'
}

/** Sends the core's rendered answer unchanged. */
function sendChallenge(res: Response, response: ChallengeResponse): void {
  res.status(response.status).set(response.headers).json(response.body)
}
