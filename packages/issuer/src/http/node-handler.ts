/**
 * The issuer behind `node:http` (or `node:https`, `node:http2`'s compatibility API) without Web
 * `Request`/`Response` objects: the listener reads the body as buffers and writes the answer
 * directly. It only translates; every rule lives in the issuer and is shared with the Web handler.
 * It declares the few members of Node's request and response it uses, so the package needs no
 * Node type definitions.
 *
 * @module
 */
import type { Issuer } from '../endpoint/create-issuer.ts'
import type { IssuerHttpRequest } from './issuer-http.ts'

/**
 * The members of `node:http`'s `IncomingMessage` the Node handler reads.
 *
 * @example
 * ```ts
 * import type { IncomingMessage } from 'node:http'
 * const request: IssuerNodeRequest = {} as IncomingMessage
 * ```
 */
export interface IssuerNodeRequest {
  readonly method?: string | undefined
  readonly url?: string | undefined
  /** Header names and values as received, alternating (`IncomingMessage.rawHeaders`). */
  readonly rawHeaders: readonly string[]
  on(event: string, listener: (...args: any[]) => void): unknown
  removeAllListeners(event?: string): unknown
  resume(): unknown
}

/**
 * The members of `node:http`'s `ServerResponse` the Node handler writes.
 *
 * @example
 * ```ts
 * import type { ServerResponse } from 'node:http'
 * const response: IssuerNodeResponse = {} as ServerResponse
 * ```
 */
export interface IssuerNodeResponse {
  writeHead(statusCode: number, headers: Record<string, string>): unknown
  end(body?: string): unknown
}

const asciiOnly = /^[\x00-\x7f]*$/
const utf8 = new TextEncoder()

/** A request target the WHATWG URL parser leaves as it is: `/`, or `/`-separated segments of unreserved characters without dots. */
const plainPath = /^(?:(?:\/[A-Za-z0-9_~-]+)+\/?|\/)$/

/**
 * A `node:http` request listener serving the issuer (token endpoint, JWKS, metadata), the fast way
 * on Node: the same answers as `issuer.handle`, without building Web `Request` and `Response`
 * objects. A body larger than the issuer's `maxBodyBytes` (declared or streamed) is refused without
 * reading the rest, and the connection is closed after the answer.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http'
 * import { createIssuer, createIssuerNodeHandler } from '@tokenward/issuer'
 *
 * const issuer = createIssuer(options)
 * createServer(createIssuerNodeHandler(issuer)).listen(8443)
 * ```
 */
export function createIssuerNodeHandler(issuer: Pick<Issuer, 'answer'>): (request: IssuerNodeRequest, response: IssuerNodeResponse) => void {
  return (req, res) => {
    const target = req.url ?? '/'
    let path: string
    let hasQuery: boolean
    if (plainPath.test(target)) {
      // Nothing the URL parser would change (no dot segment, escape, backslash or query).
      path = target
      hasQuery = false
    } else {
      try {
        const url = new URL(target, 'http://localhost')
        path = url.pathname
        hasQuery = url.search !== ''
      } catch {
        res.writeHead(400, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        res.end('{"error":"invalid_request","error_description":"The request target is not a URL"}')
        return
      }
    }
    let refused = false
    let bodyRead = false
    const raw = req.rawHeaders
    const request: IssuerHttpRequest = {
      method: req.method ?? 'GET',
      path,
      hasQuery,
      // Every field of the name, joined by ", " as Web Headers does (so a repeated Authorization
      // is seen, not silently dropped as IncomingMessage.headers would).
      header: (name) => {
        let value: string | null = null
        for (let i = 0; i + 1 < raw.length; i += 2) {
          const field = raw[i]!
          if (field.length === name.length && field.toLowerCase() === name) value = value === null ? raw[i + 1]! : `${value}, ${raw[i + 1]!}`
        }
        return value
      },
      readBody: (maxBytes) =>
        new Promise((resolve, reject) => {
          bodyRead = true
          const chunks: Uint8Array[] = []
          let total = 0
          req.on('data', (chunk: Uint8Array) => {
            if (refused) return
            total += chunk.byteLength
            if (total > maxBytes) {
              refused = true
              req.removeAllListeners('data')
              req.resume()
              resolve(null)
              return
            }
            chunks.push(chunk)
          })
          req.on('end', () => {
            if (refused) return
            if (chunks.length === 1) return resolve(chunks[0]!)
            const out = new Uint8Array(total)
            let at = 0
            for (const c of chunks) out.set(c, at), (at += c.byteLength)
            resolve(out)
          })
          req.on('error', reject)
        }),
    }
    void issuer.answer(request).then(
      (answer) => {
        // With the length known, node:http sends one framed answer instead of chunked encoding.
        const length = answer.body === null ? 0 : asciiOnly.test(answer.body) ? answer.body.length : utf8.encode(answer.body).byteLength
        // A body refused (too large) or left unread (refused before reading) is not drained: the
        // connection closes after the answer.
        const close = refused || (!bodyRead && (request.header('transfer-encoding') !== null || Number(request.header('content-length') ?? 0) > 0))
        res.writeHead(answer.status, { ...answer.headers, 'content-length': String(length), ...(close ? { connection: 'close' } : {}) })
        res.end(answer.body ?? undefined)
      },
      () => {
        res.writeHead(503, { 'content-type': 'application/json', 'cache-control': 'no-store', 'retry-after': '5' })
        res.end('{"error":"temporarily_unavailable","error_description":"The issuer could not decide"}')
      },
    )
  }
}
