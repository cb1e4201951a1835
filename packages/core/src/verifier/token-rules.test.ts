// The token rules of issue 12 through a real verifier (keys served by a JWKS server on 127.0.0.1,
// tokens signed with jose): bound tokens, tokens marked as another kind, Keycloak roles and a
// Cognito-style scope prefix, on the first verification and on every repeat (the verified-token
// cache path).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { isVerificationError, type VerificationError } from '../errors.ts'
import { makeKey, mint, startJwksServer, type JwksServer, type TestKey } from '../testing/mint.test-support.ts'
import type { AuthorizationServerInput } from '../config/authorization-server.ts'
import type { Jwk } from '../jose/jwk.ts'
import { createVerifier, type CreateVerifierOptions, type Verifier } from './create-verifier.ts'

let rsa: TestKey
let jwks: JwksServer
const open: Verifier[] = []

beforeAll(async () => {
  rsa = await makeKey('RS256', 'rsa-rules')
  jwks = await startJwksServer([rsa.publicJwk])
})
afterAll(() => jwks.close())
afterEach(async () => {
  await Promise.all(open.splice(0).map((v) => v.close()))
})

const organization = { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly', 'Admin'] }
const remote = () => ({ name: 'TestIdP', jwksUrl: jwks.url, issuer: 'https://idp.test', audience: 'api://orders' })
const inline = () => ({ name: 'TestIdP', jwks: { keys: [rsa.publicJwk as Jwk] }, issuer: 'https://idp.test', audience: 'api://orders' })

function verifier(options: Partial<CreateVerifierOptions> = {}, server: AuthorizationServerInput = remote()): Verifier {
  const v = createVerifier({ server, organization, ...options })
  open.push(v)
  return v
}
async function rejection(p: Promise<unknown>): Promise<VerificationError> {
  const outcome = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!isVerificationError(outcome)) throw new Error(`expected a tokenward error, got ${String(outcome)}`)
  return outcome
}

