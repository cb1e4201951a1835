import { describe, expect, it } from 'vitest'
import { ConfigError, MissingTokenError, headerValues, renderChallenge } from '@tokenward/core'
import {
  defineEventUrl,
  httpApiAuthorizerRequest,
  proxyEventKind,
  proxyEventRequest,
  requestAuthorizerRequest,
  tokenAuthorizerRequest,
} from './event-request.ts'
import { httpApiAuthorizerEvent, requestAuthorizerEvent, tokenAuthorizerEvent } from './fixtures/aws-events.test-support.ts'
import { proxyEvent, type ProxyKind } from './testing/events.test-support.ts'
import type { ProxyEvent } from './types.ts'
import { httpApiAuthorizer } from './http-api-authorizer.ts'
import { requestAuthorizer, tokenAuthorizer } from './rest-authorizer.ts'
import { withTokenward } from './with-tokenward.ts'

describe('proxy events → TokenRequest', () => {
  const table: { kind: ProxyKind; eventKind: string; method: string; url: string }[] = [
    // API Gateway decodes REST query values, so they are encoded again.
    { kind: 'rest', eventKind: 'v1', method: 'GET', url: 'https://id.execute-api.us-east-1.amazonaws.com/my/path?parameter1=value1&parameter1=value2&parameter2=value' },
    { kind: 'httpApi', eventKind: 'v2', method: 'POST', url: 'https://id.execute-api.us-east-1.amazonaws.com/my/path?parameter1=value1&parameter1=value2&parameter2=value' },
    // AWS's sample function URL domain ('<url-id>.lambda-url…') is not a host name: no origin is trusted from it.
    { kind: 'functionUrl', eventKind: 'v2', method: 'POST', url: 'http://localhost/my/path?parameter1=value1&parameter1=value2&parameter2=value' },
    // An ALB event carries only the client's Host: without publicOrigin the origin is unknown.
    { kind: 'alb', eventKind: 'alb', method: 'GET', url: 'http://localhost/lambda?query=1234ABCD' },
    { kind: 'albMultiValue', eventKind: 'alb', method: 'GET', url: 'http://localhost/lambda?myKey=val1&myKey=val2' },
  ]
  it.each(table)('$kind: kind $eventKind, $method $url, lower-case header names', ({ kind, eventKind, method, url }) => {
    const event = proxyEvent(kind, ['Bearer abc'])
    expect(proxyEventKind(event)).toBe(eventKind)
    const request = proxyEventRequest(event, proxyEventKind(event))
    expect(request).toMatchObject({ method, url })
    expect(headerValues(request.headers, 'authorization')).toEqual(['Bearer abc'])
    expect(Object.keys(request.headers).every((name) => name === name.toLowerCase())).toBe(true)
  })

  it('keeps every value of a repeated header where the event has them', () => {
    const two = ['Bearer a', 'Bearer b']
    expect(headerValues(proxyEventRequest(proxyEvent('rest', two), 'v1').headers, 'authorization')).toEqual(two)
    expect(headerValues(proxyEventRequest(proxyEvent('albMultiValue', two), 'alb').headers, 'authorization')).toEqual(two)
    // Payload 2.0 joins them with a comma, which the bearer syntax refuses.
    expect(headerValues(proxyEventRequest(proxyEvent('httpApi', two), 'v2').headers, 'authorization')).toEqual(['Bearer a,Bearer b'])
    // The documented REST example repeats header2.
    expect(headerValues(proxyEventRequest(proxyEvent('rest'), 'v1').headers, 'header2')).toEqual(['value1', 'value2'])
  })

  it('merges names that differ only in case, and treats __proto__ as a plain header', () => {
    const event = { httpMethod: 'GET', path: '/', multiValueHeaders: JSON.parse('{"Authorization":["Bearer a"],"authorization":["Bearer b"],"__proto__":["x"]}') } as ProxyEvent
    const { headers } = proxyEventRequest(event, proxyEventKind(event))
    expect(headerValues(headers, 'authorization')).toEqual(['Bearer a', 'Bearer b'])
    expect(headerValues(headers, '__proto__')).toEqual(['x'])
  })

  it('reads null maps (API Gateway sends null when there are none) and passes ALB query values as received', () => {
    const v1 = { httpMethod: 'GET', path: '/x', headers: null, multiValueHeaders: null, queryStringParameters: null, multiValueQueryStringParameters: null } as ProxyEvent
    expect(proxyEventRequest(v1, 'v1')).toEqual({ method: 'GET', url: 'http://localhost/x', headers: {} })
    const rest = { httpMethod: 'GET', path: '/x', queryStringParameters: { q: 'a b&c' } } as ProxyEvent
    expect(proxyEventRequest(rest, 'v1').url).toBe('http://localhost/x?q=a%20b%26c')
    const alb = { requestContext: { elb: { targetGroupArn: 'arn' } }, httpMethod: 'GET', path: '/x', queryStringParameters: { q: 'a%20b' } } as ProxyEvent
    expect(proxyEventRequest(alb, 'alb').url).toBe('http://localhost/x?q=a%20b')
  })

  it('refuses events it does not know', () => {
    expect(() => proxyEventKind({ Records: [] } as unknown as ProxyEvent)).toThrow(TypeError)
  })
})

