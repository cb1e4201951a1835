import type { Socket } from 'node:net'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { nodeHttpGet } from './node-http.ts'
import {
  createTestCertificateAuthority,
  startHttpServer,
  startHttpsServer,
  type TestCertificateAuthority,
  type TestHandler,
  type TestServer,
} from './tls-fixture.test-support.ts'
import { HttpGetFailure, type HttpGetRequest } from './types.ts'

const jwks = JSON.stringify({ keys: [{ kty: 'EC', kid: 'k1', crv: 'P-256', x: 'x', y: 'y' }] })

const routes: TestHandler = (req, res) => {
  switch (req.url) {
    case '/jwks':
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300', 'x-multi': ['a', 'b'] })
      res.end(jwks)
      return
    case '/redirect':
      res.writeHead(302, { location: '/jwks' })
      res.end()
      return
    case '/accept':
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ accept: req.headers.accept, encoding: req.headers['accept-encoding'] }))
      return
    case '/gzip':
      res.writeHead(200, { 'content-encoding': 'gzip' })
      res.end(gzipSync(jwks))
      return
    case '/declared-huge':
      res.writeHead(200, { 'content-length': String(10_000_000) })
      res.write('{')
      return
    case '/endless':
      res.writeHead(200)
      {
        const chunk = Buffer.alloc(16 * 1024, 0x20)
        const timer = setInterval(() => res.write(chunk), 1)
        res.on('close', () => clearInterval(timer))
      }
      return
    case '/hang':
      return // never answers
    case '/slow-body':
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('{"keys":')
      return // never finishes the body
    case '/truncated':
      res.writeHead(200, { 'content-length': '100' })
      res.end('{"keys"')
      return
    default:
      res.writeHead(404)
      res.end()
  }
}

let ca: TestCertificateAuthority
let goodServer: TestServer
let wrongHostServer: TestServer
let plainServer: TestServer
const openSockets = new Set<Socket>()

beforeAll(async () => {
  ca = createTestCertificateAuthority()
  goodServer = await startHttpsServer(ca.issue({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] }), routes)
  wrongHostServer = await startHttpsServer(ca.issue({ dnsNames: ['example.test'] }), routes)
  plainServer = await startHttpServer((req, res) => {
    openSockets.add(req.socket)
    req.socket.once('close', () => openSockets.delete(req.socket))
    routes(req, res)
  })
})

afterAll(async () => {
  await Promise.all([goodServer.close(), wrongHostServer.close(), plainServer.close()])
})

const get = (url: string, overrides: Partial<HttpGetRequest> = {}) =>
  nodeHttpGet({ url: new URL(url), timeoutMs: 2000, maxBytes: 64 * 1024, certificateValidation: true, ...overrides })

const failureOf = async (promise: Promise<unknown>): Promise<HttpGetFailure> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(HttpGetFailure)
  return error as HttpGetFailure
}

