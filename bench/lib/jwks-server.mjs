// A local authorization server's JWKS endpoint on 127.0.0.1: serves whatever keys it is told to,
// after an optional network-like delay, and counts every request so scenarios can assert how many
// fetches a library made. With `etag`, it answers like most identity providers' CDNs: an `ETag`
// on every response and `304 Not Modified` to an `If-None-Match` that still matches.
import { createHash } from 'node:crypto'
import { createServer } from 'node:http'

/**
 * Starts a JWKS server on an ephemeral loopback port.
 *
 * @param {{ keys: object[], latencyMs?: number, etag?: boolean }} options
 * @returns {Promise<{ url: string, fetches: number, notModified: number, setKeys(keys: object[]): void, resetCount(): void, close(): Promise<void> }>}
 */
export async function startJwksServer({ keys, latencyMs = 0, etag = false }) {
  let body = JSON.stringify({ keys })
  const state = { fetches: 0, notModified: 0 }
  const etagOf = (text) => `"${createHash('sha256').update(text).digest('base64url').slice(0, 16)}"`
  const server = createServer((req, res) => {
    if (req.url !== '/jwks') {
      res.writeHead(404).end()
      return
    }
    state.fetches += 1
    const answer = () => {
      const headers = { 'cache-control': 'public, max-age=600' }
      if (etag) {
        headers.etag = etagOf(body)
        if (req.headers['if-none-match'] === headers.etag) {
          state.notModified += 1
          res.writeHead(304, headers).end()
          return
        }
      }
      res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(body)
    }
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
    /** Requests answered 304 (counted in `fetches` too). */
    get notModified() {
      return state.notModified
    },
    setKeys(next) {
      body = JSON.stringify({ keys: next })
    },
    resetCount() {
      state.fetches = 0
      state.notModified = 0
    },
    close() {
      server.closeAllConnections()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}
