import { delay, http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createTestCertificateAuthority, startHttpsServer, type TestServer } from './tls-fixture.test-support.ts'
import { HttpGetFailure, type HttpGetRequest } from './types.ts'
import { webHttpGet } from './web-http.ts'

const base = 'https://idp.test'
const jwks = JSON.stringify({ keys: [{ kty: 'RSA', kid: 'r1', n: 'AQAB', e: 'AQAB' }] })

const server = setupServer(
  http.get(`${base}/jwks`, ({ request }) =>
    HttpResponse.text(jwks, {
      headers: { 'content-type': 'application/json', 'cache-control': 'max-age=120', 'x-accept': request.headers.get('accept') ?? '' },
    }),
  ),
  http.get(`${base}/error`, () => HttpResponse.text('boom', { status: 500 })),
  http.get(`${base}/redirect`, () => new HttpResponse(null, { status: 302, headers: { location: `${base}/jwks` } })),
  http.get(`${base}/slow`, async () => {
    await delay(2000)
    return HttpResponse.text(jwks)
  }),
  http.get(`${base}/slow-body`, () => {
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(new TextEncoder().encode('{"keys":'))
        await delay(2000)
        controller.enqueue(new TextEncoder().encode('[]}'))
        controller.close()
      },
    })
    return new HttpResponse(stream, { headers: { 'content-type': 'application/json' } })
  }),
  http.get(`${base}/declared-huge`, () =>
    HttpResponse.text('x'.repeat(2000), { headers: { 'content-length': '2000' } }),
  ),
  http.get(`${base}/streamed-huge`, () => {
    let sent = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += 1
        controller.enqueue(new Uint8Array(1024).fill(0x20))
        if (sent > 10_000) controller.close()
      },
    })
    return new HttpResponse(stream)
  }),
  http.get(`${base}/garbage`, () => HttpResponse.text('<html>not json</html>', { headers: { 'content-type': 'text/html' } })),
  http.get(`${base}/network-error`, () => HttpResponse.error()),
)

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => server.resetHandlers())
afterAll(() => server.close())

// Looked up per call, so msw's interception of the global fetch is seen.
const globalFetch: typeof fetch = (input, init) => globalThis.fetch(input, init)

const request = (path: string, overrides: Partial<HttpGetRequest> = {}): HttpGetRequest => ({
  url: new URL(path, base),
  timeoutMs: 500,
  maxBytes: 1024,
  certificateValidation: true,
  ...overrides,
})

const failureOf = async (promise: Promise<unknown>): Promise<HttpGetFailure> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(HttpGetFailure)
  return error as HttpGetFailure
}

