// fromFetchHandler with the events exactly as the AWS documentation shows them (fixtures), for
// every proxy kind: the Request the handler gets, and the result its Response becomes.
import { ConfigError } from '@tokenward/core'
import { describe, expect, it, vi } from 'vitest'
import { albEvent, albMultiValueEvent, functionUrlEvent, httpApiEvent, restProxyEvent } from './fixtures/aws-events.test-support.ts'
import { FetchBridgeError, fromFetchHandler, isFetchBridgeError, type FetchProxyEvent, type FetchProxyHandler } from './fetch-handler.ts'
import type { AlbResult, LambdaContext } from './types.ts'

const context = { functionName: 'f', functionVersion: '$LATEST', invokedFunctionArn: 'arn', memoryLimitInMB: '128', awsRequestId: 'r', logGroupName: 'g', logStreamName: 's', getRemainingTimeInMillis: () => 1000 } satisfies LambdaContext

type Mutable = Record<string, unknown> & { headers?: Record<string, string>; multiValueHeaders?: Record<string, string[]>; requestContext: Record<string, unknown> }
const events = {
  rest: () => structuredClone(restProxyEvent) as unknown as Mutable,
  httpApi: () => structuredClone(httpApiEvent) as unknown as Mutable,
  functionUrl: () => {
    const e = structuredClone(functionUrlEvent) as unknown as Mutable
    e.requestContext.domainName = 'abcdefghij.lambda-url.us-west-2.on.aws'
    return e
  },
  alb: () => structuredClone(albEvent) as unknown as Mutable,
  albMultiValue: () => structuredClone(albMultiValueEvent) as unknown as Mutable,
} as const
type Kind = keyof typeof events
const kinds = Object.keys(events) as Kind[]
const isV2 = (kind: Kind): boolean => kind === 'httpApi' || kind === 'functionUrl'
const isMulti = (kind: Kind): boolean => kind === 'rest' || kind === 'albMultiValue'

/** Sets the method and path the way each kind carries them. */
function withRoute(kind: Kind, method: string, path: string, event = events[kind]()): Mutable {
  if (isV2(kind)) {
    event.rawPath = path
    ;(event.requestContext.http as Record<string, unknown>).method = method
  } else {
    event.path = path
    event.httpMethod = method
  }
  return event
}

/** Sets a request body the way each kind carries it. */
function withBody(event: Mutable, body: string, isBase64Encoded: boolean): Mutable {
  return Object.assign(event, { body, isBase64Encoded })
}

interface Seen {
  method: string
  url: string
  headers: [string, string][]
  body: Uint8Array
}

function capture(respond: (request: Request) => Response | Promise<Response> = () => new Response('ok', { headers: { 'content-type': 'text/plain; charset=utf-8' } })) {
  const seen: Seen[] = []
  const handler = vi.fn(async (request: Request) => {
    seen.push({ method: request.method, url: request.url, headers: [...request.headers], body: new Uint8Array(await request.arrayBuffer()) })
    return respond(request)
  })
  return { seen, handler }
}

const call = (h: FetchProxyHandler, event: Mutable): Promise<AlbResult & { cookies?: string[] }> =>
  h(event as unknown as FetchProxyEvent, context) as Promise<AlbResult & { cookies?: string[] }>

/** A result's header, multi-value or not, as a list. */
function header(result: AlbResult, name: string): string[] | undefined {
  if (result.multiValueHeaders !== undefined) return result.multiValueHeaders[name]?.map(String)
  const value = result.headers?.[name]
  return value === undefined ? undefined : [String(value)]
}

const expectedUrl: Record<Kind, string> = {
  rest: 'https://id.execute-api.us-east-1.amazonaws.com/my/path?parameter1=value1&parameter1=value2&parameter2=value',
  httpApi: 'https://id.execute-api.us-east-1.amazonaws.com/my/path?parameter1=value1&parameter1=value2&parameter2=value',
  functionUrl: 'https://abcdefghij.lambda-url.us-west-2.on.aws/my/path?parameter1=value1&parameter1=value2&parameter2=value',
  // An ALB event carries only the client's Host: no origin without publicOrigin.
  alb: 'http://localhost/lambda?query=1234ABCD',
  albMultiValue: 'http://localhost/lambda?myKey=val1&myKey=val2',
}

