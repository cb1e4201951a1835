// adminApi through real Express 5 and Express 4 apps: a Web echo handler sees what the client sent
// and its Response comes back unchanged; a body parser mounted first fails loudly.
import { apiKeyManagementPermission } from '@tokenward/core/organization'
import { adminAuthenticator, createAdminApi, createInMemoryAuditSink, createInMemoryOrganizationStore, createInMemoryReceiptStore } from '@tokenward/registry'
import type { ErrorRequestHandler, RequestHandler } from 'express'
import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { adminApi, BodyAlreadyReadError } from './admin.ts'
import { frameworks, serve, type RunningServer } from './serve.test-support.ts'
import type { WebHandler } from './types.ts'
import { inlineServer, makeAdminIssuer, makeOrg, makePublicJwk, orgId, t0 } from '../../registry/src/admin/admin-fixture.test-support.ts'

/** Answers with everything it received, plus two cookies and a custom status text. */
const echo: WebHandler = async (request) => {
  const body = request.body === null ? null : await request.text()
  const headers = new Headers([
    ['content-type', 'application/json'],
    ['x-echo', 'yes'],
    ['set-cookie', 'a=1; Path=/'],
    ['set-cookie', 'b=2; Path=/'],
  ])
  const seen = { method: request.method, url: request.url, body, test: request.headers.get('x-test'), contentType: request.headers.get('content-type') }
  return new Response(JSON.stringify(seen), { status: 201, statusText: 'Made', headers })
}

/** A body sent in several chunks over time. */
const streaming: WebHandler = () => {
  const encoder = new TextEncoder()
  let i = 0
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await new Promise((resolve) => setTimeout(resolve, 5))
      if (i === 3) return controller.close()
      controller.enqueue(encoder.encode(`chunk${i++};`))
    },
  })
  return new Response(body, { headers: { 'content-type': 'text/plain' } })
}

describe.each(frameworks)('adminApi on $name', ({ express }) => {
  let server: RunningServer
  const errors: unknown[] = []
  beforeAll(async () => {
    const app = express()
    app.use('/admin', adminApi(echo))
    app.use('/stream', adminApi(streaming))
    app.use(express.json())
    // Mounted after a body parser: the mistake the adapter must report.
    app.use('/late-admin', adminApi(echo))
    const onError: ErrorRequestHandler = (error, _req, res, _next) => {
      errors.push(error)
      res.status((error as { status?: number }).status ?? 500).json({ message: (error as Error).message })
    }
    app.use(onError)
    server = await serve(app)
  })
  afterAll(() => server.close())

  it('hands the handler method, full URL, headers and body, and sends back status, headers and body', async () => {
    const payload = JSON.stringify({ name: 'Okta2', big: 'x'.repeat(200_000) })
    const res = await fetch(`${server.origin}/admin/orgs/12345/servers?dryRun=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-test': 'hello' },
      body: payload,
    })
    expect(res.status).toBe(201)
    expect(res.statusText).toBe('Made')
    expect(res.headers.get('x-echo')).toBe('yes')
    expect(res.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/'])
    expect(await res.json()).toEqual({
      method: 'POST',
      url: `${server.origin}/admin/orgs/12345/servers?dryRun=1`,
      body: payload,
      test: 'hello',
      contentType: 'application/json',
    })
  })

  it('gives GET requests no body and streams the answer', async () => {
    const get = await fetch(`${server.origin}/admin/orgs/12345/servers`)
    expect(await get.json()).toMatchObject({ method: 'GET', body: null })
    const streamed = await fetch(`${server.origin}/stream`)
    expect(await streamed.text()).toBe('chunk0;chunk1;chunk2;')
  })

  it('fails with BodyAlreadyReadError (500) when a body parser read the body first', async () => {
    const res = await fetch(`${server.origin}/late-admin/orgs/12345/servers`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{"name":"Okta2"}',
    })
    expect(res.status).toBe(500)
    expect((await res.json()).message).toMatch(/mount adminApi before body parsers/)
    expect(errors.at(-1)).toBeInstanceOf(BodyAlreadyReadError)
    expect(errors.at(-1)).toMatchObject({ _tag: 'BodyAlreadyReadError', code: 'body_already_read', status: 500 })
  })

  it('still works behind a body parser when the parser left the body alone', async () => {
    const get = await fetch(`${server.origin}/late-admin/x`)
    expect(get.status).toBe(201)
    const text = await fetch(`${server.origin}/late-admin/x`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'plain' })
    expect(await text.json()).toMatchObject({ method: 'POST', body: 'plain' })
  })
})

describe.each(frameworks)('adminApi with the default error handler on $name', ({ express }) => {
  it('answers 500 and tells why', async () => {
    const app = express()
    app.use(express.json())
    app.use(adminApi(echo))
    const server = await serve(app)
    try {
      const res = await fetch(`${server.origin}/x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
      expect(res.status).toBe(500)
      // Outside production, Express's default handler shows the message.
      expect(await res.text()).toContain('mount adminApi before body parsers')
    } finally {
      await server.close()
    }
  })
})

