// A counting RFC 7662 introspection endpoint on 127.0.0.1: every token is active for an hour.
import { createServer } from 'node:http'
import { audience, issuer } from './tokens.mjs'

export async function startIntrospectionServer() {
  let requests = 0
  const server = createServer((req, res) => {
    requests++
    req.resume()
    req.on('end', () => {
      const now = Math.floor(Date.now() / 1000)
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ active: true, iss: issuer, aud: audience, client_id: 'bench-client', sub: 'bench-client', scope: 'read', exp: now + 3600, iat: now }))
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${server.address().port}/introspect`,
    get requests() {
      return requests
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  }
}
