// Hole 1, through every adapter: the organization a guard verifies against must be the one the
// framework routes to. Two organizations, each with its own authorization server; the attacker
// holds a valid token for "attacker" and sends it on paths that a router gives to "victim" but
// that `new URL` would resolve to "attacker". No door may answer 200 for an organization other
// than the one its router chose; the { path } guard refuses every such path with 400.
import { request as httpRequest } from 'node:http'
import { defineAuthorizationServer, type RequestGuard } from '@tokenward/core'
import { type Organization } from '@tokenward/core/organization'
import { tokenward } from '@tokenward/express'
import { fromFetchHandler, withTokenward as withLambda, type FetchProxyEvent, type ProxyEvent } from '@tokenward/lambda'
import { createInMemoryOrganizationStore, createRegistryVerifier, registryGuard, type RegistryVerifier } from '@tokenward/registry'
import { withTokenward as withWeb } from '@tokenward/web'
import type { Request as ExpressRequest, Response as ExpressResponse } from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeKey, mint, startJwksServer, type JwksServer, type TestKey } from '../../packages/core/src/testing/mint.test-support.ts'
import { frameworks, serve, type RunningServer } from '../../packages/express/src/serve.test-support.ts'

/** Paths a router gives to "victim" (or refuses) but that URL normalisation turns into "attacker". */
const confusing = [
  '/orgs/victim/%2e%2e/attacker/reports',
  '/orgs/victim/%2E%2e/attacker/reports',
  '/orgs/victim/.%2e/attacker/reports',
  '/orgs/victim/%2e./attacker/reports',
  '/orgs/victim/../attacker/reports',
  '/orgs/victim/./../attacker/reports',
  '/orgs/victim\\..\\attacker/reports',
  '/orgs/victim%5c..%5cattacker/reports',
  '/orgs/victim%5C..%5Cattacker/reports',
  '/orgs/victim/%5c..%5c..%5cattacker/reports',
  '/orgs/victim%2f..%2fattacker/reports',
  '/orgs/%76ictim/reports',
  '/orgs/%2e%2e/orgs/attacker/reports',
]

let victimKey: TestKey
let attackerKey: TestKey
let victimJwks: JwksServer
let attackerJwks: JwksServer
let registry: RegistryVerifier
let pathGuard: RequestGuard
let paramGuard: RequestGuard
let attackerToken: string

const nowSeconds = () => Math.floor(Date.now() / 1000)
const organization = (orgId: string, jwksUrl: string): Organization => ({
  orgId,
  cloud: 'zscloud',
  cloudDomain: 'zscloud.net',
  apiRoles: { ReadOnly: ['reports'] },
  subscriptionValidUntil: nowSeconds() + 86_400,
  suspension: undefined,
  authorizationServers: [defineAuthorizationServer({ name: 'Okta1', jwksUrl, issuer: 'https://idp.test', audience: 'api://orders' })],
  revision: 1,
})

beforeAll(async () => {
  victimKey = await makeKey('ES256', 'victim-key')
  attackerKey = await makeKey('ES256', 'attacker-key')
  victimJwks = await startJwksServer([victimKey.publicJwk])
  attackerJwks = await startJwksServer([attackerKey.publicJwk])
  registry = createRegistryVerifier({ store: createInMemoryOrganizationStore([organization('victim', victimJwks.url), organization('attacker', attackerJwks.url)]), jwks: { addressPolicy: { developmentLoopback: true } } })
  pathGuard = registryGuard(registry, { path: '/orgs/:orgId/*' })
  paramGuard = registryGuard(registry, { param: 'orgId' })
  attackerToken = await mint(attackerKey, { claims: { scope: 'zscloud::attacker::ReadOnly' } })
})
afterAll(async () => {
  await registry.close()
  await Promise.all([victimJwks.close(), attackerJwks.close()])
})

interface Answer {
  readonly status: number
  /** The organization the app's router chose, and the one the token was verified for (200 only). */
  readonly routed?: string | undefined
  readonly verified?: string | undefined
  readonly code?: string | undefined
}

function expectNoConfusion(answer: Answer): void {
  if (answer.status === 200) expect(answer.verified).toBe(answer.routed)
}