describe('authorizer events → TokenRequest', () => {
  it('TOKEN: the token source value as Authorization; method and path from methodArn', () => {
    const request = tokenAuthorizerRequest({ ...tokenAuthorizerEvent, authorizationToken: 'Bearer abc', methodArn: 'arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/orgs/12345/reports' })
    expect(request).toEqual({ method: 'GET', url: 'https://abcdef123.execute-api.us-east-1.amazonaws.com/orgs/12345/reports', headers: { authorization: 'Bearer abc' } })
    expect(tokenAuthorizerRequest(tokenAuthorizerEvent)).toMatchObject({ method: 'GET', url: 'https://abcdef123.execute-api.us-east-1.amazonaws.com/request' })
  })

  it('REQUEST: method, path, query and every header value', () => {
    const event = structuredClone(requestAuthorizerEvent) as typeof requestAuthorizerEvent & { multiValueHeaders: Record<string, string[]> }
    event.multiValueHeaders.Authorization = ['Bearer a', 'Bearer b']
    const request = requestAuthorizerRequest(event)
    expect(request).toMatchObject({ method: 'GET', url: 'https://abcdef123.execute-api.us-east-1.amazonaws.com/request?QueryString1=queryValue1' })
    expect(headerValues(request.headers, 'authorization')).toEqual(['Bearer a', 'Bearer b'])
    expect(headerValues(request.headers, 'headerauth1')).toEqual(['headerValue1'])
  })

  it('HTTP API 2.0: method from requestContext.http, raw path and query', () => {
    expect(httpApiAuthorizerRequest(httpApiAuthorizerEvent)).toMatchObject({
      method: 'POST',
      url: 'https://id.execute-api.us-east-1.amazonaws.com/my/path?parameter1=value1&parameter1=value2&parameter2=value',
      headers: { header1: ['value1'], header2: ['value2'] },
    })
  })
})

describe('publicOrigin', () => {
  const guard = { verifyRequest: async () => ({ ok: false, error: new MissingTokenError('none'), response: renderChallenge(new MissingTokenError('none')) }) as const }

  it('replaces the origin of every event kind, and the route parameters are handed over', () => {
    const urlOf = defineEventUrl({ publicOrigin: 'https://api.example.com' })
    const event = { ...(proxyEvent('httpApi') as object), pathParameters: { orgId: 'acme' } } as unknown as ProxyEvent
    expect(proxyEventRequest(event, 'v2', urlOf)).toMatchObject({ url: 'https://api.example.com/my/path?parameter1=value1&parameter1=value2&parameter2=value', routeParams: { orgId: 'acme' } })
    expect(proxyEventRequest(proxyEvent('alb'), 'alb', urlOf).url).toBe('https://api.example.com/lambda?query=1234ABCD')
    expect(tokenAuthorizerRequest(tokenAuthorizerEvent, urlOf).url).toBe('https://api.example.com/request')
  })

  it('is checked when a handler is built', () => {
    expect(() => withTokenward(async () => ({ statusCode: 200 }), { guard, publicOrigin: 'api.example.com' })).toThrow(ConfigError)
    expect(() => tokenAuthorizer({ guard, publicOrigin: 'https://api.example.com/v1' })).toThrow(ConfigError)
    expect(() => requestAuthorizer({ guard, publicOrigin: 'ftp://api.example.com' })).toThrow(ConfigError)
    expect(() => httpApiAuthorizer({ guard, publicOrigin: 'https://user@api.example.com' })).toThrow(ConfigError)
  })
})