const waitUntil = async (condition: () => boolean, timeoutMs = 2000): Promise<void> => {
  const start = Date.now()
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('nodeHttpGet loading its modules', () => {
  it('loads node:http, https, tls and zlib by import() where process.getBuiltinModule is missing (older runtimes)', async () => {
    const runtime = process as { getBuiltinModule?: unknown }
    const original = runtime.getBuiltinModule
    runtime.getBuiltinModule = undefined
    try {
      vi.resetModules()
      const fresh = (await import('./node-http.ts')).nodeHttpGet
      const response = await fresh({ url: new URL(`${goodServer.origin}/gzip`), timeoutMs: 2000, maxBytes: 64 * 1024, certificateValidation: true, trustedCertificates: [ca.certificatePem] })
      expect(JSON.parse(new TextDecoder().decode(response.body))).toEqual(JSON.parse(jwks))
    } finally {
      runtime.getBuiltinModule = original
      vi.resetModules()
    }
  })

  it('uses process.getBuiltinModule where it exists, never imports the modules at load, and node:zlib only for a compressed body', async () => {
    const runtime = process as { getBuiltinModule?: (id: string) => unknown }
    const original = runtime.getBuiltinModule!
    const asked: string[] = []
    runtime.getBuiltinModule = (id: string) => (asked.push(id), original.call(process, id))
    try {
      vi.resetModules()
      const fresh = (await import('./node-http.ts')).nodeHttpGet
      expect(asked).toEqual([])
      await fresh({ url: new URL(`${plainServer.origin}/jwks`), timeoutMs: 2000, maxBytes: 64 * 1024, certificateValidation: true })
      expect(asked.sort()).toEqual(['node:http', 'node:https', 'node:tls'])
      const compressed = await fresh({ url: new URL(`${goodServer.origin}/gzip`), timeoutMs: 2000, maxBytes: 64 * 1024, certificateValidation: true, trustedCertificates: [ca.certificatePem] })
      expect(JSON.parse(new TextDecoder().decode(compressed.body))).toEqual(JSON.parse(jwks))
      expect(asked.sort()).toEqual(['node:http', 'node:https', 'node:tls', 'node:zlib'])
    } finally {
      runtime.getBuiltinModule = original
      vi.resetModules()
    }
  })
})

describe('nodeHttpGet over TLS', () => {
  it('fetches when the server certificate chains to a trusted extra CA', async () => {
    const response = await get(`${goodServer.origin}/jwks`, { trustedCertificates: [ca.certificatePem] })
    expect(response.status).toBe(200)
    expect(new TextDecoder().decode(response.body)).toBe(jwks)
    expect(response.headers.get('cache-control')).toBe('max-age=300')
    expect(response.headers.get('Cache-Control')).toBe('max-age=300')
    expect(response.headers.get('x-multi')).toBe('a, b')
    expect(response.headers.get('x-absent')).toBeNull()
  })

  it('rejects with kind tls when the CA is not trusted', async () => {
    const failure = await failureOf(get(`${goodServer.origin}/jwks`))
    expect(failure.kind).toBe('tls')
    expect(failure.message).toMatch(/^TLS certificate not trusted \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)$/)
    expect((failure.cause as { code?: string }).code).toMatch(/^UNABLE_TO_/)
  })

  it('fetches from an untrusted server when certificate validation is switched off', async () => {
    const response = await get(`${goodServer.origin}/jwks`, { certificateValidation: false })
    expect(response.status).toBe(200)
    expect(JSON.parse(new TextDecoder().decode(response.body))).toEqual(JSON.parse(jwks))
  })

  it('rejects with kind tls when the certificate names another host, even with its CA trusted', async () => {
    const failure = await failureOf(get(`${wrongHostServer.origin}/jwks`, { trustedCertificates: [ca.certificatePem] }))
    expect(failure.kind).toBe('tls')
    expect(failure.message).toBe('TLS certificate is not valid for 127.0.0.1 (ERR_TLS_CERT_ALTNAME_INVALID)')
    expect((failure.cause as { code?: string }).code).toBe('ERR_TLS_CERT_ALTNAME_INVALID')
  })

  it('trusts only the CAs it is given: an unrelated extra CA does not make the server trusted', async () => {
    const other = createTestCertificateAuthority('unrelated CA')
    const failure = await failureOf(get(`${goodServer.origin}/jwks`, { trustedCertificates: [other.certificatePem] }))
    expect(failure.kind).toBe('tls')
  })

  it('speaks TLS only to https URLs: an https request to a plain HTTP port fails as tls', async () => {
    const failure = await failureOf(get(plainServer.origin.replace('http:', 'https:') + '/jwks'))
    expect(failure.kind).toBe('tls')
    expect(failure.message).toMatch(/^TLS handshake failed \((ERR_SSL_|EPROTO: wrong version number)/)
  })
})

describe('nodeHttpGet protocol behaviour', () => {
  it('sends the JWK Set accept header and asks for an uncompressed body', async () => {
    const response = await get(`${plainServer.origin}/accept`)
    expect(JSON.parse(new TextDecoder().decode(response.body))).toEqual({
      accept: 'application/json, application/jwk-set+json',
      encoding: 'identity',
    })
  })

  it('returns a 3xx as is without following it', async () => {
    const response = await get(`${goodServer.origin}/redirect`, { trustedCertificates: [ca.certificatePem] })
    expect(response.status).toBe(302)
    expect(response.headers.get('location')).toBe('/jwks')
    expect(response.body.byteLength).toBe(0)
  })

  it('returns non-200 statuses as responses', async () => {
    const response = await get(`${plainServer.origin}/missing`)
    expect(response.status).toBe(404)
  })

  it('decodes a gzip body sent despite accept-encoding identity', async () => {
    const response = await get(`${plainServer.origin}/gzip`)
    expect(new TextDecoder().decode(response.body)).toBe(jwks)
  })

  it('refuses a declared Content-Length above maxBytes before reading the body', async () => {
    const failure = await failureOf(get(`${plainServer.origin}/declared-huge`, { maxBytes: 1000 }))
    expect(failure.kind).toBe('too_large')
    expect(failure.message).toBe('response larger than 1000 bytes')
  })

  it('stops reading a streamed body at maxBytes and closes the socket', async () => {
    const started = Date.now()
    const failure = await failureOf(get(`${plainServer.origin}/endless`, { maxBytes: 100_000 }))
    expect(failure.kind).toBe('too_large')
    expect(failure.message).toBe('response larger than 100000 bytes')
    expect(Date.now() - started).toBeLessThan(1500)
    await waitUntil(() => openSockets.size === 0)
    expect(openSockets.size).toBe(0)
  })

  it('times out when the server never answers, and closes the socket', async () => {
    const started = Date.now()
    const failure = await failureOf(get(`${plainServer.origin}/hang`, { timeoutMs: 200 }))
    expect(failure.kind).toBe('timeout')
    expect(failure.message).toBe('timed out after 200 ms')
    expect(Date.now() - started).toBeGreaterThanOrEqual(190)
    await waitUntil(() => openSockets.size === 0)
    expect(openSockets.size).toBe(0)
  })

  it('counts the body against the same timeout', async () => {
    const failure = await failureOf(get(`${plainServer.origin}/slow-body`, { timeoutMs: 200 }))
    expect(failure.kind).toBe('timeout')
  })

  it('fails as network when the body ends before Content-Length', async () => {
    const failure = await failureOf(get(`${plainServer.origin}/truncated`))
    expect(failure.kind).toBe('network')
  })

  it('fails as network when nothing listens', async () => {
    const closed = await startHttpServer(() => undefined)
    const origin = closed.origin
    await closed.close()
    const failure = await failureOf(get(`${origin}/jwks`))
    expect(failure.kind).toBe('network')
    expect(failure.message).toMatch(/^network error: connect ECONNREFUSED 127\.0\.0\.1:\d+$/)
    expect((failure.cause as { code?: string }).code).toBe('ECONNREFUSED')
  })

  it('refuses other URL schemes without a request', async () => {
    const failure = await failureOf(get('ftp://127.0.0.1/jwks'))
    expect(failure.kind).toBe('unsupported')
  })
})