/** Sends the path byte for byte (fetch would normalise it first, as a browser does). */
function rawGet(port: number, path: string, authorization: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { authorization } }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => {
        const parsed = (res.headers['content-type'] ?? '').includes('json') ? (JSON.parse(body) as Partial<Answer>) : {}
        resolve({ status: res.statusCode ?? 0, routed: parsed.routed, verified: parsed.verified, code: parsed.code })
      })
    })
    req.on('error', reject)
    req.end()
  })
}

const report = (req: ExpressRequest, res: ExpressResponse) => {
  res.json({ routed: req.params['orgId'], verified: req.auth?.authorization?.apiRole.orgId })
}

describe.each(frameworks)('Express ($name), real server', ({ name, express }) => {
  const wildcard = name === 'express 5' ? '/orgs/:orgId/*rest' : '/orgs/:orgId/*'
  let mounted: RunningServer
  let routed: RunningServer
  let byParam: RunningServer
  beforeAll(async () => {
    // The README's shape: the middleware mounted on a prefix, routes below it.
    const a = express()
    a.use('/orgs', tokenward({ guard: pathGuard }))
    a.get(wildcard, report)
    mounted = await serve(a)
    // On a wildcard route.
    const b = express()
    b.get(wildcard, tokenward({ guard: pathGuard }), report)
    routed = await serve(b)
    // The router's own parameter.
    const c = express()
    c.get(wildcard, tokenward({ guard: paramGuard }), report)
    byParam = await serve(c)
  })
  afterAll(async () => {
    await Promise.all([mounted.close(), routed.close(), byParam.close()])
  })

  it('accepts the attacker on its own organization everywhere (the control)', async () => {
    for (const server of [mounted, routed, byParam]) {
      expect(await rawGet(server.port, '/orgs/attacker/reports', `Bearer ${attackerToken}`)).toEqual({ status: 200, routed: 'attacker', verified: 'attacker', code: undefined })
    }
  })

  it.each(confusing)('app.use("/orgs", tokenward({ { path } guard })) refuses %s with 400', async (path) => {
    const answer = await rawGet(mounted.port, path, `Bearer ${attackerToken}`)
    expect([answer.status, answer.code]).toEqual([400, 'invalid_request'])
  })

  it.each(confusing)('a wildcard route with a { path } guard refuses %s with 400', async (path) => {
    const answer = await rawGet(routed.port, path, `Bearer ${attackerToken}`)
    expect([answer.status, answer.code]).toEqual([400, 'invalid_request'])
  })

  it.each(confusing)('a { param: "orgId" } guard verifies %s against the organization Express routed to', async (path) => {
    const answer = await rawGet(byParam.port, path, `Bearer ${attackerToken}`)
    expectNoConfusion(answer)
    // victim's server does not know attacker's key (401); a parameter no store could hold is 400.
    expect([400, 401, 404]).toContain(answer.status)
  })
})

describe('Lambda {proxy+} events', () => {
  const handler = (guard: RequestGuard) =>
    withLambda(
      async (event: ProxyEvent, _context: unknown, auth) => {
        const e = event as { pathParameters?: Record<string, string | undefined> | null; path?: string; rawPath?: string }
        return {
          statusCode: 200,
          body: JSON.stringify({ routed: e.pathParameters?.['orgId'] ?? (e.path ?? e.rawPath ?? '').split('/')[2], verified: auth.authorization?.apiRole.orgId }),
        }
      },
      { guard },
    ) as unknown as (event: unknown, context: unknown) => Promise<{ statusCode: number; body?: string }>
  const answer = async (result: { statusCode: number; body?: string }): Promise<Answer> => {
    const body = JSON.parse(result.body ?? '{}') as Partial<Answer>
    return { status: result.statusCode, routed: body.routed, verified: body.verified, code: body.code }
  }
  const rest = (path: string, pathParameters: Record<string, string>) => ({
    resource: '/{proxy+}',
    path,
    httpMethod: 'GET',
    headers: { Authorization: `Bearer ${attackerToken}` },
    multiValueHeaders: { Authorization: [`Bearer ${attackerToken}`] },
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters,
    requestContext: { domainName: 'api.example.com', resourcePath: '/{proxy+}', stage: 'prod' },
  })
  const httpApi = (path: string, pathParameters: Record<string, string>) => ({
    version: '2.0',
    routeKey: 'ANY /{proxy+}',
    rawPath: path,
    rawQueryString: '',
    headers: { authorization: `Bearer ${attackerToken}` },
    pathParameters,
    requestContext: { domainName: 'api.example.com', http: { method: 'GET', path } },
    isBase64Encoded: false,
  })

  it('accepts the attacker on its own organization (the control)', async () => {
    expect(await answer(await handler(pathGuard)(rest('/orgs/attacker/reports', { proxy: 'orgs/attacker/reports' }), {}))).toMatchObject({ status: 200, verified: 'attacker' })
    expect(await answer(await handler(pathGuard)(httpApi('/orgs/attacker/reports', { proxy: 'orgs/attacker/reports' }), {}))).toMatchObject({ status: 200, verified: 'attacker' })
  })

  it.each(confusing)('REST API (payload 1.0) refuses %s with 400', async (path) => {
    const result = await answer(await handler(pathGuard)(rest(path, { proxy: path.slice(1) }), {}))
    expect([result.status, result.code]).toEqual([400, 'invalid_request'])
  })

  it.each(confusing)('HTTP API (payload 2.0) refuses %s with 400', async (path) => {
    const result = await answer(await handler(pathGuard)(httpApi(path, { proxy: path.slice(1) }), {}))
    expect([result.status, result.code]).toEqual([400, 'invalid_request'])
  })

  it('a { param } guard on /orgs/{orgId}/{proxy+} verifies against the routed organization', async () => {
    const result = await answer(await handler(paramGuard)(httpApi('/orgs/victim/%2e%2e/attacker/reports', { orgId: 'victim', proxy: '%2e%2e/attacker/reports' }), {}))
    expectNoConfusion(result)
    expect(result.status).toBe(401)
  })
})

