// A local authorization server's JWKS endpoint on 127.0.0.1: serves whatever keys it is told to,
// after an optional network-like delay, and counts every request so scenarios can assert how many
// fetches a library made.
import { createServer } from 'node:http'

/**
 * Starts a JWKS server on an ephemeral loopback port.
 *
 * @param {{ keys: object[], latencyMs?: number }} options
 * @returns {Promise<{ url: string, fetches: number, setKeys(keys: object[]): void, resetCount(): void, close(): Promise<void> }>}
 */
export async function startJwksServer({ keys, latencyMs = 0 }) {
  let body = JSON.stringify({ keys })
  const state = { fetches: 0 }
  const server = createServer((req, res) => {
    if (req.url !== '/jwks') {
      res.writeHead(404).end()
      return
    }
    state.fetches += 1
    const answer = () =>
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=600' }).end(body)
    if (latencyMs > 0) setTimeout(answer, latencyMs)
    else answer()
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  return {
    url: `http://127.0.0.1:${port}/jwks`,
    get fetches() {
      return state.fetches
    },
    setKeys(next) {
      body = JSON.stringify({ keys: next })
    },
    resetCount() {
      state.fetches = 0
    },
    close() {
      server.closeAllConnections()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}
