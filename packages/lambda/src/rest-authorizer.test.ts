import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isTokenwardError, type RequestGuard, type TokenRequest } from '@tokenward/core'
import { requestAuthorizerEvent, tokenAuthorizerEvent } from './fixtures/aws-events.test-support.ts'
import { requestAuthorizer, tokenAuthorizer, type RestAuthorizerOptions } from './rest-authorizer.ts'
import { setup, type Setup } from './testing/events.test-support.ts'
import type { AuthorizerPolicy, RequestAuthorizerEvent, TokenAuthorizerEvent } from './types.ts'

let s: Setup
beforeAll(async () => {
  s = await setup()
})
afterAll(() => s.close())

const methodArn = tokenAuthorizerEvent.methodArn

/** Both REST authorizers, each given the Authorization values the way its event carries them. */
const authorizers = {
  TOKEN: (options: RestAuthorizerOptions) => {
    const handler = tokenAuthorizer(options)
    return (authorization: readonly string[]): Promise<AuthorizerPolicy> =>
      handler({ ...tokenAuthorizerEvent, authorizationToken: authorization.join(', ') } satisfies TokenAuthorizerEvent)
  },
  REQUEST: (options: RestAuthorizerOptions) => {
    const handler = requestAuthorizer(options)
    return (authorization: readonly string[]): Promise<AuthorizerPolicy> => {
      const event = structuredClone(requestAuthorizerEvent) as typeof requestAuthorizerEvent & { headers: Record<string, string>; multiValueHeaders: Record<string, string[]> }
      if (authorization.length > 0) {
        event.headers.Authorization = authorization.at(-1)!
        event.multiValueHeaders.Authorization = [...authorization]
      }
      return handler(event satisfies RequestAuthorizerEvent)
    }
  },
}

async function thrown(p: Promise<unknown>): Promise<Error> {
  try {
    await p
  } catch (e) {
    return e as Error
  }
  throw new Error('expected the authorizer to throw')
}

describe.each(['TOKEN', 'REQUEST'] as const)('%s authorizer', (type) => {
  const make = authorizers[type]

  it('valid token: Allow policy on the method ARN, principal = client ID, string context', async () => {
    const policy = await make({ guard: s.verifier })([`Bearer ${s.tokens.valid}`])
    expect(policy).toEqual({
      principalId: 'client-1',
      policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: methodArn }] },
      context: {
        clientId: 'client-1',
        subject: 'client-1',
        adminId: 'oauth-ReadOnly$@12345.zscloud.net',
        apiRole: 'ReadOnly',
        authorizationServer: 'Test',
        apiRoles: JSON.stringify([{ cloud: 'zscloud', orgId: '12345', role: 'ReadOnly' }]),
      },
    })
    expect(Object.values(policy.context).every((v) => typeof v === 'string')).toBe(true)
    expect(JSON.parse(policy.context.apiRoles!)).toEqual([{ cloud: 'zscloud', orgId: '12345', role: 'ReadOnly' }])
  })

  it("resource 'stage' allows every method of the stage; principalId can be chosen", async () => {
    const policy = await make({ guard: s.verifier, resource: 'stage', principalId: (t) => `client:${t.clientId}` })([`Bearer ${s.tokens.valid}`])
    expect(policy.principalId).toBe('client:client-1')
    expect(policy.policyDocument.Statement[0].Resource).toBe('arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/*')
  })

  it.each([
    ['missing', []],
    ['another scheme (missing bearer token)', ['Basic dXNlcjpwYXNz']],
    ['expired', ['expired']],
    ['malformed', ['Bearer not.a.jwt']],
  ])("%s token: throws Error('Unauthorized') (API Gateway answers 401)", async (_name, authorization) => {
    const values = authorization.map((v) => (v === 'expired' ? `Bearer ${s.tokens.expired}` : v))
    const error = await thrown(make({ guard: s.verifier })(values))
    expect(error).toBeInstanceOf(Error)
    expect(error.message).toBe('Unauthorized')
  })

  it('no API role this call accepts: explicit Deny (API Gateway answers 403), context names the reason', async () => {
    for (const [token, options] of [[s.tokens.otherRole, {}], [s.tokens.valid, { requiredRoles: ['Admin'] }]] as const) {
      const policy = await make({ guard: s.verifier, ...options })([`Bearer ${token}`])
      expect(policy.policyDocument.Statement).toEqual([{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: methodArn }])
      expect(policy.context).toEqual({ error: 'insufficient_scope', code: 'insufficient_scope' })
      expect(policy.principalId).toBe('anonymous')
    }
  })

  it("JWKS unreachable: throws the outage, not 'Unauthorized' (API Gateway answers 500, never 401)", async () => {
    const error = await thrown(make({ guard: s.down })([`Bearer ${s.tokens.valid}`]))
    expect(error.message).not.toBe('Unauthorized')
    expect(isTokenwardError(error) && error.code).toBe('jwks_unavailable')
    expect(error.message).not.toContain(s.tokens.valid)
  })

  it('checks options when built', () => {
    expect(() => make({ guard: {} as never })).toThrow(/options.guard/)
    expect(() => make({ guard: s.verifier, resource: 'api' as never })).toThrow(/options.resource/)
    expect(() => make({ guard: s.verifier, principalId: 'x' as never })).toThrow(/options.principalId/)
    expect(() => make({ guard: s.verifier, requiredRoles: [1] as never })).toThrow(/requiredRoles/)
  })
})

describe('REST authorizers: request translation', () => {
  function recording(): { guard: RequestGuard; seen: TokenRequest[] } {
    const seen: TokenRequest[] = []
    return { seen, guard: { verifyRequest: (request, options) => (seen.push(request), s.verifier.verifyRequest(request, options)) } }
  }

  it('REQUEST: two Authorization headers are refused (401; an authorizer cannot answer 400)', async () => {
    const error = await thrown(authorizers.REQUEST({ guard: s.verifier })([`Bearer ${s.tokens.valid}`, `Bearer ${s.tokens.valid}`]))
    expect(error.message).toBe('Unauthorized')
  })

  it('TOKEN: the guard sees the method and path of the method ARN (for path-based organization resolvers)', async () => {
    const { guard, seen } = recording()
    const arn = 'arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/POST/orgs/12345/reports'
    const policy = await tokenAuthorizer({ guard })({ type: 'TOKEN', authorizationToken: `Bearer ${s.tokens.valid}`, methodArn: arn })
    expect(seen[0]).toMatchObject({ method: 'POST', url: 'https://abcdef123.execute-api.us-east-1.amazonaws.com/orgs/12345/reports' })
    expect(policy.policyDocument.Statement[0].Resource).toBe(arn)
  })
})
