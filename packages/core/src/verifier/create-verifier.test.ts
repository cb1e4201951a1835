import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, isTokenwardError } from '../errors.ts'
import { extractBearerToken } from '../http/bearer.ts'
import { makeKey, mint, now, startJwksServer, type JwksServer, type TestKey } from '../testing/mint.test-support.ts'
import type { Jwk } from '../jose/jwk.ts'
import { createVerifier, type CreateVerifierOptions, type Verifier } from './create-verifier.ts'

let rsa: TestKey
let ec: TestKey
let other: TestKey
let jwks: JwksServer
const open: Verifier[] = []

beforeAll(async () => {
  rsa = await makeKey('RS256', 'rsa-1')
  ec = await makeKey('ES256', 'ec-1')
  other = await makeKey('RS256', 'rsa-2')
  jwks = await startJwksServer([rsa.publicJwk])
})
afterAll(() => jwks.close())
afterEach(async () => {
  await Promise.all(open.splice(0).map((v) => v.close()))
  jwks.keys = [rsa.publicJwk]
  jwks.mode = 'ok'
  jwks.fetches = 0
  jwks.cacheControl = 'max-age=300'
})

const server = () => ({ name: 'TestIdP', jwksUrl: jwks.url, issuer: 'https://idp.test', audience: 'api://orders' })
const organization = { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly', 'Admin'] }
function verifier(options: Partial<CreateVerifierOptions> = {}): Verifier {
  const v = createVerifier({ server: server(), ...options })
  open.push(v)
  return v
}
async function rejection(p: Promise<unknown>) {
  try {
    await p
  } catch (e) {
    if (!isTokenwardError(e)) throw e
    return e
  }
  throw new Error('expected a rejection')
}

describe('createVerifier', () => {
  it('validates options when built, naming every bad field by path', () => {
    expect(() => createVerifier({ server: { name: 'bad name', jwksUrl: 'http://example.com/k' }, cache: { maxEntries: -1 }, jwks: { timeoutMs: 0 } })).toThrowError(ConfigError)
    try {
      createVerifier({ server: { name: 'bad name', jwksUrl: 'http://example.com/k' }, cache: { maxEntries: -1 }, jwks: { timeoutMs: 0 } })
    } catch (e) {
      expect((e as ConfigError).issues.map((i) => i.path).sort()).toEqual(['cache.maxEntries', 'jwks.timeoutMs', 'server.jwksUrl', 'server.name'])
    }
    expect(() => createVerifier({ server: server(), organization: { ...organization, apiRoles: ['has space'] } })).toThrow(/organization.apiRoles\[0\]/)
    expect(() => createVerifier({ server: server(), jwks: { revalidatedUnknownKidCooldownSeconds: -1 } })).toThrow(/jwks\.revalidatedUnknownKidCooldownSeconds/)
    expect(() => createVerifier({ server: server(), profile: 'id_token' as never })).toThrow(/profile: must be "access_token" or "client_assertion"/)
    expect(() => createVerifier({ server: server(), profile: 'client_assertion', organization })).toThrow(/organization: a client_assertion verifier checks no API roles/)
  })

  it('accepts a valid token and describes it', async () => {
    const v = verifier({ organization })
    const t = await v.verify(await mint(rsa))
    expect(t).toMatchObject({
      authorizationServer: 'TestIdP',
      clientId: 'client-1',
      clientIdClaim: 'client_id',
      subject: 'client-1',
      issuer: 'https://idp.test',
      audience: ['api://orders'],
      scopes: ['zscloud::12345::ReadOnly'],
      apiRoles: [{ cloud: 'zscloud', orgId: '12345', role: 'ReadOnly' }],
      header: { alg: 'RS256', kid: 'rsa-1', typ: 'at+jwt' },
      uncheckedClaims: ['client_id'],
      authorization: { apiRole: { cloud: 'zscloud', orgId: '12345', role: 'ReadOnly' }, adminId: 'oauth-ReadOnly$@12345.zscloud.net' },
      fromCache: false,
    })
    expect(jwks.fetches).toBe(1)
  })

  it('works out the grants of a repeated scope once, shared and frozen, and never for other grant claims', async () => {
    const v = createVerifier({ server: { name: 'TestIdP', jwks: { keys: [rsa.publicJwk as Jwk] }, issuer: 'https://idp.test', audience: 'api://orders' }, organization, cache: false })
    const scope = 'zscloud::12345::Admin openid'
    const [a, b] = [await v.verify(await mint(rsa, { claims: { scope, jti: 'a' } })), await v.verify(await mint(rsa, { claims: { scope, jti: 'b' } }))]
    expect(a.scopes).toEqual(['zscloud::12345::Admin', 'openid'])
    expect(a.apiRoles).toEqual([{ cloud: 'zscloud', orgId: '12345', role: 'Admin' }])
    expect(b.scopes).toBe(a.scopes)
    expect(b.apiRoles).toBe(a.apiRoles)
    expect(Object.isFrozen(a.scopes) && Object.isFrozen(a.roles) && Object.isFrozen(a.apiRoles) && Object.isFrozen(a.apiRoles[0])).toBe(true)
    // The same scope beside roles (or scp, or permissions) grants more: worked out for that token.
    const withRoles = await v.verify(await mint(rsa, { claims: { scope, roles: ['zscloud::12345::ReadOnly'] } }))
    expect(withRoles.apiRoles).toEqual([
      { cloud: 'zscloud', orgId: '12345', role: 'Admin' },
      { cloud: 'zscloud', orgId: '12345', role: 'ReadOnly' },
    ])
    const withScp = await v.verify(await mint(rsa, { claims: { scope, scp: ['zscloud::12345::ReadOnly'] } }))
    expect(withScp.scopes).toEqual(['zscloud::12345::Admin', 'openid', 'zscloud::12345::ReadOnly'])
    expect(Object.isFrozen(withScp.scopes) && Object.isFrozen(withRoles.roles) && Object.isFrozen(withRoles.apiRoles[1])).toBe(true)
    expect((await v.verify(await mint(rsa, { claims: { scope, jti: 'c' } }))).scopes).toBe(a.scopes)
    await v.close()
  })

  it('serves a repeated token from the cache (from its third verification), still authorizing each call', async () => {
    const v = verifier({ organization })
    const token = await mint(rsa)
    expect((await v.verify(token)).fromCache).toBe(false)
    expect((await v.status()).cachedTokens).toBe(0) // a first sighting keeps nothing
    expect((await v.verify(token)).fromCache).toBe(false)
    expect((await v.verify(token)).fromCache).toBe(true)
    const e = await rejection(v.verify(token, { requiredRoles: ['Admin'] }))
    expect(e.code).toBe('insufficient_scope')
    expect((await v.status()).cachedTokens).toBe(1)
  })

  it('never serves a cached token past its expiry', async () => {
    let clock = Date.now()
    const v = verifier({ clock: () => clock })
    const token = await mint(rsa, { claims: { exp: Math.floor(clock / 1000) + 60 } })
    await v.verify(token)
    await v.verify(token)
    expect((await v.verify(token)).fromCache).toBe(true)
    clock += 120_000
    expect((await rejection(v.verify(token))).code).toBe('token_expired')
  })

  it('does not cache with cache: false', async () => {
    const v = verifier({ cache: false })
    const token = await mint(rsa)
    await v.verify(token)
    await v.verify(token)
    expect((await v.verify(token)).fromCache).toBe(false)
  })

  it('keeps nothing for tokens that never repeat, even with room in the cache', async () => {
    const v = verifier()
    for (let i = 0; i < 20; i++) expect((await v.verify(await mint(rsa, { claims: { jti: `once-${i}` } }))).fromCache).toBe(false)
    expect((await v.status()).cachedTokens).toBe(0)
    await v.close()
  })

  it.each([
    ['wrong audience', { claims: { aud: 'api://billing' } }, 'invalid_audience'],
    ['wrong issuer', { claims: { iss: 'https://evil.test' } }, 'invalid_issuer'],
    ['expired', { claims: { exp: now() - 3600 } }, 'token_expired'],
    ['no client', { claims: { client_id: undefined } }, 'missing_claim'],
    ['unknown kid', { header: { kid: 'nope' } }, 'key_not_found'],
  ] as const)('rejects a token with %s', async (_label, options, code) => {
    const e = await rejection(verifier().verify(await mint(rsa, options)))
    expect(e.code).toBe(code)
    expect(e.status).toBe(401)
  })

  it('rejects every token of a disabled server without fetching keys', async () => {
    const v = verifier({ server: { ...server(), enabled: false } })
    const e = await rejection(v.verify(await mint(rsa)))
    expect(e.code).toBe('server_disabled')
    expect(jwks.fetches).toBe(0)
  })

  it('refuses a token without one of the organization roles with 403, and honours requiredRoles', async () => {
    const v = verifier({ organization })
    expect((await rejection(v.verify(await mint(rsa, { claims: { scope: 'zscloud::99999::Admin' } })))).status).toBe(403)
    const admin = await v.verify(await mint(rsa, { claims: { scope: 'zscloud::12345::ReadOnly zscloud::12345::Admin' } }), { requiredRoles: ['Admin'] })
    expect(admin.authorization?.adminId).toBe('oauth-Admin$@12345.zscloud.net')
  })

  it('picks up a key rotation with exactly one extra fetch', async () => {
    const v = verifier()
    await v.verify(await mint(rsa))
    jwks.keys = [rsa.publicJwk, ec.publicJwk]
    const t = await v.verify(await mint(ec))
    expect(t.header.kid).toBe('ec-1')
    expect(jwks.fetches).toBe(2)
  })

  it('a flood of unknown kids costs at most one fetch per cooldown window', async () => {
    const v = verifier()
    await v.verify(await mint(rsa))
    const forged = await Promise.all(Array.from({ length: 200 }, (_, i) => mint(other, { header: { kid: `forged-${i}` } })))
    const results = await Promise.allSettled(forged.map((t) => v.verify(t)))
    expect(results.every((r) => r.status === 'rejected' && isTokenwardError(r.reason) && r.reason.code === 'key_not_found')).toBe(true)
    expect(jwks.fetches).toBeLessThanOrEqual(2)
  })

  it('concurrent first requests share one JWKS fetch', async () => {
    const v = verifier({ cache: false })
    const token = await mint(rsa)
    await Promise.all(Array.from({ length: 100 }, () => v.verify(token)))
    expect(jwks.fetches).toBe(1)
  })

  it('answers 503 jwks_unavailable when the provider is down and no keys are cached — never 401', async () => {
    jwks.mode = 500
    const v = verifier()
    const verdict = await v.verifyRequest({ method: 'GET', url: '/', headers: { authorization: `Bearer ${await mint(rsa)}` } })
    expect(verdict.ok).toBe(false)
    if (verdict.ok) return
    expect(verdict.error.code).toBe('jwks_unavailable')
    expect(verdict.response.status).toBe(503)
    expect(verdict.response.headers['www-authenticate']).toBeUndefined()
    expect(verdict.response.headers['retry-after']).toMatch(/^\d+$/)
  })

  it('keeps serving the last good keys while the provider is down, up to the stale ceiling, then 503', async () => {
    let clock = Date.now()
    const v = verifier({ clock: () => clock, cache: false, jwks: { maxStaleSeconds: 600, failureCooldownSeconds: 1 } })
    await v.verify(await mint(rsa))
    jwks.mode = 503
    clock += 400_000 // past max-age=300: refresh fails, stale keys still served
    expect((await v.verify(await mint(rsa, { claims: { exp: Math.floor(clock / 1000) + 600 } }))).clientId).toBe('client-1')
    clock += 600_000 // past max-age + maxStale
    const e = await rejection(v.verify(await mint(rsa, { claims: { exp: Math.floor(clock / 1000) + 600, iat: Math.floor(clock / 1000) } })))
    expect(e.code).toBe('jwks_unavailable')
    expect(e.status).toBe(503)
  })

  it('drops cached verifications whose key left the JWKS', async () => {
    let clock = Date.now()
    const v = verifier({ clock: () => clock })
    const token = await mint(rsa)
    await v.verify(token)
    jwks.keys = [other.publicJwk]
    clock += 400_000 // keys expire, next fetch sees the rotation
    await v.warm()
    await expect(v.verify(await mint(other))).resolves.toBeTruthy()
    const e = await rejection(v.verify(token))
    expect(e.code).toBe('key_not_found')
  })

  it('verifyRequest maps missing, foreign and doubled credentials to the right answers', async () => {
    const v = verifier({ realm: 'orders' })
    const none = await v.verifyRequest({ method: 'GET', url: '/', headers: {} })
    expect(!none.ok && [none.response.status, none.response.headers['www-authenticate']]).toEqual([401, 'Bearer realm="orders"'])
    const basic = await v.verifyRequest({ method: 'GET', url: '/', headers: { authorization: 'Basic dTpw' } })
    expect(!basic.ok && basic.error.code).toBe('missing_token')
    const two = await v.verifyRequest({ method: 'GET', url: '/', headers: { authorization: ['Bearer a.b.c', 'Bearer a.b.c'] } })
    expect(!two.ok && two.response.status).toBe(400)
    const good = await v.verifyRequest({ method: 'GET', url: '/', headers: new Headers({ authorization: `Bearer ${await mint(rsa)}` }) })
    expect(good.ok && good.token.clientId).toBe('client-1')
  })

  it('answers bearer-syntax faults exactly as extracting first would, on both doors, enabled or not', async () => {
    const good = await mint(rsa)
    const [h, p, sig] = good.split('.') as [string, string, string]
    const values = [
      `Bearer ${good}`,
      `Bearer   ${good}`,
      `Bearer ${good}=`,
      `Bearer ${h}.${p}!.${sig}`,
      `Bearer ${h}.${p}.${sig} `,
      `Bearer ${h}.${p}.${sig}, Bearer ${good}`,
      `Bearer ${h}.${p}`,
      `Bearer ${h}.${p}.${sig.slice(1)}`,
      `Bearer a+b/c==`,
      `Bearer ${h}.${p}.é${sig}`,
      'Bearer ',
      'Bearer',
      'bearer x.y.z',
    ]
    for (const enabled of [true, false]) {
      const v = verifier({ server: { ...server(), enabled } })
      await v.warm()
      for (const authorization of values) {
        const request = { method: 'GET', url: '/', headers: { authorization } }
        const extracted = extractBearerToken(request)
        const expected = extracted.ok ? await v.verify(extracted.value).then(() => 'accepted', (e: { code: string }) => e.code) : extracted.error.code
        for (const verdict of [await v.verifyRequest(request), await v.verifyRequestNow(request)]) {
          expect(verdict.ok ? 'accepted' : verdict.error.code, `${authorization.slice(0, 40)} (enabled: ${enabled})`).toBe(expected)
        }
      }
    }
  })

  it('verifyRequestAt decides at the instant it is given when nothing needs waiting, and refuses a time that is not a finite number', async () => {
    const v = verifier({ organization })
    const request = (token: string) => ({ method: 'GET', url: '/', headers: { authorization: `Bearer ${token}` } })
    const settle = async (answer: ReturnType<Verifier['verifyRequestAt']>) => {
      const verdict = await answer
      return verdict.ok ? 'accepted' : verdict.error.code
    }
    // Keys fetched and imported by a first verification (work that waits decides on the verifier's
    // clock); tokens that expire in 30 s, checked 150 s on, while the keys are still fresh.
    const exp = now() + 30
    const first = request(await mint(rsa, { claims: { exp } }))
    expect(await settle(v.verifyRequest(first))).toBe('accepted')
    expect(await settle(v.verifyRequest(first))).toBe('accepted')
    const later = (exp + 120) * 1000
    // From the cache, and on first sight with the keys at hand: the instant given decides.
    expect(await settle(v.verifyRequestAt(first, later))).toBe('token_expired')
    expect(await settle(v.verifyRequestAt(first, Date.now()))).toBe('accepted')
    const fresh = request(await mint(rsa, { claims: { exp, jti: 'fresh' } }))
    expect(await settle(v.verifyRequestAt(fresh, later))).toBe('token_expired')
    expect(await settle(v.verifyRequestAt(fresh, Date.now()))).toBe('accepted')
    expect(await settle(v.verifyRequestNow(fresh))).toBe('accepted')
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, '1700000000000' as unknown as number, undefined as unknown as number]) {
      expect(() => v.verifyRequestAt(first, bad), String(bad)).toThrow(TypeError)
    }
  })

  it('reports status with the last successful fetch', async () => {
    const v = verifier()
    expect((await v.status()).lastSuccessfulFetchAt).toBeUndefined()
    await v.warm()
    const s = await v.status()
    expect(s.lastSuccessfulFetchAt).toBeInstanceOf(Date)
    expect(s).toMatchObject({ authorizationServer: 'TestIdP', enabled: true, keyCount: 1, fetchCount: 1, stale: false })
  })

  it('emits JWKS events to onEvent, and survives a throwing listener', async () => {
    const events: string[] = []
    const v = verifier({
      onEvent: (e) => {
        events.push(e.type)
        throw new Error('listener bug')
      },
    })
    await v.verify(await mint(rsa))
    expect(events).toContain('jwks_fetched')
  })

  it('works with inline keys and never fetches', async () => {
    const v = verifier({ server: { name: 'Static', jwks: { keys: [ec.publicJwk as never] }, issuer: 'https://idp.test' } })
    expect((await v.verify(await mint(ec))).header.alg).toBe('ES256')
    expect(jwks.fetches).toBe(0)
  })

  it('a JWKS-URL verifier closed right after creation (engine still loading) fetches nothing and stays closed', async () => {
    const v = createVerifier({ server: server() })
    await v.close()
    await v.close()
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(jwks.fetches).toBe(0)
    await expect(v.verify(await mint(rsa))).rejects.toThrow(/closed/)
    await expect(v.status()).rejects.toThrow(/closed/)
  })

  it('with inline keys: status, clearCache, warm and close need no runtime', async () => {
    const v = verifier({ server: { name: 'Static', jwks: { keys: [ec.publicJwk as never] }, issuer: 'https://idp.test' } })
    await v.warm()
    const token = await mint(ec)
    expect((await v.verify(token)).fromCache).toBe(false)
    expect((await v.verify(token)).fromCache).toBe(false)
    expect((await v.verify(token)).fromCache).toBe(true)
    expect(await v.status()).toMatchObject({ authorizationServer: 'Static', jwksSource: 'inline', fetchCount: 0, keyCount: 1, stale: false, cachedTokens: 1 })
    await v.clearCache()
    expect((await v.status()).cachedTokens).toBe(0)
    const e = await rejection(v.verify(await mint(ec, { header: { kid: 'unknown' } })))
    expect(e.code).toBe('key_not_found')
    await v.close()
    await expect(v.verify(token)).rejects.toThrow(/closed/)
  })

  it('requiredRoles without an organization is a fault that rejects, on the first call and on the hot path', async () => {
    const v = verifier({ server: { name: 'Static', jwks: { keys: [ec.publicJwk as never] }, issuer: 'https://idp.test' } })
    const token = await mint(ec)
    await v.verify(token)
    const misuse = v.verify(token, { requiredRoles: ['Admin'] })
    expect(misuse).toBeInstanceOf(Promise)
    await expect(misuse).rejects.toThrow(TypeError)
  })

  it('rejects calls after close()', async () => {
    const v = createVerifier({ server: server() })
    await v.close()
    await expect(v.verify('a.b.c')).rejects.toThrow(/closed/)
  })
})
