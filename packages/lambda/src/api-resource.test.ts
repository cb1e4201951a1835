// RBAC over API resources in the Lambda handlers, through a real core verifier and the documented
// events: a TOKEN authorizer matches the verb and path of methodArn, an HTTP API authorizer its
// method and rawPath, withTokenward a proxy event's.
import { createVerifier, defineApiResources, type Jwk, type Verifier } from '@tokenward/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeKey, mint, type TestKey } from '../../core/src/testing/mint.test-support.ts'
import { httpApiAuthorizerEvent, httpApiEvent, tokenAuthorizerEvent } from './fixtures/aws-events.test-support.ts'
import { httpApiAuthorizer } from './http-api-authorizer.ts'
import { tokenAuthorizer } from './rest-authorizer.ts'
import { withTokenward } from './with-tokenward.ts'
import type { ApiGatewayProxyResultV1 } from './types.ts'

const apiRoles = { ReadOnly: ['reports'], Admin: ['reports', 'policies'] }
const organization = { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: Object.keys(apiRoles), apiRoleCategories: apiRoles }
const apiResources = defineApiResources([
  { category: 'reports', routes: [{ method: 'GET', path: '/orgs/{orgId}/reports' }] },
  { category: 'policies', routes: [{ method: 'DELETE', path: '/orgs/{orgId}/policies/{id}' }] },
])
let key: TestKey
let verifier: Verifier
beforeAll(async () => {
  key = await makeKey('RS256', 'rsa-1')
  verifier = createVerifier({ server: { name: 'Test', jwks: { keys: [key.publicJwk as Jwk] }, issuer: 'https://idp.test' }, organization })
})
afterAll(() => verifier.close())
const token = (role: string) => mint(key, { claims: { scope: `zscloud::12345::${role}` } })
const arn = (verbAndPath: string) => `arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/${verbAndPath}`

