// The Express middleware through real Express 5 and Express 4 apps on 127.0.0.1, called with
// fetch, against a real core verifier (inline keys), a verifier whose JWKS is unreachable, a
// registry guard, and a recording guard (for the translated request, including mutual TLS).
import { X509Certificate } from 'node:crypto'
import { request as httpsRequest } from 'node:https'
import { connect } from 'node:net'
import { ConfigError, createVerifier, defineAuthorizationServer, type Jwk, type RequestGuard, type TokenRequest, type Verifier } from '@tokenward/core'
import { type Organization } from '@tokenward/core/organization'
import { createInMemoryOrganizationStore, createRegistryVerifier, registryGuard, type RegistryVerifier } from '@tokenward/registry'
import type { ErrorRequestHandler, Express, RequestHandler, Router } from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeKey, mint, now, startJwksServer, type JwksServer, type TestKey } from '../../core/src/testing/mint.test-support.ts'
import { createTestCertificateAuthority, type TestCertificate } from '../../core/src/platform/tls-fixture.test-support.ts'
import { requireApiRoles, tokenward, toTokenRequest } from './middleware.ts'
import { frameworks, serve, type RunningServer } from './serve.test-support.ts'

const organization = { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly', 'Admin'] }

let key: TestKey
let guard: Verifier
let downGuard: Verifier
let jwks: JwksServer
let registry: RegistryVerifier
beforeAll(async () => {
  key = await makeKey('ES256', 'k1')
  guard = createVerifier({ server: { name: 'Test', jwks: { keys: [key.publicJwk as Jwk] }, issuer: 'https://idp.test' }, organization })
  downGuard = createVerifier({ server: { name: 'Down', jwksUrl: 'http://127.0.0.1:1/jwks', issuer: 'https://idp.test' }, organization })
  jwks = await startJwksServer([key.publicJwk])
  const org: Organization = {
    ...organization,
    apiRoles: { ReadOnly: ['reports'], Admin: ['reports', 'policies'] },
    subscriptionValidUntil: now() + 86_400,
    suspension: undefined,
    authorizationServers: [defineAuthorizationServer({ name: 'Okta1', jwksUrl: jwks.url, issuer: 'https://idp.test' })],
    revision: 1,
  }
  registry = createRegistryVerifier({ store: createInMemoryOrganizationStore([org]), jwks: { addressPolicy: { developmentLoopback: true } } })
})
afterAll(async () => {
  await Promise.all([guard.close(), downGuard.close(), registry.close(), jwks.close()])
})

/** Records every translated request, then lets the real guard decide. */
function recordingGuard(): RequestGuard & { readonly requests: TokenRequest[] } {
  const requests: TokenRequest[] = []
  return { requests, verifyRequest: (request, options) => (requests.push(request), guard.verifyRequest(request, options)) }
}

const throwingGuard: RequestGuard = {
  verifyRequest: async () => {
    throw new Error('store unreachable')
  },
}

const syncThrowingGuard: RequestGuard = {
  verifyRequest: async () => {
    throw new Error('not this one')
  },
  verifyRequestNow: () => {
    throw new Error('sync fault')
  },
}

/** Counts which door the middleware used; the real verifier decides. */
const doorCounts = { now: 0, promised: 0, now_settledDirectly: 0 }
const countingGuard: RequestGuard = {
  verifyRequest: (request, options) => (doorCounts.promised++, guard.verifyRequest(request, options)),
  verifyRequestNow: (request, options) => {
    doorCounts.now++
    const verdict = guard.verifyRequestNow(request, options)
    if (!(verdict instanceof Promise)) doorCounts.now_settledDirectly++
    return verdict
  },
}

function routes(app: Express, router: Router, recorder: RequestGuard): void {
  const whoami: RequestHandler = (req, res) => {
    res.json({ hasAuth: req.auth !== undefined, clientId: req.auth?.clientId, adminId: req.auth?.authorization?.adminId })
  }
  app.get('/api/whoami', tokenward({ guard }), whoami)
  app.delete('/api/policies/1', tokenward({ guard }), requireApiRoles(['Admin'], { guard }), whoami)
  app.get('/optional/whoami', tokenward({ guard, optional: true }), whoami)
  app.get('/down/whoami', tokenward({ guard: downGuard }), whoami)
  app.get('/optional-down/whoami', tokenward({ guard: downGuard, optional: true }), whoami)
  app.get('/throws', tokenward({ guard: throwingGuard }), whoami)
  app.get('/sync-throws', tokenward({ guard: syncThrowingGuard }), whoami)
  app.get('/counted', tokenward({ guard: countingGuard }), whoami)
  app.get('/orgs/:orgId/reports', tokenward({ guard: registryGuard(registry, { path: '/orgs/:orgId/*' }) }), whoami)
  router.get('/:name', tokenward({ guard: recorder }), whoami)
  app.use('/mounted', router)
  const onError: ErrorRequestHandler = (error: Error, _req, res, _next) => {
    res.status(500).json({ caught: error.message })
  }
  app.use(onError)
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

/** Sends a request with two separate Authorization lines (fetch would join them into one). */
function rawTwoAuthorizationLines(port: number, token: string, path = '/api/whoami', secondName = 'Authorization'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n${secondName}: Bearer ${token}\r\nConnection: close\r\n\r\n`)
    })
    let answer = ''
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')))
    socket.on('end', () => resolve(answer))
    socket.on('error', reject)
  })
}

describe.each(frameworks)('tokenward() on $name', ({ express }) => {
  let server: RunningServer
  const recorder = recordingGuard()
  beforeAll(async () => {
    const app = express()
    routes(app, express.Router(), recorder)
    server = await serve(app)
  })
  afterAll(() => server.close())
  const get = (path: string, headers: HeadersInit = {}, method = 'GET') => fetch(`${server.origin}${path}`, { method, headers })

  it('accepts a valid token and hands the route req.auth', async () => {
    const res = await get('/api/whoami', bearer(await mint(key)))
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ hasAuth: true, clientId: 'client-1', adminId: 'oauth-ReadOnly$@12345.zscloud.net' })
  })

  it('answers a missing token with 401 and a bare Bearer challenge', async () => {
    const res = await get('/api/whoami')
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toBe('Bearer')
    expect(res.headers.has('www-authentication')).toBe(false)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect(await res.json()).toMatchObject({ error: 'unauthorized', code: 'missing_token' })
  })

  it('answers an expired token with 401 invalid_token', async () => {
    const res = await get('/api/whoami', bearer(await mint(key, { claims: { exp: now() - 3600, iat: now() - 7200 } })))
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token", error_description="[^"]+"$/)
    expect(await res.json()).toMatchObject({ error: 'invalid_token' })
  })

  it('lets requireApiRoles refuse a token without the role (403) and accept one with it', async () => {
    const readOnly = await get('/api/policies/1', bearer(await mint(key)), 'DELETE')
    expect(readOnly.status).toBe(403)
    expect(readOnly.headers.get('www-authenticate')).toContain('error="insufficient_scope"')
    expect(readOnly.headers.get('www-authenticate')).toContain('scope="zscloud::12345::Admin"')
    expect(await readOnly.json()).toMatchObject({ error: 'insufficient_scope', code: 'insufficient_scope' })

    const admin = await get('/api/policies/1', bearer(await mint(key, { claims: { scope: 'zscloud::12345::ReadOnly zscloud::12345::Admin' } })), 'DELETE')
    expect(admin.status).toBe(200)
    // req.auth now names the role that allowed this route.
    expect(await admin.json()).toMatchObject({ adminId: 'oauth-Admin$@12345.zscloud.net' })
  })

  it('answers two Authorization values with 400 invalid_request, joined or on separate lines', async () => {
    const token = await mint(key)
    const headers = new Headers()
    headers.append('authorization', `Bearer ${token}`)
    headers.append('authorization', `Bearer ${token}`)
    const joined = await get('/api/whoami', headers)
    expect(joined.status).toBe(400)
    expect(joined.headers.get('www-authenticate')).toContain('error="invalid_request"')
    // Node's req.headers keeps only the first Authorization line; the adapter reads every line.
    for (const secondName of ['Authorization', 'AUTHORIZATION']) {
      const raw = await rawTwoAuthorizationLines(server.port, token, '/api/whoami', secondName)
      expect(raw).toMatch(/^HTTP\/1\.1 400 /)
      expect(raw).toMatch(/\r\nWWW-Authenticate: Bearer error="invalid_request"/i)
    }
  })

  it('answers an unreachable JWKS with 503 and Retry-After, never a 401 challenge', async () => {
    const res = await get('/down/whoami', bearer(await mint(key)))
    expect(res.status).toBe(503)
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(res.headers.has('www-authenticate')).toBe(false)
    expect(await res.json()).toMatchObject({ error: 'temporarily_unavailable' })
  })

  it('lets optional auth through only without a token', async () => {
    const missing = await get('/optional/whoami')
    expect(missing.status).toBe(200)
    expect(await missing.json()).toEqual({ hasAuth: false })

    const valid = await get('/optional/whoami', bearer(await mint(key)))
    expect(await valid.json()).toMatchObject({ hasAuth: true, clientId: 'client-1' })

    const bad = await get('/optional/whoami', bearer('abc.def.ghi'))
    expect(bad.status).toBe(401)
    expect(bad.headers.get('www-authenticate')).toContain('error="invalid_token"')

    const malformed = await get('/optional/whoami', { authorization: 'Bearer ' })
    expect(malformed.status).toBe(400)

    const outage = await get('/optional-down/whoami', bearer(await mint(key)))
    expect(outage.status).toBe(503)
    expect(outage.headers.has('www-authenticate')).toBe(false)
  })

  it('passes a throwing guard to the Express error handler', async () => {
    const res = await get('/throws', bearer(await mint(key)))
    expect(res.status).toBe(500)
    expect(await res.json()).toEqual({ caught: 'store unreachable' })
  })

  it('passes a guard that throws synchronously to the Express error handler', async () => {
    const res = await get('/sync-throws', bearer(await mint(key)))
    expect(res.status).toBe(500)
    expect(await res.json()).toEqual({ caught: 'sync fault' })
  })

  it('prefers verifyRequestNow; with fresh keys the verdict comes back directly, refusals too', async () => {
    await guard.warm()
    const before = { ...doorCounts }
    const token = await mint(key)
    for (let i = 0; i < 3; i++) expect((await get('/counted', bearer(token))).status).toBe(200)
    expect((await get('/counted', bearer(await mint(key, { claims: { exp: now() - 600 } })))).status).toBe(401)
    expect((await get('/counted', { authorization: 'Bearer a!b' })).status).toBe(400)
    expect(doorCounts.now - before.now).toBe(5)
    expect(doorCounts.now_settledDirectly - before.now_settledDirectly).toBe(5)
    expect(doorCounts.promised - before.promised).toBe(0)
  })

  it('checks requests against the registry: the organization from the path', async () => {
    const ok = await get('/orgs/12345/reports', bearer(await mint(key)))
    expect(ok.status).toBe(200)
    expect(await ok.json()).toMatchObject({ clientId: 'client-1', adminId: 'oauth-ReadOnly$@12345.zscloud.net' })

    const unknown = await get('/orgs/99999/reports', bearer(await mint(key)))
    expect(unknown.status).toBe(401)
    expect(await unknown.json()).toMatchObject({ code: 'server_disabled' })
  })

  it('translates method, the original URL (inside a router) and the headers; no client certificate over plain HTTP', async () => {
    const token = await mint(key)
    await get('/mounted/x?y=1', { ...bearer(token), 'x-org-id': '12345' })
    const seen = recorder.requests.at(-1)!
    expect(seen.method).toBe('GET')
    // The absolute URL: the local address the client connected to (never its Host header), the path as sent.
    expect(seen.url).toBe(`http://127.0.0.1:${server.port}/mounted/x?y=1`)
    expect(seen.headers).toMatchObject({ authorization: `Bearer ${token}`, 'x-org-id': '12345' })
    expect(seen.clientCertificate).toBeUndefined()
    // Node's req.headers keeps one Authorization line: with two, the core is handed every line.
    await rawTwoAuthorizationLines(server.port, token, '/mounted/x')
    expect(recorder.requests.at(-1)!.headers).toMatchObject({ authorization: [`Bearer ${token}`, `Bearer ${token}`] })
  })

  it('toTokenRequest hands over every header line', () => {
    const req = { method: 'POST', originalUrl: '/a?b=1', headersDistinct: { authorization: ['Bearer x'], 'x-a': ['1', '2'] }, socket: {} }
    expect(toTokenRequest(req as unknown as Parameters<typeof toTokenRequest>[0])).toEqual({ method: 'POST', url: 'http://localhost/a?b=1', headers: { authorization: ['Bearer x'], 'x-a': ['1', '2'] } })
    expect(toTokenRequest(req as unknown as Parameters<typeof toTokenRequest>[0], { publicOrigin: 'https://api.example.com' }).url).toBe('https://api.example.com/a?b=1')
  })
})

