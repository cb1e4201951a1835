import { ConfigError, createVerifier, type Verifier } from '@tokenward/core'
import { SignJWT, exportJWK, generateKeyPair } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isAdminAuthFailure } from './admin-auth-failure.ts'
import { adminAuthenticator } from './admin-authenticator.ts'

let verifier: Verifier
let mint: (claims: Record<string, unknown>) => Promise<string>
beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const jwk = { ...(await exportJWK(publicKey)), kid: 'a', alg: 'ES256' }
  verifier = createVerifier({ server: { name: 'Admin', jwks: { keys: [jwk] as never }, issuer: 'https://admin.test' }, realm: 'admin' })
  mint = (claims) =>
    new SignJWT({ client_id: 'console', ...claims }).setProtectedHeader({ alg: 'ES256', kid: 'a' }).setIssuer('https://admin.test').setIssuedAt().setExpirationTime('5m').sign(privateKey)
})
afterAll(() => verifier.close())

const request = (token?: string): Request => new Request('https://admin.example.com/orgs/acme/authorization-servers', token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } })

describe('adminAuthenticator', () => {
  it.each([
    [['api_key_management', 'x'], ['api_key_management', 'x']],
    ['api_key_management  x', ['api_key_management', 'x']],
    [['api_key_management', 7, null, ''], ['api_key_management']],
    [{ api_key_management: true }, []],
    [undefined, []],
  ])('reads permissions %j as %j', async (permissions, expected) => {
    const actor = await adminAuthenticator({ verifier })(request(await mint({ sub: 'alice', permissions })))
    expect(actor).toEqual({ id: 'alice', permissions: expected })
  })

  it('reads other claims when told to', async () => {
    const authenticate = adminAuthenticator({ verifier, permissionsClaim: 'scope', actorClaim: 'email' })
    const actor = await authenticate(request(await mint({ sub: 'u1', email: 'alice@acme.test', scope: 'api_key_management openid' })))
    expect(actor).toEqual({ id: 'alice@acme.test', permissions: ['api_key_management', 'openid'] })
  })

  it('returns the verifier’s challenge for a missing or bad token', async () => {
    const missing = await adminAuthenticator({ verifier })(request())
    expect(isAdminAuthFailure(missing) && [missing.status, missing.headers['www-authenticate']]).toEqual([401, 'Bearer realm="admin"'])
    const bad = await adminAuthenticator({ verifier })(request('abc.def.ghi'))
    expect(isAdminAuthFailure(bad) && bad.status).toBe(401)
    expect(isAdminAuthFailure(bad) && bad.headers['www-authenticate']).toContain('error="invalid_token"')
  })

  it('refuses a token without the actor claim with invalid_token (missing_claim)', async () => {
    const r = await adminAuthenticator({ verifier, realm: 'admin' })(request(await mint({ permissions: ['api_key_management'] })))
    expect(isAdminAuthFailure(r)).toBe(true)
    if (!isAdminAuthFailure(r)) return
    expect(r.status).toBe(401)
    expect(r.headers['www-authenticate']).toBe('Bearer realm="admin", error="invalid_token", error_description="The admin token has no sub claim identifying the actor"')
    expect(r.body).toMatchObject({ error: 'invalid_token', code: 'missing_claim' })
  })

  it('checks its options when built', () => {
    expect(() => adminAuthenticator({ verifier: {} as Verifier, permissionsClaim: '', actorClaim: '' })).toThrow(ConfigError)
    try {
      adminAuthenticator({ verifier: {} as Verifier, permissionsClaim: '', actorClaim: '' })
    } catch (e) {
      expect((e as ConfigError).issues.map((i) => i.path)).toEqual(['verifier', 'permissionsClaim', 'actorClaim'])
    }
  })
})
