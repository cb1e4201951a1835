import { afterAll, beforeAll, describe, expect, expectTypeOf, it, vi } from 'vitest'
import type { VerifiedAccessToken } from '@tokenward/core'
import { proxyEvent, proxyKinds, setup, type ProxyKind, type Setup } from './testing/events.test-support.ts'
import type { AlbResult, ApiGatewayProxyResultV1, ApiGatewayProxyResultV2, LambdaContext, ProxyEvent } from './types.ts'
import { withTokenward } from './with-tokenward.ts'

let s: Setup
beforeAll(async () => {
  s = await setup()
})
afterAll(() => s.close())

const ok = { statusCode: 200, body: 'handled' }
const context = { functionName: 'f', functionVersion: '$LATEST', invokedFunctionArn: 'arn', memoryLimitInMB: '128', awsRequestId: 'r', logGroupName: 'g', logStreamName: 's', getRemainingTimeInMillis: () => 1000 }

function wrap(options: { down?: boolean; optional?: boolean; requiredRoles?: string[] } = {}) {
  const handler = vi.fn(async (_event: ProxyEvent, _context: unknown, _auth: VerifiedAccessToken | undefined) => ok)
  const guard = options.down === true ? s.down : s.verifier
  const wrapped = withTokenward(handler, { guard, optional: options.optional ?? false, requiredRoles: options.requiredRoles })
  return { handler, call: (event: ProxyEvent) => wrapped(event, context) }
}

/** Headers of a result, multi-value or not, as name → first value. */
function headersOf(result: AlbResult): Record<string, string> {
  if (result.multiValueHeaders !== undefined) return Object.fromEntries(Object.entries(result.multiValueHeaders).map(([k, v]) => [k, String(v[0])]))
  return Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)]))
}

describe.each(proxyKinds)('withTokenward on a %s event', (kind: ProxyKind) => {
  const isAlb = kind === 'alb' || kind === 'albMultiValue'

  /** The refusal, checked against the event kind's result shape. */
  function refusal(result: unknown, status: number): { headers: Record<string, string>; body: Record<string, unknown> } {
    const r = result as AlbResult & { body: string }
    expect(r.statusCode).toBe(status)
    expect(r.isBase64Encoded).toBe(false)
    if (isAlb) expect(r.statusDescription).toMatch(new RegExp(`^${status} [A-Z]`))
    else expect(r).not.toHaveProperty('statusDescription')
    if (kind === 'albMultiValue') expect(r).not.toHaveProperty('headers')
    else expect(r).not.toHaveProperty('multiValueHeaders')
    const headers = headersOf(r)
    expect(headers['cache-control']).toBe('no-store')
    expect(headers['content-type']).toBe('application/json')
    return { headers, body: JSON.parse(r.body) as Record<string, unknown> }
  }

  it('valid token: calls the handler with the principal and returns its result unchanged', async () => {
    const { handler, call } = wrap()
    const event = proxyEvent(kind, [`Bearer ${s.tokens.valid}`])
    expect(await call(event)).toBe(ok)
    expect(handler).toHaveBeenCalledOnce()
    const [seenEvent, seenContext, auth] = handler.mock.calls[0]!
    expect(seenEvent).toBe(event)
    expect(seenContext).toBe(context)
    expect(auth).toMatchObject({ clientId: 'client-1', authorizationServer: 'Test', authorization: { adminId: 'oauth-ReadOnly$@12345.zscloud.net' } })
  })

  it('missing token: 401 with a bare challenge', async () => {
    const { handler, call } = wrap()
    const { headers, body } = refusal(await call(proxyEvent(kind)), 401)
    expect(headers['www-authenticate']).toBe('Bearer')
    expect(body).toMatchObject({ error: 'unauthorized', code: 'missing_token' })
    expect(handler).not.toHaveBeenCalled()
  })

  it('expired token: 401 invalid_token with WWW-Authenticate', async () => {
    const { handler, call } = wrap()
    const { headers, body } = refusal(await call(proxyEvent(kind, [`Bearer ${s.tokens.expired}`])), 401)
    expect(headers['www-authenticate']).toMatch(/^Bearer error="invalid_token", error_description="[^"]+"$/)
    expect(body).toMatchObject({ error: 'invalid_token', code: 'token_expired' })
    expect(handler).not.toHaveBeenCalled()
  })

  it('no API role this call accepts: 403 insufficient_scope', async () => {
    for (const [token, requiredRoles] of [[s.tokens.otherRole, undefined], [s.tokens.valid, ['Admin']]] as const) {
      const { handler, call } = wrap(requiredRoles === undefined ? {} : { requiredRoles: [...requiredRoles] })
      const { headers, body } = refusal(await call(proxyEvent(kind, [`Bearer ${token}`])), 403)
      expect(headers['www-authenticate']).toMatch(/error="insufficient_scope"/)
      expect(body).toMatchObject({ error: 'insufficient_scope', code: 'insufficient_scope' })
      expect(handler).not.toHaveBeenCalled()
    }
  })

  it('JWKS unreachable: 503 with Retry-After, never 401', async () => {
    const { handler, call } = wrap({ down: true })
    const { headers, body } = refusal(await call(proxyEvent(kind, [`Bearer ${s.tokens.valid}`])), 503)
    expect(Number(headers['retry-after'])).toBeGreaterThanOrEqual(1)
    expect(headers).not.toHaveProperty('www-authenticate')
    expect(body).toMatchObject({ error: 'temporarily_unavailable', code: 'jwks_unavailable' })
    expect(handler).not.toHaveBeenCalled()
  })

  it('optional: only a missing token gets through (auth undefined); bad tokens and outages are still refused', async () => {
    const open = wrap({ optional: true })
    expect(await open.call(proxyEvent(kind))).toBe(ok)
    expect(open.handler.mock.calls[0]![2]).toBeUndefined()
    await open.call(proxyEvent(kind, [`Bearer ${s.tokens.valid}`]))
    expect(open.handler.mock.calls[1]![2]).toMatchObject({ clientId: 'client-1' })
    refusal(await open.call(proxyEvent(kind, [`Bearer ${s.tokens.expired}`])), 401)
    refusal(await wrap({ optional: true, down: true }).call(proxyEvent(kind, [`Bearer ${s.tokens.valid}`])), 503)
    expect(open.handler).toHaveBeenCalledTimes(2)
  })
})

