// Test support (never shipped): a real HTTP server on 127.0.0.1 whose answers a test scripts,
// recording what each request carried.
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface SeenRequest {
  readonly method: string
  readonly url: string
  readonly headers: Headers
  readonly body: string
}

export interface LoopbackServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string
  readonly requests: SeenRequest[]
  /** Replaces the handler. */
  handle(handler: (request: SeenRequest) => Response | Promise<Response>): void
  close(): Promise<void>
}

async function read(req: IncomingMessage, origin: string): Promise<SeenRequest> {
  const headers = new Headers()
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!)
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return { method: req.method ?? 'GET', url: new URL(req.url ?? '/', origin).href, headers, body: Buffer.concat(chunks).toString('utf8') }
}

export async function serveLoopback(handler: (request: SeenRequest) => Response | Promise<Response>): Promise<LoopbackServer> {
  let current = handler
  let origin = ''
  const requests: SeenRequest[] = []
  const server = createServer((req, res) => {
    read(req, origin)
      .then(async (seen) => {
        requests.push(seen)
        const response = await current(seen)
        res.statusCode = response.status
        response.headers.forEach((value, key) => res.setHeader(key, value))
        res.end(Buffer.from(await response.arrayBuffer()))
      })
      .catch((error: unknown) => {
        res.statusCode = 500
        res.end(String(error))
      })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    origin,
    requests,
    handle: (next) => void (current = next),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** A token endpoint answer. */
export const tokenAnswer = (accessToken: string, extra: Record<string, unknown> = {}): Response =>
  Response.json({ access_token: accessToken, token_type: 'Bearer', expires_in: 600, ...extra }, { headers: { 'cache-control': 'no-store' } })

/** A clock the test moves by hand, and a sleep that records its waits and moves the clock. */
export function testClock(start = Date.parse('2026-12-06T03:00:00Z')) {
  let now = start
  const waits: number[] = []
  return {
    now: () => now,
    advance: (ms: number) => void (now += ms),
    waits,
    sleep: async (ms: number) => {
      waits.push(ms)
      now += ms
    },
  }
}

/** The payload of a compact JWS, decoded without checking anything. */
export const jwtPayload = (jws: string): Record<string, unknown> => JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>
export const jwtHeader = (jws: string): Record<string, unknown> => JSON.parse(Buffer.from(jws.split('.')[0]!, 'base64url').toString('utf8')) as Record<string, unknown>