describe.each(kinds)('fromFetchHandler on a %s event', (kind) => {
  it('builds the Request: method, URL from the platform (never the Host header), every header value, cookies, body', async () => {
    const { seen, handler } = capture()
    const event = withBody(withRoute(kind, 'POST', isV2(kind) || kind === 'rest' ? '/my/path' : '/lambda'), 'Hello from Lambda', false)
    if (event.headers !== undefined) event.headers.host = 'evil.example'
    if (event.multiValueHeaders !== undefined) event.multiValueHeaders.host = ['evil.example']
    const result = await call(fromFetchHandler(handler), event)
    expect(result.statusCode).toBe(200)
    const [request] = seen
    expect(request!.method).toBe('POST')
    expect(request!.url).toBe(expectedUrl[kind])
    expect(new TextDecoder().decode(request!.body)).toBe('Hello from Lambda')
    const headers = new Headers(request!.headers)
    if (kind === 'rest') expect(headers.get('header2')).toBe('value1, value2') // two values, both kept
    if (isV2(kind)) expect(headers.get('cookie')).toBe('cookie1; cookie2') // payload 2.0's cookies array
    if (kind === 'albMultiValue') expect(headers.get('cookie')).toContain('name2=value2')
    expect(handler).toHaveBeenCalledWith(expect.any(Request), event, context)
  })

  it('takes the origin from publicOrigin when set', async () => {
    const { seen, handler } = capture()
    await call(fromFetchHandler(handler, { publicOrigin: 'https://admin.example.com' }), withRoute(kind, 'GET', '/x'))
    expect(new URL(seen[0]!.url).origin).toBe('https://admin.example.com')
  })

  it('hands a base64 body over as the exact bytes and answers a binary body in base64', async () => {
    const bytes = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe, 0x80])
    const { seen, handler } = capture(() => new Response(bytes, { headers: { 'content-type': 'image/png' } }))
    const event = withBody(withRoute(kind, 'PUT', '/upload'), Buffer.from(bytes).toString('base64'), true)
    const result = await call(fromFetchHandler(handler), event)
    expect([...seen[0]!.body]).toEqual([...bytes])
    expect(result.isBase64Encoded).toBe(true)
    expect([...Buffer.from(result.body!, 'base64')]).toEqual([...bytes])
    expect(header(result, 'content-type')).toEqual(['image/png'])
  })

  it('answers text content types as text, in the result shape of the kind', async () => {
    const { handler } = capture(() => Response.json({ a: 'é' }, { status: 201 }))
    const result = await call(fromFetchHandler(handler), withRoute(kind, 'GET', '/x'))
    expect(result.statusCode).toBe(201)
    expect(result.isBase64Encoded).toBe(false)
    expect(JSON.parse(result.body!)).toEqual({ a: 'é' })
    if (kind === 'alb' || kind === 'albMultiValue') expect(result.statusDescription).toBe('201 Created')
    else expect(result).not.toHaveProperty('statusDescription')
    if (isMulti(kind)) expect(result).not.toHaveProperty('headers')
    else expect(result).not.toHaveProperty('multiValueHeaders')
  })

  it('keeps two Set-Cookie headers (multi-value headers, or payload 2.0 cookies)', async () => {
    const onError = vi.fn()
    const { handler } = capture(() => {
      const headers = new Headers({ 'content-type': 'text/plain' })
      headers.append('set-cookie', 'a=1; Path=/; HttpOnly; Expires=Wed, 21 Oct 2037 07:28:00 GMT')
      headers.append('set-cookie', 'b=2; Path=/; Secure')
      return new Response('ok', { headers })
    })
    const result = await call(fromFetchHandler(handler, { onError }), withRoute(kind, 'GET', '/x'))
    const both = ['a=1; Path=/; HttpOnly; Expires=Wed, 21 Oct 2037 07:28:00 GMT', 'b=2; Path=/; Secure']
    if (isV2(kind)) {
      expect(result.cookies).toEqual(both)
      expect(result.headers).not.toHaveProperty('set-cookie')
    } else if (isMulti(kind)) {
      expect(result.multiValueHeaders!['set-cookie']).toEqual(both)
    } else {
      // An ALB target group without multi-value headers cannot carry two: refused, not one dropped.
      expect(result.statusCode).toBe(500)
      expect(JSON.parse(result.body!)).toEqual({ error: 'server_error', code: 'result_not_representable' })
      expect(onError.mock.calls[0]![0]).toMatchObject({ _tag: 'FetchBridgeError', code: 'result_not_representable' })
    }
  })

  it('answers HEAD with the headers and no body', async () => {
    const { seen, handler } = capture(() => new Response('<p>page</p>', { headers: { 'content-type': 'text/html; charset=utf-8' } }))
    const result = await call(fromFetchHandler(handler), withRoute(kind, 'HEAD', '/page'))
    expect(seen[0]!.method).toBe('HEAD')
    expect(result.statusCode).toBe(200)
    expect(result.body).toBe('')
    expect(header(result, 'content-type')).toEqual(['text/html; charset=utf-8'])
  })

  it('hands encoded slashes and encoded dots inside a segment over unchanged', async () => {
    const { seen, handler } = capture()
    const h = fromFetchHandler(handler)
    for (const path of ['/orgs/acme%2Fevil/reports', '/orgs/acme%2fx/', '/orgs/a..b/%2e%2ex', '/orgs/%61cme/']) {
      await call(h, withRoute(kind, 'GET', path))
      expect(new URL(seen.at(-1)!.url).pathname, path).toBe(path)
    }
  })

  it('refuses a path URL parsing would rewrite (dot segments, also encoded; backslashes; control characters) before the handler runs', async () => {
    const { handler } = capture()
    const h = fromFetchHandler(handler)
    for (const path of ['/orgs/acme/../victim/', '/orgs/acme/%2e%2e/victim/', '/orgs/acme/.%2E/victim', '/orgs/./acme', '/orgs/acme/..', '/orgs\\acme', '/orgs/a%5c/../b', '/orgs/a\tb', 'orgs/acme']) {
      const result = await call(h, withRoute(kind, 'GET', path))
      expect(result.statusCode, path).toBe(400)
      expect(JSON.parse(result.body!)).toEqual({ error: 'invalid_request', code: 'invalid_request' })
    }
    expect(handler).not.toHaveBeenCalled()
  })

  it('answers 413 for a body over maxBodyBytes (counted after base64 decoding) without calling the handler', async () => {
    const { handler } = capture()
    const h = fromFetchHandler(handler, { maxBodyBytes: 8 })
    const big = await call(h, withBody(withRoute(kind, 'POST', '/x'), Buffer.from('123456789').toString('base64'), true))
    expect(big.statusCode).toBe(413)
    expect(JSON.parse(big.body!)).toEqual({ error: 'invalid_request', code: 'request_body_too_large' })
    expect(handler).not.toHaveBeenCalled()
    // 12 base64 characters are 9 bytes; 8 bytes in base64 pass.
    const fits = await call(h, withBody(withRoute(kind, 'POST', '/x'), Buffer.from('12345678').toString('base64'), true))
    expect(fits.statusCode).toBe(200)
  })

  it('answers 500 without a stack when the handler throws, and tells onError', async () => {
    const onError = vi.fn()
    const h = fromFetchHandler(
      async () => {
        throw new Error('database password is hunter2')
      },
      { onError },
    )
    const result = await call(h, withRoute(kind, 'GET', '/x'))
    expect(result.statusCode).toBe(500)
    expect(result.body).toBe('{"error":"server_error","code":"handler_failed"}')
    expect(JSON.stringify(result)).not.toMatch(/hunter2|at /)
    const reported = onError.mock.calls[0]![0] as FetchBridgeError
    expect(isFetchBridgeError(reported)).toBe(true)
    expect(reported.status).toBe(500)
    expect((reported.cause as Error).message).toContain('hunter2')
  })
})

