import type { IncomingMessage, ServerResponse } from 'node:http'
import type { TLSSocket } from 'node:tls'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNodeHttpPost, nodeHttpGet, nodeHttpPost } from './node-http.ts'
import { startConnectProxy, type TestProxy } from './proxy-fixture.test-support.ts'
import {
  createTestCertificateAuthority,
  startHttpServer,
  startHttpsServer,
  startMutualTlsServer,
  type TestServer,
} from './tls-fixture.test-support.ts'
import { defineAddressPolicy } from '../network/address-policy.ts'
import { HttpGetFailure, type HttpPost, type HttpPostRequest } from './types.ts'
import { webHttpPost } from './web-http.ts'

interface Seen {
  readonly method: string
  readonly url: string
  readonly headers: IncomingMessage['headers']
  readonly body: string
  readonly peer?: string | string[]
}

const seen: Seen[] = []
const record = (req: IncomingMessage, res: ServerResponse, then: (body: string) => void): void => {
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8')
    const socket = req.socket as Partial<TLSSocket>
    const peer = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate().subject?.CN : undefined
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, ...(peer !== undefined ? { peer } : {}) })
    then(body)
  })
}

const handler = (req: IncomingMessage, res: ServerResponse): void =>
  record(req, res, (body) => {
    switch (new URL(req.url ?? '/', 'http://test').pathname) {
      case '/introspect':
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ active: true, echo: body }))
        return
      case '/bad-request':
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_request"}')
        return
      case '/unavailable':
        res.writeHead(503, { 'retry-after': '7' }).end('down')
        return
      case '/redirect':
        res.writeHead(302, { location: '/introspect' }).end()
        return
      case '/huge':
        res.writeHead(200).end('x'.repeat(5000))
        return
      case '/slow':
        setTimeout(() => res.writeHead(200).end('{}'), 1500)
        return
      default:
        res.writeHead(404).end()
    }
  })

const caA = createTestCertificateAuthority('tokenward test CA A')
const caB = createTestCertificateAuthority('tokenward test CA B')
const leafA = caA.issue({ ipAddresses: ['127.0.0.1'] })
const leafB = caB.issue({ ipAddresses: ['127.0.0.1'] })
const client = caA.issueClient('introspection-client')
const strangerClient = caB.issueClient('stranger')

let plain: TestServer
let httpsA: TestServer
let httpsB: TestServer
let mtls: TestServer
let proxy: TestProxy
let refusingProxy: TestProxy
let closedOrigin: string

beforeAll(async () => {
  plain = await startHttpServer(handler)
  httpsA = await startHttpsServer(leafA, handler)
  httpsB = await startHttpsServer(leafB, handler)
  mtls = await startMutualTlsServer(leafA, caA.certificatePem, handler)
  proxy = await startConnectProxy()
  refusingProxy = await startConnectProxy({ refuseTunnels: true })
  const closed = await startHttpServer(handler)
  closedOrigin = closed.origin
  await closed.close()
})
afterAll(async () => {
  await Promise.all([plain, httpsA, httpsB, mtls, proxy, refusingProxy].map((s) => s.close()))
})

const form = 'token=abc%20def&token_type_hint=access_token'
const post = (url: string, overrides: Partial<HttpPostRequest> = {}): HttpPostRequest => ({
  url: new URL(url),
  timeoutMs: 1000,
  maxBytes: 1024,
  certificateValidation: true,
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: form,
  ...overrides,
})

const failureOf = async (promise: Promise<unknown>): Promise<HttpGetFailure> => {
  try {
    await promise
  } catch (error) {
    if (error instanceof HttpGetFailure) return error
    throw error
  }
  throw new Error('expected the request to fail')
}

const text = (body: Uint8Array): string => new TextDecoder().decode(body)

