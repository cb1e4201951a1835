import type { IncomingMessage, ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../errors.ts'
import { nodeHttpPost } from '../platform/node-http.ts'
import { startHttpServer, type TestServer } from '../platform/tls-fixture.test-support.ts'
import { HttpGetFailure, type HttpPostRequest } from '../platform/types.ts'
import { defineTargets, shouldTryNextTarget, type TargetFailoverEvent, withTargets } from './with-targets.ts'

// Every server records which origin got which request, in order.
const hits: string[] = []
const serve = (name: string, answer: (res: ServerResponse) => void) => (req: IncomingMessage, res: ServerResponse) => {
  req.resume()
  req.on('end', () => {
    hits.push(`${name} ${req.url}`)
    answer(res)
  })
}

const servers: Record<string, TestServer> = {}
let refused = ''
beforeAll(async () => {
  servers.ok = await startHttpServer(serve('ok', (res) => res.writeHead(200).end('{"active":true}')))
  servers.down = await startHttpServer(serve('down', (res) => res.writeHead(503).end()))
  servers.broken = await startHttpServer(serve('broken', (res) => res.writeHead(500).end()))
  servers.bad = await startHttpServer(serve('bad', (res) => res.writeHead(400).end('{"error":"invalid_request"}')))
  servers.unauthorized = await startHttpServer(serve('unauthorized', (res) => res.writeHead(401).end()))
  servers.slow = await startHttpServer(serve('slow', (res) => setTimeout(() => res.writeHead(200).end(), 1000)))
  const gone = await startHttpServer(() => undefined)
  refused = gone.origin
  await gone.close()
})
afterAll(async () => {
  await Promise.all(Object.values(servers).map((s) => s.close()))
})

const origin = (name: string): string => (name === 'refused' ? refused : servers[name]!.origin)
const request = (first: string): HttpPostRequest => ({
  url: new URL('/oauth2/introspect?v=1', origin(first)),
  timeoutMs: 300,
  maxBytes: 4096,
  certificateValidation: true,
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: 'token=t',
})

describe('withTargets: the failover table', () => {
  it.each<[string, string[], string, string[], string[]]>([
    // name, [first, ...targets], expected result, servers hit, failover reasons
    ['connection refused → next', ['refused', 'ok'], '200', ['ok'], ['network']],
    ['503 → next', ['down', 'ok'], '200', ['down', 'ok'], ['HTTP 503']],
    ['500 → next, then 503 → next', ['broken', 'down', 'ok'], '200', ['broken', 'down', 'ok'], ['HTTP 500', 'HTTP 503']],
    ['timeout → next', ['slow', 'ok'], '200', ['ok'], ['timeout']],
    ['400 → stop', ['bad', 'ok'], '400', ['bad'], []],
    ['401 → stop (our credentials are the problem everywhere)', ['unauthorized', 'ok'], '401', ['unauthorized'], []],
    ['200 → stop', ['ok', 'down'], '200', ['ok'], []],
    ['all down → the last answer', ['down', 'broken'], '500', ['down', 'broken'], ['HTTP 503']],
    ['all unreachable → the last failure', ['down', 'refused'], 'network', ['down'], ['HTTP 503']],
  ])('%s', async (_name, [first, ...rest], expected, served, reasons) => {
    hits.length = 0
    const events: TargetFailoverEvent[] = []
    const post = withTargets(rest.map(origin), nodeHttpPost, { onEvent: (e) => events.push(e) })
    const outcome = await post(request(first!)).then(
      (r) => String(r.status),
      (e: unknown) => (e as HttpGetFailure).kind,
    )
    expect(outcome).toBe(expected)
    // The path and query are kept on every origin.
    expect(hits.filter((h) => !h.startsWith('slow'))).toEqual(served.map((name) => `${name} /oauth2/introspect?v=1`))
    expect(events.map((e) => e.reason)).toEqual(reasons)
  })

  it('skips a target equal to the request origin, and reports from/to origins', async () => {
    hits.length = 0
    const events: TargetFailoverEvent[] = []
    const post = withTargets([origin('down'), origin('ok')], nodeHttpPost, { onEvent: (e) => events.push(e) })
    expect((await post(request('down'))).status).toBe(200)
    expect(hits).toEqual(['down /oauth2/introspect?v=1', 'ok /oauth2/introspect?v=1'])
    expect(events).toEqual([{ type: 'target_failover', from: origin('down'), to: origin('ok'), reason: 'HTTP 503' }])
  })
})

describe('shouldTryNextTarget and defineTargets', () => {
  const response = (status: number) => ({ response: { status, headers: new Headers(), body: new Uint8Array() } })
  it.each<[string, Parameters<typeof shouldTryNextTarget>[0], boolean]>([
    ['502', response(502), true],
    ['599', response(599), true],
    ['429', response(429), false],
    ['404', response(404), false],
    ['302', response(302), false],
    ['tls', { failure: new HttpGetFailure('tls', 'x') }, true],
    ['too_large', { failure: new HttpGetFailure('too_large', 'x') }, false],
    ['address_not_allowed', { failure: new HttpGetFailure('address_not_allowed', 'x') }, false],
    ['unsupported', { failure: new HttpGetFailure('unsupported', 'x') }, false],
    ['a defect', { failure: new TypeError('x') }, false],
  ])('%s', (_name, outcome, expected) => expect(shouldTryNextTarget(outcome)).toBe(expected))

  it('names every bad origin by path and throws ConfigError from withTargets', () => {
    const result = defineTargets(['https://a.example', 'https://a.example:443', 'https://b.example/path', 'ftp://c.example', 'https://u:p@d.example', 'nope'], 'server.targets')
    expect(result.ok ? [] : result.error.map((i) => i.path)).toEqual(['server.targets[1]', 'server.targets[2]', 'server.targets[3]', 'server.targets[4]', 'server.targets[5]'])
    expect(() => withTargets(['https://x.example/p'], nodeHttpPost)).toThrow(ConfigError)
  })
})