describe('Web Request → Response', () => {
  // A Web runtime hands over request.url already parsed by the URL standard, and the app routes on
  // that same URL: whatever the guard verifies is what the app's router sees.
  let handler: (request: Request) => Promise<Response>
  beforeAll(() => {
    handler = withWeb(
      (request: Request, auth) => Response.json({ routed: new URL(request.url).pathname.split('/')[2], verified: auth.authorization?.apiRole.orgId }),
      { guard: pathGuard, publicOrigin: 'https://api.example.com' },
    )
  })

  it.each(confusing)('%s: never verified for another organization than the router sees', async (path) => {
    const response = await handler(new Request(`https://api.example.com${path}`, { headers: { authorization: `Bearer ${attackerToken}` } }))
    const body = (await response.json()) as Partial<Answer>
    expectNoConfusion({ status: response.status, routed: body.routed, verified: body.verified })
    expect([200, 400, 401]).toContain(response.status)
  })
})

describe('Lambda fromFetchHandler in front of a Web handler', () => {
  // API Gateway routes on the raw path; the bridge hands the Web handler that same path or refuses.
  let lambda: (event: FetchProxyEvent, context: unknown) => Promise<{ statusCode: number; body?: string }>
  beforeAll(() => {
    const web = withWeb(
      (request: Request, auth) => Response.json({ routed: new URL(request.url).pathname.split('/')[2], verified: auth.authorization?.apiRole.orgId }),
      { guard: pathGuard },
    )
    lambda = fromFetchHandler(web) as unknown as typeof lambda
  })
  const events = {
    rest: (path: string) => ({ path, httpMethod: 'GET', multiValueHeaders: { Authorization: [`Bearer ${attackerToken}`] }, requestContext: { domainName: 'api.example.com', stage: 'prod' } }),
    httpApi: (path: string) => ({ version: '2.0', rawPath: path, rawQueryString: '', headers: { authorization: `Bearer ${attackerToken}` }, requestContext: { domainName: 'api.example.com', http: { method: 'GET' } } }),
  }

  it.each(Object.keys(events) as (keyof typeof events)[])('%s: accepts the attacker on its own organization (the control)', async (kind) => {
    const result = await lambda(events[kind]('/orgs/attacker/reports') as FetchProxyEvent, {})
    expect(result.statusCode).toBe(200)
    expect(JSON.parse(result.body!)).toEqual({ routed: 'attacker', verified: 'attacker' })
  })

  it.each(confusing.flatMap((path) => [['rest', path] as const, ['httpApi', path] as const]))('%s event refuses %s with 400, never verified for another organization', async (kind, path) => {
    const result = await lambda(events[kind](path) as FetchProxyEvent, {})
    const body = JSON.parse(result.body ?? '{}') as Partial<Answer>
    expectNoConfusion({ status: result.statusCode, routed: path.split('/')[2], verified: body.verified })
    expect([result.statusCode, body.code]).toEqual([400, 'invalid_request'])
  })
})