// The same contract for both clients: Node's node:http and the Web client on this runtime's fetch.
describe.each<[string, () => HttpPost]>([
  ['node', () => nodeHttpPost],
  ['web', () => webHttpPost((input, init) => globalThis.fetch(input, init))],
])('the HTTP POST contract (%s)', (_name, make) => {
  it('sends the body, its content type and accept: application/json, and hands back the answer', async () => {
    const response = await make()(post(`${plain.origin}/introspect`))
    expect(response.status).toBe(200)
    expect(JSON.parse(text(response.body))).toEqual({ active: true, echo: form })
    const last = seen.at(-1)!
    expect(last).toMatchObject({ method: 'POST', url: '/introspect', body: form })
    expect(last.headers['content-type']).toBe('application/x-www-form-urlencoded')
    expect(last.headers.accept).toBe('application/json')
    expect(last.headers['content-length']).toBe(String(form.length))
  })

  it('keeps a caller-chosen accept and sends byte bodies as they are', async () => {
    const bytes = new TextEncoder().encode('token=x')
    await make()(post(`${plain.origin}/introspect`, { headers: { accept: 'application/token-introspection+jwt', authorization: 'Basic YTpi' }, body: bytes }))
    expect(seen.at(-1)!.headers).toMatchObject({ accept: 'application/token-introspection+jwt', authorization: 'Basic YTpi' })
    expect(seen.at(-1)!.body).toBe('token=x')
  })

  it('returns 4xx and 5xx answers as responses, not failures', async () => {
    expect((await make()(post(`${plain.origin}/bad-request`))).status).toBe(400)
    const down = await make()(post(`${plain.origin}/unavailable`))
    expect(down.status).toBe(503)
    expect(down.headers.get('retry-after')).toBe('7')
  })

  it('does not follow redirects', async () => {
    const count = seen.length
    const outcome = await make()(post(`${plain.origin}/redirect`)).then(
      (r) => r.status,
      (e: unknown) => (e as HttpGetFailure).kind,
    )
    expect([302, 'unsupported']).toContain(outcome)
    expect(seen.length).toBe(count + 1)
  })

  it('honours an address policy: a loopback POST is refused before anything is sent, unless allowed', async () => {
    const count = seen.length
    const strict = defineAddressPolicy({})
    expect((await failureOf(make()(post(`${plain.origin}/introspect`, { addressPolicy: strict })))).kind).toBe('address_not_allowed')
    expect(seen.length).toBe(count)
    const open = defineAddressPolicy({ developmentLoopback: true })
    expect((await make()(post(`${plain.origin}/introspect`, { addressPolicy: open }))).status).toBe(200)
  })

  it('refuses a body beyond maxBytes, times out, and reports a refused connection as network', async () => {
    expect((await failureOf(make()(post(`${plain.origin}/huge`)))).kind).toBe('too_large')
    expect((await failureOf(make()(post(`${plain.origin}/slow`, { timeoutMs: 200 })))).kind).toBe('timeout')
    expect((await failureOf(make()(post(`${closedOrigin}/introspect`)))).kind).toBe('network')
  })
})