describe.each(frameworks)('the registry admin API mounted on $name', ({ express }) => {
  it('adds and lists servers through Express, behind express.json() mounted after it', async () => {
    const clock = () => t0
    const issuer = await makeAdminIssuer(clock)
    const api = createAdminApi({
      store: createInMemoryOrganizationStore([makeOrg()]),
      receipts: createInMemoryReceiptStore(),
      audit: createInMemoryAuditSink(),
      authenticate: adminAuthenticator({ verifier: issuer.verifier }),
      authorizeOrganization: null,
      basePath: '/admin/',
      clock,
    })
    const app = express()
    app.use('/admin', adminApi(api))
    app.use(express.json())
    const server = await serve(app)
    try {
      const token = await issuer.mint({ permissions: [apiKeyManagementPermission] })
      const servers = `${server.origin}/admin/orgs/${orgId}/authorization-servers`
      const anonymous = await fetch(servers)
      expect(anonymous.status).toBe(401)
      expect(anonymous.headers.get('www-authenticate')).toBe('Bearer')

      const added = await fetch(servers, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(inlineServer('Okta1', await makePublicJwk('k1'))),
      })
      expect(added.status).toBe(201)
      expect(added.headers.get('etag')).toBe('"2"')

      const listed = await fetch(servers, { headers: { authorization: `Bearer ${token}` } })
      expect(listed.status).toBe(200)
      expect(listed.headers.get('cache-control')).toBe('no-store')
      expect(JSON.stringify(await listed.json())).toContain('"Okta1"')
    } finally {
      await server.close()
      await issuer.verifier.close()
    }
  })
})

/** Sends a request exactly as written (no URL normalisation by the client), with any `Host`. */
function rawGet(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET', headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe.each(frameworks)('a per-organization gate in front of the admin API on $name', ({ express }) => {
  // The gate lets a caller reach only /admin/orgs/acme/...; the API itself trusts it
  // (authorizeOrganization: null). Every trick below reached "victim" before the API read the
  // routed path alone: the handler decoded %6Frgs, and the URL it was handed came from the Host
  // header and went through URL parsing (dot segments, backslashes).
  let server: RunningServer
  let headers: Record<string, string>
  const store = createInMemoryOrganizationStore([makeOrg(), makeOrg({ orgId: 'victim', authorizationServers: [] })])
  const clock = () => t0
  let issuer: Awaited<ReturnType<typeof makeAdminIssuer>>
  beforeAll(async () => {
    issuer = await makeAdminIssuer(clock)
    const api = createAdminApi({
      store,
      receipts: createInMemoryReceiptStore(),
      audit: createInMemoryAuditSink(),
      authenticate: adminAuthenticator({ verifier: issuer.verifier }),
      authorizeOrganization: null,
      basePath: '/admin/',
      clock,
    })
    const gate: RequestHandler = (req, res, next) => {
      if (req.params.orgId === orgId) next()
      else res.status(403).json({ error: 'gate' })
    }
    const app = express()
    app.use('/admin/orgs/:orgId', gate)
    app.use('/admin', adminApi(api))
    server = await serve(app)
    headers = { authorization: `Bearer ${await issuer.mint({ permissions: [apiKeyManagementPermission] })}` }
  })
  afterAll(async () => {
    await server.close()
    await issuer.verifier.close()
  })

  it('serves the allowed organization and the gate refuses the other one (the set-up works)', async () => {
    const own = await rawGet(server.port, `/admin/orgs/${orgId}/authorization-servers`, headers)
    expect([own.status, JSON.parse(own.body).orgId]).toEqual([200, orgId])
    expect((await rawGet(server.port, '/admin/orgs/victim/authorization-servers', headers)).status).toBe(403)
  })

  it.each([
    ['a percent-encoded literal segment', '/admin/%6Frgs/victim/authorization-servers', 404, 'not_found'],
    ['an upper-case literal segment', '/admin/ORGS/victim/authorization-servers', 403, 'gate'],
    ['a percent-encoded organization ID', '/admin/orgs/%61cme/authorization-servers', 404, 'not_found'],
    ['a dot segment', '/admin/orgs/acme/../victim/authorization-servers', 400, 'invalid_request'],
    ['an encoded dot segment', '/admin/orgs/acme/%2E%2e/victim/authorization-servers', 400, 'invalid_request'],
    ['a half-encoded dot segment', '/admin/orgs/acme/.%2e/victim/authorization-servers', 400, 'invalid_request'],
    ['a backslash', '/admin/orgs/acme/..\\victim/authorization-servers', 400, 'invalid_request'],
    ['a fragment', '/admin/orgs/acme#/../../orgs/victim/authorization-servers', 400, 'invalid_request'],
  ])('%s cannot reach another organization: %s', async (_label, path, status, error) => {
    const r = await rawGet(server.port, path, headers)
    expect([r.status, JSON.parse(r.body).error]).toEqual([status, error])
    expect(r.body).not.toContain('"orgId":"victim"')
  })

  it.each([
    '127.0.0.1/admin/orgs/victim/authorization-servers?',
    '127.0.0.1/admin/orgs/victim/authorization-servers#',
    'user@127.0.0.1',
    '127.0.0.1:80:80',
  ])('a Host header cannot change the path: %j', async (host) => {
    const r = await rawGet(server.port, `/admin/orgs/${orgId}/authorization-servers`, { ...headers, host })
    expect([r.status, JSON.parse(r.body)]).toMatchObject([400, { error: 'invalid_request', code: 'invalid_host' }])
  })

  it('takes only the origin from Host and the path from the routed URL', async () => {
    const r = await rawGet(server.port, `/admin/orgs/${orgId}/authorization-servers?x=1`, { ...headers, host: 'admin.example.com:8443' })
    expect([r.status, JSON.parse(r.body).orgId]).toEqual([200, orgId])
    expect((await store.get('victim'))?.revision).toBe(1)
  })
})
