// Test support: serve a Web handler (`Request → Response`) over real HTTP on 127.0.0.1 with
// node:http. Not part of the package (excluded from builds).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface RunningServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string
  close(): Promise<void>
}

/** IncomingMessage → Web Request. Cancelling the body drains the rest instead of killing the socket, so a 413 still reaches the client. */
export function toWebRequest(req: IncomingMessage, origin: string): Request {
  const headers = new Headers()
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string)
  const method = req.method ?? 'GET'
  const hasBody = method !== 'GET' && method !== 'HEAD'
  const body = hasBody
    ? new ReadableStream<Uint8Array>({
        start(controller) {
          req.on('data', (chunk: Buffer) => {
            controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
            if ((controller.desiredSize ?? 1) <= 0) req.pause()
          })
          req.on('end', () => controller.close())
          req.on('error', (error) => controller.error(error))
        },
        pull() {
          req.resume()
        },
        cancel() {
          req.removeAllListeners('data')
          req.resume()
        },
      })
    : null
  // The origin is ours; the path is the raw request target, never resolved against the origin
  // (`//evil/x` would change the host) nor rewritten by URL parsing (see `isNormalTarget`).
  return new Request(`${origin}${req.url ?? '/'}`, { method, headers, body, duplex: 'half' } as RequestInit)
}

/** True when URL parsing keeps the target's path as sent (no dot segments, backslashes or `#`). */
export function isNormalTarget(origin: string, target: string): boolean {
  if (!target.startsWith('/')) return false
  const path = target.split('?', 1)[0] as string
  try {
    return new URL(`${origin}${target}`).pathname === path
  } catch {
    return false
  }
}

/** Web Response → ServerResponse. */
export async function sendWebResponse(res: ServerResponse, response: Response): Promise<void> {
  res.statusCode = response.status
  response.headers.forEach((value, key) => res.setHeader(key, value))
  if (response.body === null) {
    res.end()
    return
  }
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) res.write(chunk)
  res.end()
}

/** Serves `handler` on 127.0.0.1 on a free port. */
export async function serveWebHandler(handler: (request: Request) => Promise<Response>): Promise<RunningServer> {
  let origin = ''
  const server = createServer((req, res) => {
    if (!isNormalTarget(origin, req.url ?? '/')) {
      res.statusCode = 400
      res.end('{"error":"invalid_request","message":"The request path is not in normal form"}')
      return
    }
    handler(toWebRequest(req, origin))
      .then((response) => sendWebResponse(res, response))
      .catch((error: unknown) => {
        res.statusCode = 599
        res.end(String(error))
      })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    origin,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}

/** Serves a fixed JSON document (a JWKS) on 127.0.0.1; `hits` counts requests. */
export async function serveJson(document: unknown, status = 200): Promise<RunningServer & { readonly url: string; readonly hits: number }> {
  const state = { hits: 0 }
  const running = await serveWebHandler(async () => {
    state.hits++
    return new Response(JSON.stringify(document), { status, headers: { 'content-type': 'application/json' } })
  })
  return {
    ...running,
    url: `${running.origin}/keys`,
    get hits() {
      return state.hits
    },
  }
}
