import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defineAddressPolicy, type AddressPolicyOptions } from '../network/address-policy.ts'
import { createNodeHttpGet, type ResolvedAddress } from './node-http.ts'
import { createTestCertificateAuthority, startHttpServer, startHttpsServer, type TestHandler, type TestServer } from './tls-fixture.test-support.ts'
import type { HttpGet, HttpGetRequest } from './types.ts'
import { webHttpGet } from './web-http.ts'

// Real servers on 127.0.0.1; the DNS answers for made-up names come from an injected resolver.
let served = 0
const handler: TestHandler = (_req, res) => {
  served++
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end('{"keys":[]}')
}
const ca = createTestCertificateAuthority()
let https: TestServer
let http: TestServer
let port: string

beforeAll(async () => {
  https = await startHttpsServer(ca.issue({ dnsNames: ['localhost', 'jwks.rebind.test'], ipAddresses: ['127.0.0.1'] }), handler)
  http = await startHttpServer(handler)
  port = new URL(https.origin).port
})
afterAll(async () => {
  await Promise.all([https.close(), http.close()])
})

const get = (httpGet: HttpGet, url: string, policy: AddressPolicyOptions | undefined): ReturnType<HttpGet> => {
  const request: HttpGetRequest = {
    url: new URL(url),
    timeoutMs: 3000,
    maxBytes: 65536,
    certificateValidation: true,
    trustedCertificates: [ca.certificatePem],
    ...(policy === undefined ? {} : { addressPolicy: defineAddressPolicy(policy) }),
  }
  return httpGet(request)
}

/** A resolver that answers from a script, one answer per call, and records the names asked. */
const scriptedDns = (...answers: (readonly string[])[]) => {
  const asked: string[] = []
  const resolve = async (hostname: string): Promise<readonly ResolvedAddress[]> => {
    asked.push(hostname)
    const next = answers.length > 1 ? answers.shift()! : answers[0]!
    return next.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }))
  }
  return { asked, resolve }
}

const refusal = { _tag: 'HttpGetFailure', kind: 'address_not_allowed' }

