// Test support (never shipped): Express 5 and Express 4 side by side, and real servers on
// 127.0.0.1 with an ephemeral port.
import { createServer, type RequestListener, type Server } from 'node:http'
import { createServer as createHttpsServer, type ServerOptions } from 'node:https'
import type { AddressInfo } from 'node:net'
import { createRequire } from 'node:module'
import express from 'express'

// `express4` is an npm alias of express@4; it ships no types, and its API is the one @types/express describes.
const express4 = createRequire(import.meta.url)('express4') as typeof express

/** Both supported majors, for `describe.each`. */
export const frameworks = [
  { name: 'express 5', express },
  { name: 'express 4', express: express4 },
] as const

export interface RunningServer {
  readonly origin: string
  readonly port: number
  close(): Promise<void>
}

/** Serves `app` over HTTP, or over HTTPS when TLS options are given. */
export async function serve(app: RequestListener, tls?: ServerOptions): Promise<RunningServer> {
  const server: Server = tls === undefined ? createServer(app) : createHttpsServer(tls, app)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    origin: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