describe('Node POST: mutual TLS, trust mode, proxy', () => {
  it('presents the client certificate to a server that requires one', async () => {
    const response = await nodeHttpPost(
      post(`${mtls.origin}/introspect`, {
        trustedCertificates: [caA.certificatePem],
        clientCertificate: { certificate: client.certificatePem, privateKey: client.privateKeyPem },
      }),
    )
    expect(response.status).toBe(200)
    expect(seen.at(-1)!.peer).toBe('introspection-client')
  })

  it('is refused by that server without a certificate, or with one from another CA', async () => {
    const without = await failureOf(nodeHttpPost(post(`${mtls.origin}/introspect`, { trustedCertificates: [caA.certificatePem] })))
    expect(['tls', 'network']).toContain(without.kind)
    const stranger = await failureOf(
      nodeHttpPost(
        post(`${mtls.origin}/introspect`, {
          trustedCertificates: [caA.certificatePem],
          clientCertificate: { certificate: strangerClient.certificatePem, privateKey: strangerClient.privateKeyPem },
        }),
      ),
    )
    expect(['tls', 'network']).toContain(stranger.kind)
  })

  // CA B plays a CA of the system store: trusted by default, but not part of the configured group.
  const withSystemStoreB = createNodeHttpPost({ defaultCertificates: () => [caB.certificatePem] })

  it("trustMode 'add' trusts the defaults and the list; 'only' refuses a server whose CA is only in the defaults", async () => {
    expect((await withSystemStoreB(post(`${httpsB.origin}/introspect`, { trustedCertificates: [caA.certificatePem] }))).status).toBe(200)
    expect((await withSystemStoreB(post(`${httpsA.origin}/introspect`, { trustedCertificates: [caA.certificatePem] }))).status).toBe(200)
    const only = await failureOf(withSystemStoreB(post(`${httpsB.origin}/introspect`, { trustedCertificates: [caA.certificatePem], trustMode: 'only' })))
    expect(only.kind).toBe('tls')
    expect((await withSystemStoreB(post(`${httpsA.origin}/introspect`, { trustedCertificates: [caA.certificatePem], trustMode: 'only' }))).status).toBe(200)
  })

  it('reuses TLS contexts without mixing them up: trust lists and client certificates each get their own', async () => {
    const client2 = createNodeHttpPost({ defaultCertificates: () => [caB.certificatePem] })
    const toB = (trustMode: 'add' | 'only') => client2(post(`${httpsB.origin}/introspect`, { trustedCertificates: [caA.certificatePem], trustMode })).then((r) => r.status, (e: HttpGetFailure) => e.kind)
    expect([await toB('add'), await toB('only'), await toB('add'), await toB('only')]).toEqual([200, 'tls', 200, 'tls'])
    const withCertificate = () =>
      client2(post(`${mtls.origin}/introspect`, { trustedCertificates: [caA.certificatePem], trustMode: 'only', clientCertificate: { certificate: client.certificatePem, privateKey: client.privateKeyPem } }))
    const withoutCertificate = () => client2(post(`${mtls.origin}/introspect`, { trustedCertificates: [caA.certificatePem], trustMode: 'only' }))
    expect((await withCertificate()).status).toBe(200)
    expect(['tls', 'network']).toContain((await failureOf(withoutCertificate())).kind)
    expect((await withCertificate()).status).toBe(200)
  })

  it("refuses trustMode 'only' with an empty list rather than trusting nothing or everything", async () => {
    expect((await failureOf(nodeHttpPost(post(`${httpsA.origin}/introspect`, { trustMode: 'only' })))).kind).toBe('unsupported')
  })

  it('tunnels https through the proxy with CONNECT, mTLS and the certificate check end to end', async () => {
    const before = proxy.tunnels.length
    const response = await nodeHttpPost(
      post(`${mtls.origin}/introspect`, {
        proxy: proxy.url,
        trustedCertificates: [caA.certificatePem],
        trustMode: 'only',
        clientCertificate: { certificate: client.certificatePem, privateKey: client.privateKeyPem },
      }),
    )
    expect(response.status).toBe(200)
    expect(proxy.tunnels.slice(before)).toEqual([new URL(mtls.origin).host])
    expect(seen.at(-1)).toMatchObject({ peer: 'introspection-client', body: form })
    // Through the tunnel the server's certificate is still checked.
    const untrusted = await failureOf(nodeHttpPost(post(`${httpsB.origin}/introspect`, { proxy: proxy.url, trustedCertificates: [caA.certificatePem], trustMode: 'only' })))
    expect(untrusted.kind).toBe('tls')
    expect(proxy.tunnels.length).toBe(before + 2)
  })

  it('sends plain http through the proxy in absolute form, with Proxy-Authorization from the proxy URL', async () => {
    const before = proxy.relayed.length
    const withCredentials = new URL(proxy.url)
    withCredentials.username = 'svc%20user'
    withCredentials.password = 'p%3Ass'
    const response = await nodeHttpPost(post(`${plain.origin}/introspect?x=1`, { proxy: withCredentials }))
    expect(response.status).toBe(200)
    expect(proxy.relayed.slice(before)).toEqual([`${plain.origin}/introspect?x=1`])
    expect(proxy.authorizations.at(-1)).toBe(`Basic ${btoa('svc user:p:ss')}`)
    expect(seen.at(-1)).toMatchObject({ url: '/introspect?x=1', body: form })
  })

  it('GET takes the same proxy and trust mode (discovery and JWKS through the proxy)', async () => {
    const before = proxy.tunnels.length
    const response = await nodeHttpGet({ url: new URL(`${httpsA.origin}/introspect`), timeoutMs: 1000, maxBytes: 1024, certificateValidation: true, trustedCertificates: [caA.certificatePem], trustMode: 'only', proxy: proxy.url })
    expect(response.status).toBe(200)
    expect(seen.at(-1)).toMatchObject({ method: 'GET' })
    expect(proxy.tunnels.length).toBe(before + 1)
  })

  it('reports a default trust store it cannot read as unsupported, not as a raw error', async () => {
    const denied = createNodeHttpPost({
      defaultCertificates: () => {
        throw new Error('Requires sys access to "ca"')
      },
    })
    const failure = await failureOf(denied(post(`${httpsA.origin}/introspect`, { trustedCertificates: [caA.certificatePem] })))
    expect(failure.kind).toBe('unsupported')
  })

  it('reports a refused tunnel and a non-http proxy as failures', async () => {
    const refused = await failureOf(nodeHttpPost(post(`${httpsA.origin}/introspect`, { proxy: refusingProxy.url, trustedCertificates: [caA.certificatePem] })))
    expect(refused).toMatchObject({ kind: 'network' })
    expect(refused.message).toContain('HTTP 403')
    expect((await failureOf(nodeHttpPost(post(`${httpsA.origin}/introspect`, { proxy: new URL('socks5://127.0.0.1:1') })))).kind).toBe('unsupported')
  })
})

