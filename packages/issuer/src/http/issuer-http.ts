/**
 * The small request and answer shapes the issuer's logic speaks, so every door (the Web
 * `Request → Response` handler, the Node `node:http` listener) only translates and no rule is
 * written twice.
 *
 * @module
 */
import { readBoundedStream } from '@tokenward/core'

/**
 * One HTTP request as the issuer reads it. The Web handler builds it from a `Request`, the Node
 * handler from `node:http`'s request without building Web objects; build your own for another
 * server and pass it to {@link Issuer.answer}.
 *
 * @example
 * ```ts
 * const request: IssuerHttpRequest = {
 *   method: 'GET', path: '/jwks', hasQuery: false,
 *   header: () => null,
 *   readBody: async () => new Uint8Array(),
 * }
 * ```
 */
export interface IssuerHttpRequest {
  readonly method: string
  /** The URL's path, normalized as the WHATWG URL parser does (`new URL(…).pathname`). */
  readonly path: string
  /** Whether the URL has a non-empty query (the token endpoint refuses one). */
  readonly hasQuery: boolean
  /** A header by lower-case name: several fields of one name joined by `", "`, `null` when absent. */
  header(name: string): string | null
  /** The body, or `null` as soon as more than `maxBytes` arrived (reading then stops). */
  readBody(maxBytes: number): Promise<Uint8Array | null>
}

/**
 * The issuer's answer to an {@link IssuerHttpRequest}: a status, headers with lower-case names, and
 * a body (JSON text) or none.
 *
 * @example
 * ```ts
 * const answer: IssuerHttpAnswer = await issuer.answer(request)
 * console.log(answer.status, answer.headers['cache-control'], answer.body)
 * ```
 */
export interface IssuerHttpAnswer {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string | null
}

/** @internal Reads a Web `Request` as an {@link IssuerHttpRequest}. */
export function fromWebRequest(request: Request): IssuerHttpRequest {
  const url = new URL(request.url)
  return {
    method: request.method,
    path: url.pathname,
    hasQuery: url.search !== '',
    header: (name) => request.headers.get(name),
    readBody: (maxBytes) => readBoundedStream(request.body, maxBytes),
  }
}

/** @internal Writes an {@link IssuerHttpAnswer} as a Web `Response`. */
export const toWebResponse = (answer: IssuerHttpAnswer): Response => new Response(answer.body, { status: answer.status, headers: answer.headers })