describe('Node HTTP client with an address policy (real servers on 127.0.0.1)', () => {
  it('without a policy reaches loopback as before (operators keep their freedom)', async () => {
    const r = await get(createNodeHttpGet(), `${http.origin}/jwks`, undefined)
    expect(r.status).toBe(200)
  })

  it('refuses plain http to 127.0.0.1 before connecting, and allows it with developmentLoopback', async () => {
    const before = served
    await expect(get(createNodeHttpGet(), `${http.origin}/jwks`, {})).rejects.toMatchObject(refusal)
    await expect(get(createNodeHttpGet(), `${http.origin}/jwks`, { allow: ['127.0.0.0/8'] })).rejects.toMatchObject(refusal)
    expect(served).toBe(before)
    expect((await get(createNodeHttpGet(), `${http.origin}/jwks`, { developmentLoopback: true })).status).toBe(200)
  })

  it('refuses https to loopback literals in any spelling unless allow-listed', async () => {
    const before = served
    for (const host of ['127.0.0.1', '127.1', '2130706433', '0x7f000001', '0177.0.0.1', '[::ffff:127.0.0.1]']) {
      await expect(get(createNodeHttpGet(), `https://${host}:${port}/jwks`, {})).rejects.toMatchObject(refusal)
    }
    expect(served).toBe(before)
    expect((await get(createNodeHttpGet(), `https://127.1:${port}/jwks`, { allow: ['127.0.0.1/32'] })).status).toBe(200)
  })

  it('refuses `localhost` by name, without asking DNS', async () => {
    const dns = scriptedDns(['127.0.0.1'])
    await expect(get(createNodeHttpGet({ resolve: dns.resolve }), `https://localhost:${port}/jwks`, {})).rejects.toMatchObject(refusal)
    expect(dns.asked).toEqual([])
    expect((await get(createNodeHttpGet({ resolve: dns.resolve }), `https://localhost:${port}/jwks`, { developmentLoopback: true })).status).toBe(200)
    expect(dns.asked).toEqual(['localhost'])
  })

  it('resolves names through the system DNS by default (localhost with developmentLoopback)', async () => {
    expect((await get(createNodeHttpGet(), `https://localhost:${port}/jwks`, { developmentLoopback: true })).status).toBe(200)
  })

  it('checks what DNS answers at connect time: a name resolving to 127.0.0.1 never gets a connection', async () => {
    const dns = scriptedDns(['127.0.0.1'])
    const before = served
    const failure = await get(createNodeHttpGet({ resolve: dns.resolve }), `https://jwks.rebind.test:${port}/jwks`, {}).catch((e: unknown) => e)
    expect(failure).toMatchObject(refusal)
    expect((failure as Error).message).toContain('jwks.rebind.test resolves to 127.0.0.1')
    expect(dns.asked).toEqual(['jwks.rebind.test'])
    expect(served).toBe(before)
  })

  it('refuses when any one of the answers is not allowed', async () => {
    const dns = scriptedDns(['127.0.0.1', '10.0.0.1'])
    await expect(get(createNodeHttpGet({ resolve: dns.resolve }), `https://jwks.rebind.test:${port}/jwks`, { allow: ['127.0.0.1'] })).rejects.toMatchObject(refusal)
  })

  it('connects to exactly the address it checked: a rebinding between two fetches is caught on the second', async () => {
    // The operator opened 127.0.0.1 only. DNS answers it first, then rebinds the name to 127.0.0.2.
    const dns = scriptedDns(['127.0.0.1'], ['127.0.0.2'])
    const httpGet = createNodeHttpGet({ resolve: dns.resolve })
    const before = served
    expect((await get(httpGet, `https://jwks.rebind.test:${port}/jwks`, { allow: ['127.0.0.1/32'] })).status).toBe(200)
    // Unchecked, the second fetch would fail with ECONNREFUSED (kind `network`): it is refused instead.
    await expect(get(httpGet, `https://jwks.rebind.test:${port}/jwks`, { allow: ['127.0.0.1/32'] })).rejects.toMatchObject(refusal)
    expect(dns.asked).toEqual(['jwks.rebind.test', 'jwks.rebind.test'])
    expect(served).toBe(before + 1)
  })

  it('opens every address of an allow-listed host name', async () => {
    const dns = scriptedDns(['127.0.0.1'])
    expect((await get(createNodeHttpGet({ resolve: dns.resolve }), `https://jwks.rebind.test:${port}/jwks`, { allow: ['jwks.rebind.test'] })).status).toBe(200)
  })

  it('plain http to a name is allowed with developmentLoopback only if every answer is loopback', async () => {
    const httpPort = new URL(http.origin).port
    const loopback = scriptedDns(['127.0.0.1'])
    expect((await get(createNodeHttpGet({ resolve: loopback.resolve }), `http://jwks.rebind.test:${httpPort}/jwks`, { developmentLoopback: true })).status).toBe(200)
    const elsewhere = scriptedDns(['127.0.0.1', '10.0.0.1'])
    await expect(get(createNodeHttpGet({ resolve: elsewhere.resolve }), `http://jwks.rebind.test:${httpPort}/jwks`, { developmentLoopback: true })).rejects.toMatchObject(refusal)
  })
})

describe('Web HTTP client with an address policy', () => {
  const web = webHttpGet(globalThis.fetch.bind(globalThis))

  it('refuses plain http, loopback literals and loopback names before fetching', async () => {
    const before = served
    await expect(get(web, `${http.origin}/jwks`, {})).rejects.toMatchObject(refusal)
    await expect(get(web, `http://[::1]:${port}/jwks`, {})).rejects.toMatchObject(refusal)
    await expect(get(web, `https://[::ffff:a9fe:a9fe]/latest/meta-data/`, {})).rejects.toMatchObject(refusal)
    await expect(get(web, `https://0251.0376.0251.0376/latest/meta-data/`, {})).rejects.toMatchObject(refusal)
    await expect(get(web, `https://localhost:${port}/jwks`, {})).rejects.toMatchObject(refusal)
    expect(served).toBe(before)
  })

  it('lets loopback through with developmentLoopback', async () => {
    expect((await get(web, `${http.origin}/jwks`, { developmentLoopback: true })).status).toBe(200)
  })
})