describe('TOKEN authorizer with apiResources', () => {
  const decide = async (verbAndPath: string, role: string) =>
    tokenAuthorizer({ guard: verifier, apiResources })({ ...tokenAuthorizerEvent, authorizationToken: `Bearer ${await token(role)}`, methodArn: arn(verbAndPath) })

  it('allows a method whose category the role grants, and denies (403) one it does not', async () => {
    const allowed = await decide('GET/orgs/12345/reports', 'ReadOnly')
    expect(allowed.policyDocument.Statement[0]).toMatchObject({ Effect: 'Allow', Resource: arn('GET/orgs/12345/reports') })
    const denied = await decide('DELETE/orgs/12345/policies/1', 'ReadOnly')
    expect(denied.policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny', Resource: arn('DELETE/orgs/12345/policies/1') })
    expect(denied.context).toEqual({ error: 'insufficient_scope', code: 'insufficient_scope' })
    expect((await decide('DELETE/orgs/12345/policies/1', 'Admin')).policyDocument.Statement[0]!.Effect).toBe('Allow')
    expect((await decide('GET/orgs/12345/unlisted', 'Admin')).policyDocument.Statement[0]!.Effect).toBe('Deny')
  })

  it("refuses a stage-wide policy with apiResource(s): a cached Allow would open other categories' routes", () => {
    expect(() => tokenAuthorizer({ guard: verifier, apiResources, resource: 'stage' })).toThrow(/cannot be combined/)
    expect(() => tokenAuthorizer({ guard: verifier, apiResource: 'reports', resource: 'stage' })).toThrow(/cannot be combined/)
    expect(() => tokenAuthorizer({ guard: verifier, apiResources: [] as never })).toThrow(/defineApiResources/)
  })
})

describe('HTTP API authorizer and withTokenward with apiResource(s)', () => {
  it('an HTTP API authorizer matches method and rawPath', async () => {
    const handler = httpApiAuthorizer({ guard: verifier, apiResources })
    const event = (method: string, rawPath: string, role: string) =>
      token(role).then((t) => ({ ...httpApiAuthorizerEvent, rawPath, headers: { authorization: `Bearer ${t}` }, requestContext: { ...httpApiAuthorizerEvent.requestContext, http: { ...httpApiAuthorizerEvent.requestContext.http, method, path: rawPath } } }))
    expect((await handler(await event('DELETE', '/orgs/12345/policies/1', 'ReadOnly'))).isAuthorized).toBe(false)
    expect((await handler(await event('DELETE', '/orgs/12345/policies/1', 'Admin'))).isAuthorized).toBe(true)
  })

  it('an HTTP API authorizer looks up the route API Gateway matched (routeKey); $default falls back to rawPath', async () => {
    const handler = httpApiAuthorizer({ guard: verifier, apiResources })
    const event = async (routeKey: string, method: string, rawPath: string, role: string) => ({
      ...httpApiAuthorizerEvent,
      routeKey,
      rawPath,
      headers: { authorization: `Bearer ${await token(role)}` },
      requestContext: { ...httpApiAuthorizerEvent.requestContext, http: { ...httpApiAuthorizerEvent.requestContext.http, method, path: rawPath } },
    })
    // The route decides, whatever the raw path looks like.
    expect((await handler(await event('DELETE /orgs/{orgId}/policies/{id}', 'DELETE', '/orgs/12345/policies/a%2Fb', 'ReadOnly'))).isAuthorized).toBe(false)
    expect((await handler(await event('DELETE /orgs/{orgId}/policies/{id}', 'DELETE', '/orgs/12345/policies/a%2Fb', 'Admin'))).isAuthorized).toBe(true)
    expect((await handler(await event('ANY /{proxy+}', 'GET', '/orgs/12345/reports', 'Admin'))).isAuthorized).toBe(false)
    expect((await handler(await event('$default', 'GET', '/orgs/12345/reports', 'ReadOnly'))).isAuthorized).toBe(true)
  })

  // Regression: with unmapped: 'any-role', a greedy route key ({proxy+}) was read as an unmapped
  // route, so any role of the organization passed every path behind it (a ReadOnly token could
  // DELETE a policy). A route key the table cannot read now decides nothing and is refused.
  it("an HTTP API authorizer refuses a greedy route key even when the table lets unmapped routes through", async () => {
    const open = defineApiResources([...apiResources.rows], { unmapped: 'any-role' })
    const handler = httpApiAuthorizer({ guard: verifier, apiResources: open })
    const event = async (routeKey: string, method: string, rawPath: string, role: string) => ({
      ...httpApiAuthorizerEvent,
      routeKey,
      rawPath,
      headers: { authorization: `Bearer ${await token(role)}` },
      requestContext: { ...httpApiAuthorizerEvent.requestContext, http: { ...httpApiAuthorizerEvent.requestContext.http, method, path: rawPath } },
    })
    for (const routeKey of ['ANY /{proxy+}', 'DELETE /orgs/{orgId}/{proxy+}']) {
      expect((await handler(await event(routeKey, 'DELETE', '/orgs/12345/policies/1', 'ReadOnly'))).isAuthorized, routeKey).toBe(false)
    }
    // A route the table does not list is still open to any role, as the option says.
    expect((await handler(await event('GET /health', 'GET', '/health', 'ReadOnly'))).isAuthorized).toBe(true)
    expect((await handler(await event('DELETE /orgs/{orgId}/policies/{id}', 'DELETE', '/orgs/12345/policies/1', 'ReadOnly'))).isAuthorized).toBe(false)
  })

  it('withTokenward with apiResource answers 403 insufficient_scope naming the category', async () => {
    const handler = withTokenward(async (): Promise<ApiGatewayProxyResultV1> => ({ statusCode: 200, body: 'ok' }), { guard: verifier, apiResource: 'policies' })
    const event = async (role: string) => ({ ...httpApiEvent, headers: { ...httpApiEvent.headers, authorization: `Bearer ${await token(role)}` } })
    const refused = (await handler(await event('ReadOnly'), {} as never)) as { statusCode: number; headers: Record<string, string> }
    expect(refused.statusCode).toBe(403)
    expect(refused.headers['www-authenticate']).toContain('error_description="This call serves the API resource category policies: it needs one of zscloud::12345::Admin", scope="zscloud::12345::Admin"')
    expect(((await handler(await event('Admin'), {} as never)) as { statusCode: number }).statusCode).toBe(200)
  })
})
