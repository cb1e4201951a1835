/**
 * Mounting a Web-standard handler (the registry's admin API) in Express: the Express request
 * becomes a Web `Request` with the body streamed, the `Response` is written back.
 *
 * @module
 */
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as NodeReadableStream } from 'node:stream/web'
import type { Request as ExpressRequest, RequestHandler, Response as ExpressResponse } from 'express'
import type { WebHandler } from './types.ts'

/**
 * The request body was read before `adminApi` saw it, almost always by `express.json()` or another
 * body parser mounted earlier. Passed to `next(error)`; Express answers 500.
 *
 * @example
 * ```ts
 * app.use((error, req, res, next) => {
 *   if (error instanceof BodyAlreadyReadError) console.error(error.message) // mount adminApi before express.json()
 *   next(error)
 * })
 * ```
 */
export class BodyAlreadyReadError extends Error {
  readonly _tag = 'BodyAlreadyReadError' as const
  readonly code = 'body_already_read' as const
  /** Read by Express's error handler. */
  readonly status = 500 as const
  constructor() {
    super('adminApi: the request body was already read by a body parser (such as express.json()); mount adminApi before body parsers, or on a path they do not cover')
    this.name = 'BodyAlreadyReadError'
  }
}

/**
 * Express middleware that serves a Web handler, such as `createAdminApi(...)` from
 * `@tokenward/registry`. The handler receives a `Request` with the method, the full URL, every
 * header line and the body as a stream; its `Response` (status, headers including several
 * `Set-Cookie`, streamed body) is sent.
 *
 * The handler sees exactly the path Express routed: the URL's path and query are
 * `req.originalUrl` (a mounted handler sees the full path), and the origin is `req.protocol` with
 * the `Host` header, which must be a plain `host[:port]`. A `Host` that is anything else (a path,
 * a query, user info...) and a path that URL parsing would change before the handler saw it (dot
 * segments, also percent-encoded; backslashes; a `#`) are answered 400 `invalid_request`, never
 * reinterpreted: a gate mounted in front on `/orgs/acme` guards what the handler acts on.
 *
 * Mount it before any body parser: a body already consumed cannot be handed on, and the request
 * then fails with {@link BodyAlreadyReadError} (500) instead of reaching the handler without its
 * body. Errors thrown by the handler or while streaming go to `next(error)`.
 *
 * @example
 * ```ts
 * import { createAdminApi } from '@tokenward/registry'
 * import { adminApi } from '@tokenward/express'
 *
 * // The handler sees the full path (req.originalUrl), so its basePath is the mount path.
 * app.use('/admin', adminApi(createAdminApi({ store, receipts, audit, authenticate, authorizeOrganization: null, basePath: '/admin/' })))
 * app.use(express.json()) // after adminApi
 * ```
 */
export function adminApi(handler: WebHandler): RequestHandler {
  return async function adminApiMiddleware(req, res, next) {
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD' && (req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0)
    if (hasBody && bodyConsumed(req)) return next(new BodyAlreadyReadError())
    const url = routedUrl(req.protocol, req.get('host') ?? 'localhost', req.originalUrl)
    if (typeof url === 'string') {
      res.status(400).json({ error: 'invalid_request', code: url, error_description: url === 'invalid_host' ? 'The Host header is not a valid host[:port]' : 'The request path is not in normal form' })
      return
    }
    try {
      const response = await handler(toWebRequest(req, res, url, hasBody))
      await writeWebResponse(res, response)
    } catch (error) {
      next(error)
    }
  }
}

/** A DNS name or IPv4 address, or a bracketed IPv6 literal, then an optional port. */
const hostPattern = /^(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/

/**
 * The URL the handler gets: the origin from the protocol and `Host`, the path and query exactly
 * as routed. Anything URL parsing would rewrite (a dot segment, also as `%2e`; a backslash, read as
 * `/`; a `#`, read as a fragment) would make the handler act on another path than the one Express
 * and the middleware in front of it saw, so it is refused instead.
 */
function routedUrl(protocol: string, host: string, target: string): URL | 'invalid_host' | 'invalid_path' {
  if ((protocol !== 'http' && protocol !== 'https') || host.length > 261 || !hostPattern.test(host)) return 'invalid_host'
  if (!target.startsWith('/')) return 'invalid_path'
  const query = target.indexOf('?')
  const path = query === -1 ? target : target.slice(0, query)
  let url: URL
  try {
    url = new URL(`${protocol}://${host}${target}`)
  } catch {
    return 'invalid_host'
  }
  return url.pathname === path ? url : 'invalid_path'
}

/** True when a body parser (or anyone) has started reading the request stream. */
function bodyConsumed(req: ExpressRequest): boolean {
  return req.readableDidRead || req.readableEnded || (req as { _body?: unknown })._body === true
}

function toWebRequest(req: ExpressRequest, res: ExpressResponse, url: URL, hasBody: boolean): Request {
  const headers = new Headers()
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!)
  // The handler may stop working when the client goes away before the answer is sent.
  const abort = new AbortController()
  res.once('close', () => {
    if (!res.writableFinished) abort.abort()
  })
  const init: RequestInit & { duplex?: 'half' } = { method: req.method, headers, signal: abort.signal }
  if (hasBody) {
    init.body = Readable.toWeb(req) as unknown as ReadableStream<Uint8Array>
    init.duplex = 'half'
  }
  return new Request(url, init)
}

async function writeWebResponse(res: ExpressResponse, response: Response): Promise<void> {
  res.statusCode = response.status
  if (response.statusText !== '') res.statusMessage = response.statusText
  for (const [name, value] of response.headers) if (name !== 'set-cookie') res.setHeader(name, value)
  const cookies = response.headers.getSetCookie()
  if (cookies.length > 0) res.setHeader('set-cookie', cookies)
  if (response.body === null) {
    res.end()
    return
  }
  await pipeline(Readable.fromWeb(response.body as unknown as NodeReadableStream<Uint8Array>), res)
}
