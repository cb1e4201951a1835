// withTokenward with API resource categories, through a real core verifier: a handler's own
// resource, and one handler in front of many routes with a table.
import { createVerifier, defineApiResources, type Jwk, type VerifiedAccessToken, type Verifier } from '@tokenward/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeKey, mint, type TestKey } from '../../core/src/testing/mint.test-support.ts'
import { withTokenward } from './index.ts'

const apiRoles = { ReadOnly: ['reports'], Admin: ['reports', 'policies'] }
const organization = { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: Object.keys(apiRoles), apiRoleCategories: apiRoles }
const resources = defineApiResources([
  { category: 'reports', routes: [{ method: 'GET', path: '/reports' }] },
  { category: 'policies', routes: [{ method: 'DELETE', path: '/policies/{id}' }] },
])
let key: TestKey
let verifier: Verifier
beforeAll(async () => {
  key = await makeKey('ES256', 'k1')
  verifier = createVerifier({ server: { name: 'Test', jwks: { keys: [key.publicJwk as Jwk] }, issuer: 'https://idp.test' }, organization })
})
afterAll(() => verifier.close())

const role = (_request: Request, auth: VerifiedAccessToken) => Response.json({ role: auth.authorization?.apiRole.role })
const call = async (handler: (request: Request) => Promise<Response>, method: string, path: string, scope: string) =>
  handler(new Request(`https://api.test${path}`, { method, headers: { authorization: `Bearer ${await mint(key, { claims: { scope } })}` } }))

describe('withTokenward and API resources', () => {
  it('a handler’s resource: a role granting the category passes; another gets 403 naming the category', async () => {
    const policies = withTokenward(role, { guard: verifier, resource: 'policies' })
    const refused = await call(policies, 'DELETE', '/policies/1', 'zscloud::12345::ReadOnly')
    expect(refused.status).toBe(403)
    expect(refused.headers.get('www-authenticate')).toBe(
      'Bearer error="insufficient_scope", error_description="This call serves the API resource category policies: it needs one of zscloud::12345::Admin", scope="zscloud::12345::Admin"',
    )
    const allowed = await call(policies, 'DELETE', '/policies/1', 'zscloud::12345::Admin')
    expect(await allowed.json()).toEqual({ role: 'Admin' })
  })

  it('a table: each route by its category; unmapped and dot-segment paths refused', async () => {
    const app = withTokenward(role, { guard: verifier, resources })
    expect((await call(app, 'GET', '/reports', 'zscloud::12345::ReadOnly')).status).toBe(200)
    expect((await call(app, 'DELETE', '/policies/1', 'zscloud::12345::ReadOnly')).status).toBe(403)
    expect((await call(app, 'DELETE', '/policies/1', 'zscloud::12345::Admin')).status).toBe(200)
    expect((await call(app, 'GET', '/other', 'zscloud::12345::Admin')).status).toBe(403)
    // `new Request` resolves literal dot segments; an encoded one reaches the table as sent.
    expect((await call(app, 'DELETE', '/reports/%2e%2e/policies/1', 'zscloud::12345::ReadOnly')).status).toBe(403)
  })

  it('checks its options when built', () => {
    expect(() => withTokenward(role, { guard: verifier, resource: '' })).toThrow(TypeError)
    expect(() => withTokenward(role, { guard: verifier, resources: {} as never })).toThrow(/defineApiResources/)
  })
})
