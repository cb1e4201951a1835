/**
 * Test support (never shipped): a forward proxy on 127.0.0.1 that opens `CONNECT` tunnels and
 * relays absolute-form plain HTTP requests, counting both, so tests can prove traffic went
 * through it.
 *
 * @module
 */
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { connect } from 'node:net'

/** A running test proxy. */
export interface TestProxy {
  /** `http://127.0.0.1:<port>` */
  readonly url: URL
  /** `host:port` of every CONNECT tunnel opened, in order. */
  readonly tunnels: string[]
  /** Absolute URLs of every plain HTTP request relayed, in order. */
  readonly relayed: string[]
  /** `Proxy-Authorization` of every request or tunnel, in order (undefined when absent). */
  readonly authorizations: (string | undefined)[]
  close(): Promise<void>
}

/**
 * Starts a forward proxy on 127.0.0.1. `refuseTunnels` answers every CONNECT with 403.
 *
 * @example
 * ```ts
 * const proxy = await startConnectProxy()
 * // … request through proxy.url …
 * expect(proxy.tunnels).toHaveLength(1)
 * ```
 */
export async function startConnectProxy(options: { readonly refuseTunnels?: boolean } = {}): Promise<TestProxy> {
  const tunnels: string[] = []
  const relayed: string[] = []
  const authorizations: (string | undefined)[] = []
  const sockets = new Set<Socket>()
  const server = createServer((req: IncomingMessage, res) => {
    authorizations.push(req.headers['proxy-authorization'])
    relayed.push(req.url ?? '')
    const target = new URL(req.url ?? '')
    const headers = { ...req.headers }
    delete headers['proxy-authorization']
    const upstream = httpRequest({ host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    upstream.on('error', () => res.writeHead(502).end())
    req.pipe(upstream)
  })
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    authorizations.push(req.headers['proxy-authorization'])
    tunnels.push(req.url ?? '')
    if (options.refuseTunnels === true) {
      client.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n')
      return
    }
    const [host, port] = (req.url ?? '').split(/:(?=\d+$)/)
    const upstream = connect(Number(port), (host ?? '').replace(/^\[|\]$/g, ''), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.length > 0) upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    sockets.add(upstream)
    upstream.on('close', () => sockets.delete(upstream))
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as AddressInfo
  return {
    url: new URL(`http://127.0.0.1:${port}`),
    tunnels,
    relayed,
    authorizations,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