describe('webHttpGet (msw)', () => {
  const get = webHttpGet(globalFetch)

  it('returns a 200 with its headers and body, sending the JWK Set accept header', async () => {
    const response = await get(request('/jwks'))
    expect(response.status).toBe(200)
    expect(new TextDecoder().decode(response.body)).toBe(jwks)
    expect(response.headers.get('cache-control')).toBe('max-age=120')
    expect(response.headers.get('x-accept')).toBe('application/json, application/jwk-set+json')
  })

  it('returns a 500 as a response, not a rejection', async () => {
    const response = await get(request('/error'))
    expect(response.status).toBe(500)
    expect(new TextDecoder().decode(response.body)).toBe('boom')
  })

  it('does not follow a 302', async () => {
    const response = await get(request('/redirect'))
    expect(response.status).toBe(302)
    expect(response.headers.get('location')).toBe(`${base}/jwks`)
  })

  it('times out a slow server', async () => {
    const started = Date.now()
    const failure = await failureOf(get(request('/slow', { timeoutMs: 100 })))
    expect(failure.kind).toBe('timeout')
    expect(failure.message).toBe('timed out after 100 ms')
    expect(Date.now() - started).toBeLessThan(1500)
  })

  it('times out a body that stalls after the headers (one timeout for the whole exchange)', async () => {
    const failure = await failureOf(get(request('/slow-body', { timeoutMs: 100 })))
    expect(failure.kind).toBe('timeout')
  })

  it('refuses a declared Content-Length above maxBytes', async () => {
    const failure = await failureOf(get(request('/declared-huge', { maxBytes: 1000 })))
    expect(failure.kind).toBe('too_large')
    expect(failure.message).toBe('response larger than 1000 bytes')
  })

  it('stops a streamed body as soon as it exceeds maxBytes', async () => {
    const failure = await failureOf(get(request('/streamed-huge', { maxBytes: 4096 })))
    expect(failure.kind).toBe('too_large')
    expect(failure.message).toBe('response larger than 4096 bytes')
  })

  it('returns a garbage body untouched (decoding is the caller\'s job)', async () => {
    const response = await get(request('/garbage'))
    expect(response.status).toBe(200)
    expect(new TextDecoder().decode(response.body)).toBe('<html>not json</html>')
  })

  it('maps a failed fetch to kind network', async () => {
    const failure = await failureOf(get(request('/network-error')))
    expect(failure.kind).toBe('network')
    expect(failure.message).toMatch(/^network error: /)
  })

  it('refuses TLS options the runtime fetch cannot honour, without a request', async () => {
    for (const overrides of [{ certificateValidation: false }, { trustedCertificates: ['-----BEGIN CERTIFICATE-----'] }]) {
      const failure = await failureOf(get(request('/jwks', overrides)))
      expect(failure.kind).toBe('unsupported')
      expect(failure.message).toContain('use the Node.js build of tokenward, or inject a fetch')
    }
  })

  it('leaves TLS options to an injected fetch that owns them', async () => {
    const owned = webHttpGet(globalFetch, { fetchOwnsTls: true })
    const response = await owned(request('/jwks', { certificateValidation: false, trustedCertificates: ['pem'] }))
    expect(response.status).toBe(200)
  })

  it('ignores TLS options for a plain-http URL', async () => {
    const local = 'http://127.0.0.1:9/jwks'
    let seen: string | undefined
    const fake: typeof fetch = async (input) => {
      seen = String(input)
      return new Response(jwks)
    }
    const response = await webHttpGet(fake)(request(local, { certificateValidation: false }))
    expect(response.status).toBe(200)
    expect(seen).toBe(local)
  })
})

describe('webHttpGet error mapping (injected fetch)', () => {
  it('maps an OpenSSL certificate code in the cause chain to kind tls', async () => {
    const fake: typeof fetch = async () => {
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }) })
    }
    const failure = await failureOf(webHttpGet(fake)(request('/jwks')))
    expect(failure.kind).toBe('tls')
    expect(failure.message).toBe('TLS certificate not trusted (DEPTH_ZERO_SELF_SIGNED_CERT)')
    expect(failure.cause).toBeInstanceOf(TypeError)
  })

  it('times out a fetch that ignores its abort signal', async () => {
    const fake: typeof fetch = () => new Promise<Response>(() => undefined)
    const failure = await failureOf(webHttpGet(fake)(request('/jwks', { timeoutMs: 50 })))
    expect(failure.kind).toBe('timeout')
    expect(failure.message).toBe('timed out after 50 ms')
  })

  it('refuses an opaque redirect (browsers hide the 3xx) as unsupported', async () => {
    const fake: typeof fetch = async () => ({ type: 'opaqueredirect', status: 0, headers: new Headers(), body: null }) as unknown as Response
    const failure = await failureOf(webHttpGet(fake)(request('/jwks')))
    expect(failure.kind).toBe('unsupported')
    expect(failure.message).toContain('redirect')
  })

  it('refuses non-http schemes without calling fetch', async () => {
    let called = false
    const fake: typeof fetch = async () => {
      called = true
      return new Response('')
    }
    const failure = await failureOf(webHttpGet(fake)(request('file:///etc/passwd')))
    expect(failure.kind).toBe('unsupported')
    expect(called).toBe(false)
  })
})

describe("webHttpGet on Node's own fetch against a real HTTPS server", () => {
  let tlsServer: TestServer
  beforeAll(async () => {
    server.close() // let real requests through
    const ca = createTestCertificateAuthority()
    tlsServer = await startHttpsServer(ca.issue({ ipAddresses: ['127.0.0.1'] }), (_req, res) => res.end(jwks))
  })
  afterAll(async () => {
    await tlsServer.close()
  })

  it('reports an untrusted certificate as kind tls', async () => {
    const failure = await failureOf(webHttpGet(globalFetch)(request(`${tlsServer.origin}/jwks`)))
    expect(failure.kind).toBe('tls')
    expect(failure.message).toMatch(/^TLS certificate not trusted \(UNABLE_TO_/)
  })
})
