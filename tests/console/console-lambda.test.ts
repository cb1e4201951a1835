// The console, the admin API, the issuer's token endpoint and the RFC 9728 metadata handler
// mounted on AWS Lambda through fromFetchHandler, driven with events shaped as the AWS
// documentation shows them (packages/lambda/src/fixtures): the page and its assets with their
// types and CSP, an admin API call with a cookie session, and the cross-site guard refusing a
// change from another origin.
import { createProtectedResourceMetadataHandler, defineProtectedResourceMetadata, type Jwk } from '@tokenward/core'
import { apiKeyManagementPermission } from '@tokenward/core/organization'
import { consoleContentSecurityPolicy, createAdminConsole } from '@tokenward/console'
import { createInMemoryClientStore, createIssuer, createPbkdf2SecretHasher, defineApiClient, generateClientSecret } from '@tokenward/issuer'
import { fromFetchHandler, type FetchProxyEvent } from '@tokenward/lambda'
import { adminAuthFailure, adminRequestHeader, createAdminApi, createInMemoryAuditSink, createInMemoryOrganizationStore, createInMemoryReceiptStore } from '@tokenward/registry'
import { beforeAll, describe, expect, it } from 'vitest'
import { makeKey } from '../../packages/core/src/testing/mint.test-support.ts'
import { albMultiValueEvent, httpApiEvent, restProxyEvent } from '../../packages/lambda/src/fixtures/aws-events.test-support.ts'
import { organization } from './console-app.test-support.ts'

const origin = 'https://admin.example.com'
const context = { functionName: 'f', functionVersion: '$LATEST', invokedFunctionArn: 'arn', memoryLimitInMB: '128', awsRequestId: 'r', logGroupName: 'g', logStreamName: 's', getRemainingTimeInMillis: () => 1000 }

type Result = { statusCode: number; headers?: Record<string, string>; multiValueHeaders?: Record<string, string[]>; cookies?: string[]; body?: string; isBase64Encoded?: boolean }

/** An HTTP API (payload 2.0) event: lower-case single-value headers, cookies in their own array. */
function httpApi(method: string, path: string, init: { headers?: Record<string, string>; cookies?: string[]; body?: string } = {}): FetchProxyEvent {
  const e = structuredClone(httpApiEvent) as Record<string, unknown> & { requestContext: { http: { method: string } } }
  e.requestContext.http.method = method
  return { ...e, rawPath: path, rawQueryString: '', headers: { host: 'admin.example.com', ...init.headers }, cookies: init.cookies ?? [], body: init.body ?? '', isBase64Encoded: false } as unknown as FetchProxyEvent
}

const store = createInMemoryOrganizationStore([organization('acme')])
const admin = createAdminApi({
  basePath: '/admin/',
  store,
  receipts: createInMemoryReceiptStore(),
  audit: createInMemoryAuditSink(),
  // The host's login: its session cookie names the admin.
  authenticate: async (request) =>
    /(?:^|;\s*)session=alice(?:;|$)/.test(request.headers.get('cookie') ?? '')
      ? { id: 'alice', permissions: [apiKeyManagementPermission] }
      : adminAuthFailure({ status: 401, body: { error: 'unauthorized' } }),
  authorizeOrganization: null,
  validateThrottle: false,
})
const page = createAdminConsole({ adminApiBase: '/admin/', basePath: '/console/', apiBaseUrl: (orgId) => `https://api.example.com/orgs/${orgId}/` })
// One function serves both: the admin API under /admin/, the console under /console/.
const handler = fromFetchHandler((request) => (new URL(request.url).pathname.startsWith('/admin/') ? admin(request) : page(request)), { publicOrigin: origin })
const invoke = (event: FetchProxyEvent): Promise<Result> => handler(event, context) as Promise<Result>

let jwk: Jwk
beforeAll(async () => {
  jwk = (await makeKey('ES256', 'k1')).publicJwk as Jwk
})