describe('tokenward() options', () => {
  it('checks the URL options when the middleware is built, naming each bad field', () => {
    let error: unknown
    try {
      tokenward({ guard, publicOrigin: 'api.example.com', trustedProxies: ['10.0.0.0/8', 'proxy.internal'] })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).issues.map((i) => i.path)).toEqual(['publicOrigin', 'trustedProxies[1]'])
    expect(() => requireApiRoles(['Admin'], { guard, trustHostHeader: 'yes' as never })).toThrow(ConfigError)
  })
})

describe.each(frameworks)('mutual TLS on $name', ({ express }) => {
  const ca = createTestCertificateAuthority()
  const serverCert = ca.issue({ ipAddresses: ['127.0.0.1'] })
  const clientCert = ca.issue({ dnsNames: ['client.test'] })
  const recorder = recordingGuard()
  let server: RunningServer
  beforeAll(async () => {
    const app = express()
    app.get('/whoami', tokenward({ guard: recorder, optional: true }), (req, res) => res.json({ hasAuth: req.auth !== undefined }))
    server = await serve(app, {
      cert: serverCert.certificatePem,
      key: serverCert.privateKeyPem,
      ca: [ca.certificatePem],
      requestCert: true,
      // The certificate reaches the core whether or not it chains to a trusted CA (RFC 8705 also
      // allows self-signed certificates); whether to demand a trusted one is the TLS server's choice.
      rejectUnauthorized: false,
    })
  })
  afterAll(() => server.close())

  const call = (client: TestCertificate | undefined, token: string) =>
    new Promise<number>((resolve, reject) => {
      const req = httpsRequest(`${server.origin}/whoami`, {
        ca: ca.certificatePem,
        headers: { authorization: `Bearer ${token}` },
        agent: false,
        ...(client === undefined ? {} : { cert: client.certificatePem, key: client.privateKeyPem }),
      })
      req.on('response', (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      })
      req.on('error', reject)
      req.end()
    })

  it('hands the guard the DER client certificate, and none when the client sends none', async () => {
    const token = await mint(key)
    expect(await call(clientCert, token)).toBe(200)
    const withCert = recorder.requests.at(-1)!
    expect(Buffer.from(withCert.clientCertificate!.raw)).toEqual(new X509Certificate(clientCert.certificatePem).raw)

    expect(await call(undefined, token)).toBe(200)
    expect(recorder.requests.at(-1)!.clientCertificate).toBeUndefined()
  })
})
