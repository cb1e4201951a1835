// RBAC over API resources through real Express 5 and Express 4 apps on 127.0.0.1: a route's own
// `resource`, `requireApiResource`, a table on the middleware, and a registry guard whose
// organization's apiRoles map decides.
import { createVerifier, defineApiResources, defineAuthorizationServer, type Jwk, type Verifier } from '@tokenward/core'
import { type Organization } from '@tokenward/core/organization'
import { createInMemoryOrganizationStore, createRegistryVerifier, registryGuard, type RegistryVerifier } from '@tokenward/registry'
import type { Express, RequestHandler } from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeKey, mint, now, startJwksServer, type JwksServer, type TestKey } from '../../core/src/testing/mint.test-support.ts'
import { requireApiResource, tokenward } from './middleware.ts'
import { frameworks, serve, type RunningServer } from './serve.test-support.ts'

const apiRoles = { ReadOnly: ['reports'], Admin: ['reports', 'policies'] }
const organization = { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: Object.keys(apiRoles), apiRoleCategories: apiRoles }
const resources = defineApiResources([
  { category: 'reports', routes: [{ method: 'GET', path: '/table/orgs/{orgId}/reports' }] },
  { category: 'policies', routes: [{ method: 'DELETE', path: '/table/orgs/{orgId}/policies/{id}' }] },
])

let key: TestKey
let guard: Verifier
let jwks: JwksServer
let registry: RegistryVerifier
beforeAll(async () => {
  key = await makeKey('ES256', 'k1')
  guard = createVerifier({ server: { name: 'Test', jwks: { keys: [key.publicJwk as Jwk] }, issuer: 'https://idp.test' }, organization })
  jwks = await startJwksServer([key.publicJwk])
  const org: Organization = {
    ...organization,
    apiRoles,
    subscriptionValidUntil: now() + 86_400,
    suspension: undefined,
    authorizationServers: [defineAuthorizationServer({ name: 'Okta1', jwksUrl: jwks.url, issuer: 'https://idp.test' })],
    revision: 1,
  }
  registry = createRegistryVerifier({ store: createInMemoryOrganizationStore([org]), jwks: { addressPolicy: { developmentLoopback: true } } })
})
afterAll(async () => {
  await Promise.all([guard.close(), registry.close(), jwks.close()])
})

const whoami: RequestHandler = (req, res) => {
  res.json({ role: req.auth?.authorization?.apiRole.role })
}

function routes(app: Express): void {
  app.get('/orgs/:orgId/reports', tokenward({ guard, resource: 'reports' }), whoami)
  app.delete('/orgs/:orgId/policies/:id', requireApiResource('policies', { guard }), whoami)
  app.use('/table', tokenward({ guard, resources }))
  app.get('/table/orgs/:orgId/reports', whoami)
  app.delete('/table/orgs/:orgId/policies/:id', whoami)
  app.get('/table/orgs/:orgId/unlisted', whoami)
  const registered = registryGuard(registry, { param: 'orgId' })
  app.delete('/registry/orgs/:orgId/policies/:id', requireApiResource('policies', { guard: registered }), whoami)
}

describe.each(frameworks)('API resources with $name', ({ express }) => {
  let server: RunningServer
  beforeAll(async () => {
    const app = express()
    routes(app)
    server = await serve(app)
  })
  afterAll(() => server.close())

  const call = async (method: string, path: string, scope: string) =>
    fetch(`${server.origin}${path}`, { method, headers: { authorization: `Bearer ${await mint(key, { claims: { scope } })}` } })
  const readOnly = 'zscloud::12345::ReadOnly'
  const admin = 'zscloud::12345::Admin'

  it('a route’s resource: a role granting the category passes, naming the role', async () => {
    const r = await call('GET', '/orgs/12345/reports', readOnly)
    expect(r.status).toBe(200)
    expect(await r.json()).toEqual({ role: 'ReadOnly' })
  })

  it('requireApiResource refuses 403 insufficient_scope naming the category and the scope that would pass', async () => {
    const r = await call('DELETE', '/orgs/12345/policies/1', readOnly)
    expect(r.status).toBe(403)
    expect(r.headers.get('www-authenticate')).toBe(
      'Bearer error="insufficient_scope", error_description="This call serves the API resource category policies: it needs one of zscloud::12345::Admin", scope="zscloud::12345::Admin"',
    )
    expect(await r.json()).toMatchObject({ error: 'insufficient_scope', code: 'insufficient_scope' })
    expect((await call('DELETE', '/orgs/12345/policies/1', admin)).status).toBe(200)
  })

  it('a table on the middleware: mapped routes by category, unmapped and disguised paths refused', async () => {
    expect((await call('GET', '/table/orgs/12345/reports', readOnly)).status).toBe(200)
    expect((await call('DELETE', '/table/orgs/12345/policies/1', readOnly)).status).toBe(403)
    expect((await call('DELETE', '/table/orgs/12345/policies/1', admin)).status).toBe(200)
    expect((await call('GET', '/table/orgs/12345/unlisted', admin)).status).toBe(403)
    // Express routes /REPORTS to the reports handler (case-insensitive by default); the table refuses to guess.
    expect((await call('GET', '/table/orgs/12345/REPORTS', readOnly)).status).toBe(403)
  })

  it('a registry guard checks the organization’s own role → categories map', async () => {
    expect((await call('DELETE', '/registry/orgs/12345/policies/1', readOnly)).status).toBe(403)
    expect((await call('DELETE', '/registry/orgs/12345/policies/1', admin)).status).toBe(200)
  })
})

describe('options are checked when the middleware is built', () => {
  it('refuses a bad resource or a table not built by defineApiResources', () => {
    expect(() => tokenward({ guard, resource: '' })).toThrow(TypeError)
    expect(() => tokenward({ guard, resources: [] as never })).toThrow(/defineApiResources/)
  })
})
