import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../errors.ts'
import { defineApiResources } from '../scope/api-resource-table.ts'
import { makeKey, mint, startJwksServer, type JwksServer, type TestKey } from '../testing/mint.test-support.ts'
import { createVerifier, type CreateVerifierOptions, type Verifier } from './create-verifier.ts'
import type { RequestVerdict } from './types.ts'

let rsa: TestKey
let jwks: JwksServer
const open: Verifier[] = []

beforeAll(async () => {
  rsa = await makeKey('RS256', 'rsa-1')
  jwks = await startJwksServer([rsa.publicJwk])
})
afterAll(() => jwks.close())
afterEach(async () => {
  await Promise.all(open.splice(0).map((v) => v.close()))
})

const resources = defineApiResources([
  { category: 'reports', routes: [{ method: 'GET', path: '/orgs/{orgId}/reports' }] },
  { category: 'policies', routes: [{ method: '*', path: '/orgs/{orgId}/policies/{id}' }] },
  { category: null, routes: [{ method: 'GET', path: '/orgs/{orgId}/whoami' }] },
])
const organization = {
  cloud: 'zscloud',
  orgId: '12345',
  cloudDomain: 'zscloud.net',
  apiRoles: ['ReadOnly', 'Admin'],
  apiRoleCategories: { ReadOnly: ['reports'], Admin: ['reports', 'policies'] },
}
const server = () => ({ name: 'TestIdP', jwksUrl: jwks.url, issuer: 'https://idp.test', audience: 'api://orders' })
function verifier(options: Partial<CreateVerifierOptions> = {}): Verifier {
  const v = createVerifier({ server: server(), organization, resources, ...options })
  open.push(v)
  return v
}
const request = (method: string, path: string, token: string) => ({ method, url: `https://api.example.com${path}`, headers: { authorization: `Bearer ${token}` } })
const readOnly = () => mint(rsa, { claims: { scope: 'zscloud::12345::ReadOnly' } })
const refusal = (verdict: RequestVerdict) => {
  if (verdict.ok) throw new Error('expected a refusal')
  return verdict
}

describe('the authorize stage with API resources', () => {
  it('grants a route whose category one of the token’s roles grants, naming that role', async () => {
    const v = verifier()
    const verdict = await v.verifyRequest(request('GET', '/orgs/12345/reports?page=2', await readOnly()))
    expect(verdict.ok && verdict.token.authorization).toEqual({ apiRole: { cloud: 'zscloud', orgId: '12345', role: 'ReadOnly' }, adminId: 'oauth-ReadOnly$@12345.zscloud.net' })
  })

  it('refuses 403 insufficient_scope at the authorize stage, naming the category and the scope that would pass — on the first request (after the key fetch) and from the cache', async () => {
    const v = verifier()
    const token = await readOnly()
    for (let i = 0; i < 4; i++) {
      const { error, response } = refusal(await v.verifyRequest(request('DELETE', '/orgs/12345/policies/9', token)))
      expect(error).toMatchObject({ code: 'insufficient_scope', status: 403, stage: 'authorize', requiredScope: ['zscloud::12345::Admin'] })
      expect(response.status).toBe(403)
      expect(response.headers['www-authenticate']).toBe(
        'Bearer error="insufficient_scope", error_description="This call serves the API resource category policies: it needs one of zscloud::12345::Admin", scope="zscloud::12345::Admin"',
      )
    }
    // The same token, now cached, still passes where its role grants the category.
    expect((await v.verifyRequest(request('GET', '/orgs/12345/reports', token))).ok).toBe(true)
    const sync = v.verifyRequestNow(request('DELETE', '/orgs/12345/policies/9', token))
    expect(sync).not.toBeInstanceOf(Promise)
    expect((sync as RequestVerdict).ok).toBe(false)
  })

  it('refuses unmapped and ambiguous paths by default; a category: null row lets any role of the organization through', async () => {
    const v = verifier()
    const token = await readOnly()
    expect(refusal(await v.verifyRequest(request('GET', '/orgs/12345/admin', token))).response.status).toBe(403)
    expect(refusal(await v.verifyRequest(request('GET', '/orgs/12345/reports/..%2fpolicies%2f9', token))).error.message).toMatch(/more than one API resource/)
    expect((await v.verifyRequest(request('GET', '/orgs/12345/whoami', token))).ok).toBe(true)
    // Still a role of this organization: another organization's Admin role opens nothing.
    const foreign = await mint(rsa, { claims: { scope: 'zscloud::99999::Admin' } })
    expect(refusal(await v.verifyRequest(request('GET', '/orgs/12345/whoami', foreign))).response.status).toBe(403)
    expect(refusal(await v.verifyRequest(request('GET', '/orgs/12345/reports', foreign))).response.status).toBe(403)
  })

  it('a per-call resource wins over the table; requiredRoles narrows further', async () => {
    const v = verifier()
    const admin = await mint(rsa, { claims: { scope: 'zscloud::12345::Admin' } })
    expect((await v.verifyRequest(request('GET', '/orgs/12345/anything', admin), { resource: 'policies' })).ok).toBe(true)
    expect((await v.verifyRequest(request('GET', '/orgs/12345/reports', await readOnly()), { resource: 'policies' })).ok).toBe(false)
    expect((await v.verifyRequest(request('GET', '/orgs/12345/reports', admin), { requiredRoles: ['ReadOnly'] })).ok).toBe(false)
  })

  it('verify(token) names its resource; without one, a verifier with a table rejects the call as a fault', async () => {
    const v = verifier()
    const token = await readOnly()
    expect((await v.verify(token, { resource: 'reports' })).authorization?.apiRole.role).toBe('ReadOnly')
    await expect(v.verify(token, { resource: 'policies' })).rejects.toMatchObject({ code: 'insufficient_scope' })
    await expect(v.verify(token)).rejects.toThrow(TypeError)
  })

  it('a per-call table works on a verifier without one', async () => {
    const v = verifier({ resources: undefined })
    const token = await readOnly()
    expect((await v.verifyRequest(request('DELETE', '/orgs/12345/policies/1', token))).ok).toBe(true) // no category asked: any role
    expect((await v.verifyRequest(request('DELETE', '/orgs/12345/policies/1', token), { resources })).ok).toBe(false)
  })

  it('is checked when built', () => {
    const { apiRoleCategories: _, ...withoutCategories } = organization
    expect(() => verifier({ organization: withoutCategories })).toThrow(ConfigError)
    expect(() => verifier({ organization: withoutCategories })).toThrow(/organization\.apiRoleCategories: is needed with resources/)
    expect(() => verifier({ resources: [{ category: 'x', routes: [] }] as never })).toThrow(/resources: must be a table built by defineApiResources/)
    expect(() => verifier({ organization: { ...organization, apiRoleCategories: { Admin: 'x' } as never } })).toThrow(/organization\.apiRoleCategories\["Admin"\]/)
  })
})