describe('Web POST: what a runtime cannot do is refused, typed', () => {
  const plainFetch = webHttpPost((input, init) => globalThis.fetch(input, init), { runtime: { kind: 'fetch' } })
  const certificate = { certificate: client.certificatePem, privateKey: client.privateKeyPem }

  it('a plain fetch (Workers) cannot present a client certificate or use a proxy', async () => {
    const count = seen.length
    expect((await failureOf(plainFetch(post(`${mtls.origin}/introspect`, { clientCertificate: certificate })))).kind).toBe('unsupported')
    expect((await failureOf(plainFetch(post(`${plain.origin}/introspect`, { proxy: proxy.url })))).kind).toBe('unsupported')
    expect((await failureOf(plainFetch(post(`${httpsA.origin}/introspect`, { trustedCertificates: [caA.certificatePem] })))).kind).toBe('unsupported')
    expect(seen.length).toBe(count)
  })

  it('an injected fetch that owns TLS (a Workers mTLS binding) receives the POST unchanged', async () => {
    const sent: RequestInit[] = []
    const binding = webHttpPost(
      async (_input, init) => {
        sent.push(init ?? {})
        return new Response('{"active":true}')
      },
      { runtime: { kind: 'fetch' }, fetchOwnsTls: true },
    )
    expect((await binding(post('https://as.example/introspect', { clientCertificate: certificate }))).status).toBe(200)
    expect(sent[0]).toMatchObject({ method: 'POST', body: form })
    expect(sent[0]).not.toHaveProperty('tls')
  })

  it("Deno: a client with cert, key, caCerts and proxy per request, closed after it; trustMode 'only' refused", async () => {
    const made: Record<string, unknown>[] = []
    let closed = 0
    const inits: RequestInit[] = []
    const deno = webHttpPost(
      async (input, init) => {
        inits.push(init ?? {})
        return new Response('{"active":false}', { status: 200 })
      },
      { runtime: { kind: 'deno', createHttpClient: (options) => (made.push(options), { close: () => void (closed += 1) }) } },
    )
    const response = await deno(post('https://as.example/introspect', { clientCertificate: certificate, trustedCertificates: [caA.certificatePem], proxy: proxy.url }))
    expect(response.status).toBe(200)
    expect(made).toEqual([{ cert: client.certificatePem, key: client.privateKeyPem, caCerts: [caA.certificatePem], proxy: { url: proxy.url.href } }])
    expect(inits[0]).toHaveProperty('client')
    expect(closed).toBe(1)
    expect((await failureOf(deno(post('https://as.example/introspect', { trustedCertificates: [caA.certificatePem], trustMode: 'only' })))).kind).toBe('unsupported')
  })

  it("Bun: tls { cert, key, ca } and proxy as fetch options; 'only' replaces the CAs", async () => {
    const inits: Record<string, unknown>[] = []
    const bun = webHttpPost(
      async (_input, init) => {
        inits.push(init as Record<string, unknown>)
        return new Response('{}')
      },
      { runtime: { kind: 'bun' } },
    )
    await bun(post('https://as.example/introspect', { clientCertificate: certificate, trustedCertificates: [caA.certificatePem], trustMode: 'only', proxy: proxy.url }))
    expect(inits[0]).toMatchObject({ tls: { ca: [caA.certificatePem], cert: client.certificatePem, key: client.privateKeyPem }, proxy: proxy.url.href })
  })
})
