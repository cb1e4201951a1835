import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isTokenwardError } from '@tokenward/core'
import { httpApiAuthorizerEvent } from './fixtures/aws-events.test-support.ts'
import { httpApiAuthorizer, type HttpApiAuthorizerOptions } from './http-api-authorizer.ts'
import { setup, type Setup } from './testing/events.test-support.ts'
import type { HttpApiAuthorizerEvent } from './types.ts'

let s: Setup
beforeAll(async () => {
  s = await setup()
})
afterAll(() => s.close())

/** The documented 2.0 event; repeated headers arrive joined with a comma. */
function event(authorization: readonly string[]): HttpApiAuthorizerEvent {
  const e = structuredClone(httpApiAuthorizerEvent) as typeof httpApiAuthorizerEvent & { headers: Record<string, string> }
  if (authorization.length > 0) e.headers.authorization = authorization.join(',')
  return e
}
const call = (options: HttpApiAuthorizerOptions, authorization: readonly string[]) => httpApiAuthorizer(options)(event(authorization))

describe('httpApiAuthorizer (payload 2.0, simple responses)', () => {
  it('valid token: isAuthorized with the principal as string context', async () => {
    expect(await call({ guard: s.verifier }, [`Bearer ${s.tokens.valid}`])).toEqual({
      isAuthorized: true,
      context: {
        clientId: 'client-1',
        subject: 'client-1',
        adminId: 'oauth-ReadOnly$@12345.zscloud.net',
        apiRole: 'ReadOnly',
        authorizationServer: 'Test',
        apiRoles: '[{"cloud":"zscloud","orgId":"12345","role":"ReadOnly"}]',
      },
    })
  })

  it.each([
    ['missing', [] as string[], {}],
    ['expired', ['expired'], {}],
    ['two Authorization headers', ['valid', 'valid'], {}],
    ['another API role', ['otherRole'], {}],
    ['a role this authorizer does not accept', ['valid'], { requiredRoles: ['Admin'] }],
  ])('%s: isAuthorized false', async (_name, which, options) => {
    const values = which.map((w) => `Bearer ${s.tokens[w as keyof Setup['tokens']]}`)
    expect(await call({ guard: s.verifier, ...options }, values)).toEqual({ isAuthorized: false })
  })

  it('JWKS unreachable: throws (API Gateway answers 500), never isAuthorized false', async () => {
    const error = await call({ guard: s.down }, [`Bearer ${s.tokens.valid}`]).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(isTokenwardError(error) && error.code).toBe('jwks_unavailable')
  })

  it('checks options when built', () => {
    expect(() => httpApiAuthorizer({} as never)).toThrow(/options.guard/)
  })
})