describe('fromFetchHandler options', () => {
  it('sends two Set-Cookie headers for a REST API event without multi-value maps in multiValueHeaders (API Gateway merges both maps)', async () => {
    const event = withRoute('rest', 'GET', '/x')
    delete event.multiValueHeaders
    delete event.multiValueQueryStringParameters
    const h = fromFetchHandler(() => {
      const headers = new Headers({ 'content-type': 'text/plain' })
      headers.append('set-cookie', 'a=1')
      headers.append('set-cookie', 'b=2')
      return new Response('ok', { headers })
    })
    const result = await call(h, event)
    expect(result.statusCode).toBe(200)
    expect(result.headers).toEqual({ 'content-type': 'text/plain' })
    expect(result.multiValueHeaders).toEqual({ 'set-cookie': ['a=1', 'b=2'] })
  })

  it('sends text in another charset, compressed text and unknown types in base64, byte for byte', async () => {
    const latin1 = Uint8Array.from([0x63, 0x61, 0x66, 0xe9]) // "café" in ISO-8859-1
    for (const headers of [{ 'content-type': 'text/plain; charset=iso-8859-1' }, { 'content-type': 'text/plain', 'content-encoding': 'gzip' }, { 'content-type': 'application/octet-stream' }, {}]) {
      const result = await call(fromFetchHandler(() => new Response(latin1, { headers })), withRoute('httpApi', 'GET', '/x'))
      expect(result.isBase64Encoded, JSON.stringify(headers)).toBe(true)
      expect([...Buffer.from(result.body!, 'base64')]).toEqual([...latin1])
    }
  })

  it('puts the REST API stage back in front of the path with includeStage', async () => {
    const { seen, handler } = capture()
    const event = withRoute('rest', 'GET', '/console/orgs/acme/')
    event.requestContext.stage = 'prod'
    await call(fromFetchHandler(handler, { includeStage: true }), event)
    expect(new URL(seen[0]!.url).pathname).toBe('/prod/console/orgs/acme/')
    await call(fromFetchHandler(handler), event)
    expect(new URL(seen[1]!.url).pathname).toBe('/console/orgs/acme/')
    // `$default` is no prefix.
    event.requestContext.stage = '$default'
    await call(fromFetchHandler(handler, { includeStage: true }), event)
    expect(new URL(seen[2]!.url).pathname).toBe('/console/orgs/acme/')
  })

  it('checks its options when built', () => {
    const h = async (): Promise<Response> => new Response()
    expect(() => fromFetchHandler('x' as never)).toThrow(TypeError)
    expect(() => fromFetchHandler(h, { maxBodyBytes: -1 })).toThrow(/maxBodyBytes/)
    expect(() => fromFetchHandler(h, { includeStage: 'yes' as never })).toThrow(/includeStage/)
    expect(() => fromFetchHandler(h, { publicOrigin: 'https://a.example/path' })).toThrow(ConfigError)
  })

  it('throws for an event that is not a proxy event (a wiring mistake, not a client request)', async () => {
    await expect(fromFetchHandler(async () => new Response())({} as never, context)).rejects.toThrow(TypeError)
  })
})