const bindings = [
  ['DPoP (cnf.jkt)', { jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' }],
  ['mutual TLS (cnf.x5t#S256)', { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' }],
  ['a key (cnf.jwk)', { jwk: { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' } }],
  ['a confirmation method not defined yet', { 'x-future-binding': 'v1' }],
] as const

describe('a token bound to a key or certificate (cnf) is never accepted as a bearer token', () => {
  it.each(bindings)('refuses a token bound to %s: 401 token_bound, first time and every repeat', async (_label, cnf) => {
    const v = verifier()
    const token = await mint(rsa, { claims: { cnf } })
    // First verification, then repeats that would be served by the verified-token cache (a token
    // enters it on a repeat once it is full), then one with per-call roles.
    for (let i = 0; i < 4; i++) {
      const e = await rejection(v.verify(token))
      expect(e).toMatchObject({ _tag: 'ClaimValidationError', code: 'token_bound', claim: 'cnf', status: 401, oauthError: 'invalid_token' })
    }
    expect((await rejection(v.verify(token, { requiredRoles: ['ReadOnly'] }))).code).toBe('token_bound')
    expect((await v.status()).cachedTokens).toBe(0)
  })

  it('answers a bound token in a request with an invalid_token challenge, on both the async and the inline-keys path', async () => {
    for (const v of [verifier({ realm: 'orders' }), verifier({ realm: 'orders' }, inline())]) {
      const token = await mint(rsa, { claims: { cnf: { jkt: 'abc' } } })
      for (let i = 0; i < 3; i++) {
        const r = await v.verifyRequest({ method: 'GET', url: 'https://api.test/', headers: { authorization: `Bearer ${token}` } })
        expect(r.ok).toBe(false)
        if (r.ok) continue
        expect(r.error.code).toBe('token_bound')
        expect(r.response.status).toBe(401)
        expect(r.response.headers['www-authenticate']).toMatch(/^Bearer realm="orders", error="invalid_token", error_description="[^"]*cnf/)
      }
    }
  })

  it('still accepts and caches the same claims without cnf (the refusal is the binding, nothing else)', async () => {
    const v = verifier()
    const token = await mint(rsa, { claims: { jti: 'unbound' } })
    // The cache admits a token on its second verification, so the third is the first hit.
    expect((await v.verify(token)).fromCache).toBe(false)
    expect((await v.verify(token)).fromCache).toBe(false)
    expect((await v.verify(token)).fromCache).toBe(true)
  })
})

describe('tokens the identity provider marks as another kind are refused', () => {
  it.each([
    ['a Cognito ID token (token_use: id)', { token_use: 'id' }, 'token_use'],
    ['a Keycloak ID token (typ: ID)', { typ: 'ID' }, 'typ'],
    ['a Keycloak refresh token (typ: Refresh)', { typ: 'Refresh' }, 'typ'],
  ] as const)('refuses %s with 401 invalid_token_use, every time', async (_label, claims, claim) => {
    const v = verifier()
    const token = await mint(rsa, { claims })
    for (let i = 0; i < 3; i++) expect(await rejection(v.verify(token))).toMatchObject({ code: 'invalid_token_use', claim, status: 401 })
  })

  it('accepts token_use: access and typ: Bearer', async () => {
    const v = verifier()
    const t = await v.verify(await mint(rsa, { claims: { token_use: 'access', typ: 'Bearer' } }))
    expect(t.authorization?.apiRole.role).toBe('ReadOnly')
  })
})

describe('grants', () => {
  it('reads Keycloak roles even when another token with the same scope string came first', async () => {
    const v = verifier({ cache: false })
    const scope = 'profile email'
    // The first token makes the pipeline remember the grants of `scope` alone.
    expect((await rejection(v.verify(await mint(rsa, { claims: { scope, jti: '1' } })))).code).toBe('insufficient_scope')
    const realm = await v.verify(await mint(rsa, { claims: { scope, jti: '2', realm_access: { roles: ['zscloud::12345::Admin'] } } }))
    expect(realm.authorization?.apiRole).toEqual({ cloud: 'zscloud', orgId: '12345', role: 'Admin' })
    const client = await v.verify(await mint(rsa, { claims: { scope, jti: '3', resource_access: { 'orders-api': { roles: ['zscloud::12345::ReadOnly'] } } } }))
    expect(client.authorization?.apiRole.role).toBe('ReadOnly')
    expect(client.roles).toEqual(['zscloud::12345::ReadOnly'])
  })

  it('with scopePrefix, strips the prefix before reading the API role; unprefixed values grant nothing', async () => {
    const v = verifier({}, { ...remote(), scopePrefix: 'tokenward-api/' })
    const ok = await v.verify(await mint(rsa, { claims: { scope: 'tokenward-api/zscloud::12345::Admin' } }))
    expect(ok.scopes).toEqual(['tokenward-api/zscloud::12345::Admin'])
    expect(ok.authorization?.apiRole.role).toBe('Admin')
    expect((await rejection(v.verify(await mint(rsa, { claims: { scope: 'zscloud::12345::Admin' } })))).code).toBe('insufficient_scope')
    // Without the option, the prefixed value is no API role (the default is unchanged).
    expect((await rejection(verifier().verify(await mint(rsa, { claims: { scope: 'tokenward-api/zscloud::12345::Admin' } })))).code).toBe('insufficient_scope')
  })

  it('does not read full-width digits as the organization ID, nor an scp member with a space as a scope', async () => {
    const v = verifier()
    expect((await rejection(v.verify(await mint(rsa, { claims: { scope: 'zscloud::１２３４５::Admin' } })))).code).toBe('insufficient_scope')
    const e = await rejection(v.verify(await mint(rsa, { claims: { scope: undefined, scp: ['zscloud::12345::Admin openid'] } })))
    expect(e.code).toBe('insufficient_scope')
  })
})