describe('the console on Lambda (HTTP API events)', () => {
  it('serves the page with its CSP and security headers, as text', async () => {
    const r = await invoke(httpApi('GET', '/console/orgs/acme/', { cookies: ['session=alice'] }))
    expect(r.statusCode).toBe(200)
    expect(r.isBase64Encoded).toBe(false)
    expect(r.headers!['content-type']).toBe('text/html; charset=utf-8')
    expect(r.headers!['content-security-policy']).toBe(consoleContentSecurityPolicy)
    expect(r.headers!['x-frame-options']).toBe('DENY')
    expect(r.headers!['x-content-type-options']).toBe('nosniff')
    expect(r.body).toContain('<meta name="tokenward-admin-api" content="/admin/">')
    expect(r.body).toMatch(/<script src="\/console\/assets\/console\.js" defer><\/script>/)
  })

  it('serves the script and style with their content types and the CSP', async () => {
    const js = await invoke(httpApi('GET', '/console/assets/console.js'))
    expect(js.headers!['content-type']).toBe('text/javascript; charset=utf-8')
    expect(js.headers!['content-security-policy']).toBe(consoleContentSecurityPolicy)
    expect(js.isBase64Encoded).toBe(false)
    expect(js.body).toContain(adminRequestHeader)
    const css = await invoke(httpApi('GET', '/console/assets/console.css'))
    expect(css.headers!['content-type']).toBe('text/css; charset=utf-8')
    expect(css.body).toContain('dialog')
    const head = await invoke(httpApi('HEAD', '/console/orgs/acme/'))
    expect(head.statusCode).toBe(200)
    expect(head.body).toBe('')
  })

  it('answers an admin API read with the cookie session, and 401 without it', async () => {
    const list = await invoke(httpApi('GET', '/admin/orgs/acme/authorization-servers', { cookies: ['session=alice'] }))
    expect(list.statusCode).toBe(200)
    expect(JSON.parse(list.body!)).toMatchObject({ authorizationServers: [] })
    const anonymous = await invoke(httpApi('GET', '/admin/orgs/acme/authorization-servers'))
    expect(anonymous.statusCode).toBe(401)
  })

  it('accepts a same-origin change from the page, and refuses the same change from another origin', async () => {
    const body = JSON.stringify({ name: 'Okta1', jwks: { keys: [jwk] }, issuer: 'https://okta1.example.com', audience: 'api://acme', clientId: 'client-1' })
    const attack = await invoke(
      httpApi('POST', '/admin/orgs/acme/authorization-servers', {
        cookies: ['session=alice'],
        headers: { 'content-type': 'application/json', origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', [adminRequestHeader]: '1' },
        body,
      }),
    )
    expect(attack.statusCode).toBe(403)
    expect(JSON.parse(attack.body!)).toMatchObject({ error: 'cross_site_request' })
    expect((await store.get('acme'))?.authorizationServers).toEqual([])

    const fromPage = await invoke(
      httpApi('POST', '/admin/orgs/acme/authorization-servers', {
        cookies: ['session=alice'],
        headers: { 'content-type': 'application/json', origin, 'sec-fetch-site': 'same-origin', [adminRequestHeader]: '1' },
        body,
      }),
    )
    expect(fromPage.statusCode).toBe(201)
    expect((await store.get('acme'))?.authorizationServers.map((s) => s.name)).toEqual(['Okta1'])
  })
})

describe('the console on Lambda (REST API and ALB events)', () => {
  it('REST API on its execute-api host: includeStage gives the page links that carry the stage', async () => {
    const staged = createAdminConsole({ adminApiBase: '/prod/admin/', basePath: '/prod/console/' })
    const rest = fromFetchHandler(staged, { includeStage: true })
    const e = structuredClone(restProxyEvent) as Record<string, unknown> & { requestContext: Record<string, unknown> }
    e.requestContext.stage = 'prod'
    const r = (await rest({ ...e, httpMethod: 'GET', path: '/console/orgs/acme/', body: null } as unknown as FetchProxyEvent, context)) as Result
    expect(r.statusCode).toBe(200)
    expect(r.multiValueHeaders!['content-security-policy']).toEqual([consoleContentSecurityPolicy])
    expect(r.body).toContain('src="/prod/console/assets/console.js"')
  })

  it('ALB with multi-value headers: the admin API reads the Cookie header, answers in multiValueHeaders', async () => {
    const e = structuredClone(albMultiValueEvent) as Record<string, unknown> & { multiValueHeaders: Record<string, string[]> }
    e.multiValueHeaders.cookie = ['theme=dark; session=alice']
    const r = await invoke({ ...e, path: '/admin/orgs/acme/authorization-servers', multiValueQueryStringParameters: {} } as unknown as FetchProxyEvent)
    expect(r.statusCode).toBe(200)
    expect(r.multiValueHeaders!['content-type']![0]).toMatch(/^application\/json/)
    expect(JSON.parse(r.body!).authorizationServers.map((s: { name: string }) => s.name)).toEqual(['Okta1'])
  })
})

describe('other Web handlers on Lambda', () => {
  it("the issuer's token endpoint issues a token for a form body API Gateway base64-encoded", async () => {
    const hasher = createPbkdf2SecretHasher({ iterations: 10_000 })
    const generated = await generateClientSecret(hasher)
    const secret = generated.secret
    const clients = createInMemoryClientStore([['1', defineApiClient({ clientId: 'c', roles: ['R'], authentication: { method: 'client_secret', secretHashes: [generated.hash] } })]])
    const issuer = createIssuer({ issuer: 'https://as.example.com', organization: { cloud: 'x', orgId: '1', cloudDomain: 'x.net', apiRoles: ['R'] }, clients, secretHasher: hasher })
    const lambda = fromFetchHandler((request) => issuer.handle(request), { publicOrigin: 'https://as.example.com' })
    const event = httpApi('POST', '/token', { headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${btoa(`c:${secret}`)}` } }) as unknown as Record<string, unknown>
    Object.assign(event, { body: Buffer.from('grant_type=client_credentials').toString('base64'), isBase64Encoded: true })
    const r = (await lambda(event as unknown as FetchProxyEvent, context)) as Result
    expect(r.statusCode).toBe(200)
    expect(r.headers!['cache-control']).toBe('no-store')
    const token = JSON.parse(r.body!) as { access_token: string; token_type: string; scope: string }
    expect(token).toMatchObject({ token_type: 'Bearer', scope: 'x::1::R' })
    expect(token.access_token.split('.')).toHaveLength(3)
  })

  it('the RFC 9728 protected-resource metadata handler answers at its well-known URL', async () => {
    const metadata = createProtectedResourceMetadataHandler(defineProtectedResourceMetadata({ resource: 'https://api.example.com', authorizationServers: ['https://as.example.com'] }))
    const lambda = fromFetchHandler(metadata, { publicOrigin: 'https://api.example.com' })
    const e = structuredClone(albMultiValueEvent)
    const r = (await lambda({ ...e, path: '/.well-known/oauth-protected-resource', multiValueQueryStringParameters: {} } as unknown as FetchProxyEvent, context)) as Result
    expect(r.statusCode).toBe(200)
    expect(r.multiValueHeaders!['cache-control']).toEqual(['public, max-age=300'])
    expect(JSON.parse(r.body!)).toMatchObject({ resource: 'https://api.example.com', authorization_servers: ['https://as.example.com'], bearer_methods_supported: ['header'] })
  })
})