describe('withTokenward: repeated Authorization headers', () => {
  it.each(['rest', 'albMultiValue', 'httpApi', 'functionUrl'] as const)('%s: 400 invalid_request', async (kind) => {
    const { handler, call } = wrap()
    const result = (await call(proxyEvent(kind, [`Bearer ${s.tokens.valid}`, `Bearer ${s.tokens.valid}`]))) as AlbResult & { body: string }
    expect(result.statusCode).toBe(400)
    if (kind === 'albMultiValue') expect(result).toMatchObject({ statusDescription: '400 Bad Request', multiValueHeaders: { 'www-authenticate': [expect.stringContaining('error="invalid_request"')] } })
    // Multi-value maps keep two headers; payload 2.0 joins them with a comma, which the bearer syntax refuses.
    const description = kind === 'httpApi' || kind === 'functionUrl' ? /several values/ : /more than one Authorization header/
    expect(JSON.parse(result.body).error_description).toMatch(description)
    expect(JSON.parse(result.body)).toMatchObject({ error: 'invalid_request' })
    expect(handler).not.toHaveBeenCalled()
  })
})

describe('withTokenward: options are checked when wrapping', () => {
  it('refuses a missing guard, a non-function handler and bad option types', () => {
    const handler = async () => ok
    expect(() => withTokenward(handler, { guard: undefined as never })).toThrow(/options.guard/)
    expect(() => withTokenward('nope' as never, { guard: s.verifier })).toThrow(/handler/)
    expect(() => withTokenward(handler, { guard: s.verifier, requiredRoles: 'Admin' as never })).toThrow(/requiredRoles/)
    expect(() => withTokenward(handler, { guard: s.verifier, optional: 'yes' as never })).toThrow(/optional/)
  })

  it('passes an unknown event kind on as a TypeError', async () => {
    await expect(withTokenward(async () => ok, { guard: s.verifier })({ Records: [] } as never, context)).rejects.toThrow(TypeError)
  })
})

describe('withTokenward: types', () => {
  // Shapes as @types/aws-lambda declares them (abridged), to show they fit without that package.
  interface AwsAlbEvent {
    requestContext: { elb: { targetGroupArn: string } }
    httpMethod: string
    path: string
    queryStringParameters?: { [name: string]: string | undefined }
    headers?: { [name: string]: string | undefined }
    multiValueQueryStringParameters?: { [name: string]: string[] | undefined }
    multiValueHeaders?: { [name: string]: string[] | undefined }
    body: string | null
    isBase64Encoded: boolean
  }
  interface AwsHttpApiEvent {
    version: string
    routeKey: string
    rawPath: string
    rawQueryString: string
    cookies?: string[]
    headers: { [name: string]: string | undefined }
    requestContext: { http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string }; domainName: string }
    body?: string
    isBase64Encoded: boolean
  }
  interface AwsRestEvent {
    body: string | null
    headers: { [name: string]: string | undefined }
    multiValueHeaders: { [name: string]: string[] | undefined }
    httpMethod: string
    isBase64Encoded: boolean
    path: string
    queryStringParameters: { [name: string]: string | undefined } | null
    multiValueQueryStringParameters: { [name: string]: string[] | undefined } | null
    requestContext: { domainName: string; stage: string }
    resource: string
  }

  it('types auth by `optional` and the refusal by the event type', () => {
    const guard = s.verifier
    const strict = withTokenward(async (_event: AwsAlbEvent, _context, auth) => {
      expectTypeOf(auth).toEqualTypeOf<VerifiedAccessToken>()
      return { statusCode: 200 }
    }, { guard })
    expectTypeOf(strict).parameters.toEqualTypeOf<[AwsAlbEvent, LambdaContext]>()
    expectTypeOf(strict).returns.resolves.toEqualTypeOf<{ statusCode: number } | AlbResult>()

    const optional = withTokenward(async (_event: AwsHttpApiEvent, _context: { awsRequestId: string }, auth) => {
      expectTypeOf(auth).toEqualTypeOf<VerifiedAccessToken | undefined>()
      return { statusCode: 204 }
    }, { guard, optional: true })
    expectTypeOf(optional).returns.resolves.toEqualTypeOf<{ statusCode: number } | ApiGatewayProxyResultV2>()

    const rest = withTokenward(async (_event: AwsRestEvent) => ({ statusCode: 200, body: '' }), { guard })
    expectTypeOf(rest).returns.resolves.toEqualTypeOf<{ statusCode: number; body: string } | ApiGatewayProxyResultV1>()

    // @ts-expect-error: with `optional: true` the handler must accept an undefined auth
    withTokenward(async (_event: AwsRestEvent, _context: unknown, auth: VerifiedAccessToken) => ({ statusCode: auth.expiresAt }), { guard, optional: true })
  })
})
