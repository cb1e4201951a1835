import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nodeHttpGet } from './node-http.ts'
import { startHttpServer, type TestServer } from './tls-fixture.test-support.ts'
import type { HttpGet, HttpGetRequest } from './types.ts'
import { webHttpGet } from './web-http.ts'

// Both HTTP clients, against one real server on 127.0.0.1: request headers reach the server,
// and a 304 comes back as a response.
const etag = '"v1"'
const lastModified = 'Thu, 01 Jan 2026 00:00:00 GMT'
const body = JSON.stringify({ keys: [{ kty: 'EC', kid: 'k1', crv: 'P-256', x: 'x', y: 'y' }] })

let server: TestServer
beforeAll(async () => {
  server = await startHttpServer((req, res) => {
    const echoed = {
      'x-if-none-match': String(req.headers['if-none-match'] ?? ''),
      'x-if-modified-since': String(req.headers['if-modified-since'] ?? ''),
      'x-accept': String(req.headers.accept ?? ''),
    }
    if (req.headers['if-none-match'] === etag || (req.headers['if-none-match'] === undefined && req.headers['if-modified-since'] === lastModified)) {
      res.writeHead(304, { etag, 'cache-control': 'max-age=120', ...echoed }).end()
      return
    }
    res.writeHead(200, { 'content-type': 'application/json', etag, 'last-modified': lastModified, ...echoed }).end(body)
  })
})
afterAll(() => server.close())

const clients: [string, HttpGet][] = [
  ['nodeHttpGet', nodeHttpGet],
  ['webHttpGet(fetch)', webHttpGet(globalThis.fetch.bind(globalThis))],
]

const request = (headers?: Record<string, string>): HttpGetRequest => ({
  url: new URL(`${server.origin}/jwks`),
  timeoutMs: 2000,
  maxBytes: 64 * 1024,
  certificateValidation: true,
  ...(headers === undefined ? {} : { headers }),
})

describe.each(clients)('%s: conditional requests', (_, httpGet) => {
  it('sends no validators unless asked, and returns the validators the server sent', async () => {
    const response = await httpGet(request())
    expect(response.status).toBe(200)
    expect(response.headers.get('x-if-none-match')).toBe('')
    expect(response.headers.get('etag')).toBe(etag)
    expect(response.headers.get('last-modified')).toBe(lastModified)
    expect(new TextDecoder().decode(response.body)).toBe(body)
  })

  it('sends If-None-Match and If-Modified-Since, and returns a 304 as a response with its headers', async () => {
    const response = await httpGet(request({ 'if-none-match': etag, 'if-modified-since': lastModified }))
    expect(response.status).toBe(304)
    expect(response.body.byteLength).toBe(0)
    expect(response.headers.get('x-if-none-match')).toBe(etag)
    expect(response.headers.get('x-if-modified-since')).toBe(lastModified)
    expect(response.headers.get('cache-control')).toBe('max-age=120')
  })

  it('gets the full body when the validator no longer matches', async () => {
    const response = await httpGet(request({ 'if-none-match': '"old"' }))
    expect(response.status).toBe(200)
    expect(new TextDecoder().decode(response.body)).toBe(body)
  })

  it('never lets extra headers replace the JWK Set accept header', async () => {
    const response = await httpGet(request({ accept: 'text/html' }))
    expect(response.headers.get('x-accept')).toBe('application/json, application/jwk-set+json')
  })
})
