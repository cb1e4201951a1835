import { createVerifier } from '@tokenward/core'
import { decodeJwt, decodeProtectedHeader, SignJWT, UnsecuredJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defineApiClient } from '../client/api-client.ts'
import { createInMemoryClientStore, type ClientStore } from '../client/client-store.ts'
import { createInMemorySigningKeyStore } from '../keys/signing-key-store.ts'
import { createInMemoryReplayStore } from '../replay/replay-store.ts'
import { createPbkdf2SecretHasher } from '../secret/pbkdf2-hasher.ts'
import { generateClientSecret, rotateClientSecret } from '../secret/client-secret.ts'
import { form, makeClientCertificate, makeClientKeys, serveHandler, serveJwks, signAssertion, type ClientKeys, type RunningServer } from '../testing/issuer-fixture.test-support.ts'
import { createIssuer, type Issuer, type TokenRequestEvent } from './create-issuer.ts'

const organization = { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly', 'Admin', 'Audit'] }
const scope = (role: string): string => `zscloud::12345::${role}`
const issuerId = 'https://auth.example.com'
const assertionType = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
const hasher = createPbkdf2SecretHasher({ iterations: 10_000 })

let keysA: ClientKeys
let keysB: ClientKeys
let jwksServer: RunningServer
let clients: ClientStore
let secret: string
let rotatedOld: string
let rotatedNew: string
let events: TokenRequestEvent[]
let expiredKey: ClientKeys['privateKey']
let issuer: Issuer

const post = (body: string, headers: Record<string, string> = {}, path = '/token'): Promise<Response> =>
  issuer.handle(new Request(`${issuerId}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body }))
const basic = (id: string, s: string): string => `Basic ${btoa(`${encodeURIComponent(id)}:${encodeURIComponent(s)}`)}`
const assertionBody = async (clientId: string, keys: { privateKey: ClientKeys['privateKey']; kid?: string }, overrides: Record<string, unknown> = {}, extra: Record<string, string> = {}) =>
  form({ grant_type: 'client_credentials', client_assertion_type: assertionType, client_assertion: await signAssertion(keys, { clientId, audience: issuerId }, overrides), ...extra })

beforeAll(async () => {
  keysA = await makeClientKeys('a-1')
  keysB = await makeClientKeys('b-1')
  jwksServer = await serveJwks([keysA.publicJwk])
  const generated = await generateClientSecret(hasher)
  secret = generated.secret
  const rotating = defineApiClient({ clientId: 'rotating', roles: ['ReadOnly'], authentication: { method: 'client_secret', secretHashes: [(await generateClientSecret(hasher)).hash] } })
  const first = await generateClientSecret(hasher)
  rotatedOld = first.secret
  const rotated = await rotateClientSecret({ ...rotating, authentication: { method: 'client_secret', secretHashes: [first.hash] } }, hasher)
  rotatedNew = rotated.secret
  const expired = await makeClientCertificate(new Date(Date.now() - 2 * 86_400_000), new Date(Date.now() - 86_400_000))
  expiredKey = expired.privateKey
  clients = createInMemoryClientStore([
    ['12345', defineApiClient({ clientId: 'jwks-client', roles: ['ReadOnly', 'Audit'], authentication: { method: 'private_key_jwt', jwksUrl: `${jwksServer.origin}/jwks` } })],
    ['12345', defineApiClient({ clientId: 'key-client', roles: ['ReadOnly'], authentication: { method: 'private_key_jwt', publicKey: keysB.publicPem } })],
    ['12345', defineApiClient({ clientId: 'secret:client+1', roles: ['ReadOnly', 'Admin'], authentication: { method: 'client_secret', secretHashes: [generated.hash] } })],
    ['12345', defineApiClient({ clientId: 'disabled', enabled: false, roles: ['ReadOnly'], authentication: { method: 'private_key_jwt', publicKey: keysB.publicJwk as never } })],
    ['12345', defineApiClient({ clientId: 'expired-cert', roles: ['ReadOnly'], authentication: { method: 'private_key_jwt', certificate: expired.certificatePem } })],
    ['12345', defineApiClient({ clientId: 'no-roles', roles: ['Other'], authentication: { method: 'private_key_jwt', publicKey: keysB.publicPem } })],
    ['12345', rotated.client],
    ['99999', defineApiClient({ clientId: 'other-org', roles: ['ReadOnly'], authentication: { method: 'private_key_jwt', publicKey: keysB.publicPem } })],
  ])
  events = []
  issuer = createIssuer({
    issuer: issuerId,
    organization,
    clients,
    secretHasher: hasher,
    resources: ['https://api.example.com/'],
    clientJwks: { addressPolicy: null },
    onEvent: (e) => events.push(e),
  })
})
afterAll(async () => {
  await issuer.close()
  await jwksServer.close()
})

async function expectError(response: Response, status: number, error: string): Promise<Record<string, unknown>> {
  const body = (await response.json()) as Record<string, unknown>
  expect({ status: response.status, error: body.error }).toEqual({ status, error })
  expect(response.headers.get('cache-control')).toBe('no-store')
  expect(response.headers.get('pragma')).toBe('no-cache')
  return body
}

describe('token endpoint: issued tokens', () => {
  it('private_key_jwt with a JWKS URL: an RFC 9068 token with the requested role, verified by tokenward and jose', async () => {
    const response = await post(await assertionBody('jwks-client', keysA, {}, { scope: scope('Audit') }))
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const body = (await response.json()) as { access_token: string; token_type: string; expires_in: number; scope: string }
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 600, scope: scope('Audit') })
    expect(decodeProtectedHeader(body.access_token)).toMatchObject({ typ: 'at+jwt', alg: 'ES256' })
    expect(decodeJwt(body.access_token)).toMatchObject({ iss: issuerId, sub: 'jwks-client', client_id: 'jwks-client', aud: issuerId, scope: scope('Audit') })
    const jwks = (await (await issuer.handle(new Request(issuer.jwksUri))).json()) as { keys: never[] }
    const verifier = createVerifier({ server: { name: 'Issuer', jwks, issuer: issuerId, audience: issuerId, requireAccessTokenType: true }, organization, cache: false })
    const verified = await verifier.verify(body.access_token)
    expect(verified.authorization?.apiRole.role).toBe('Audit')
    expect(events.at(-1)).toMatchObject({ clientId: 'jwks-client', method: 'private_key_jwt', outcome: 'issued', grantedScope: scope('Audit') })
  })

  it('no scope → every role the client has; resource listed → aud', async () => {
    const response = await post(form({ grant_type: 'client_credentials', resource: 'https://api.example.com/' }), { authorization: basic('secret:client+1', secret) })
    const body = (await response.json()) as { access_token: string; scope: string }
    expect(response.status).toBe(200)
    expect(body.scope).toBe(`${scope('ReadOnly')} ${scope('Admin')}`)
    expect(decodeJwt(body.access_token).aud).toBe('https://api.example.com/')
  })

  it('a single registered public key verifies whatever kid the client puts in its header', async () => {
    for (const kid of ['anything', undefined]) {
      const response = await post(await assertionBody('key-client', { privateKey: keysB.privateKey, ...(kid === undefined ? {} : { kid }) }))
      expect(response.status).toBe(200)
    }
  })

  it('during a secret rotation both secrets work', async () => {
    for (const s of [rotatedOld, rotatedNew]) {
      const response = await post(form({ grant_type: 'client_credentials', client_id: 'rotating', client_secret: s }))
      expect(response.status).toBe(200)
    }
  })

  it('audit events never carry the secret or the assertion', async () => {
    const assertion = await signAssertion(keysA, { clientId: 'jwks-client', audience: issuerId })
    await post(form({ grant_type: 'client_credentials', client_assertion_type: assertionType, client_assertion: assertion }))
    await post(form({ grant_type: 'client_credentials', client_assertion_type: assertionType, client_assertion: assertion }))
    await post(form({ grant_type: 'client_credentials', client_id: 'secret:client+1', client_secret: secret }))
    await post(form({ grant_type: 'client_credentials', client_id: 'secret:client+1', client_secret: `${secret}x` }))
    const text = JSON.stringify(events)
    expect(text).not.toContain(secret)
    expect(text).not.toContain(assertion.split('.')[2])
    expect(events.slice(-3).map((e) => e.outcome)).toEqual(['rejected', 'issued', 'rejected'])
  })
})

describe('token endpoint: the negative table', () => {
  const now = () => Math.floor(Date.now() / 1000)
  const cases: readonly { name: string; request: () => Promise<Response>; status: number; error: string; basicChallenge?: boolean; description?: RegExp }[] = [
    {
      name: 'replayed assertion',
      request: async () => {
        const body = await assertionBody('jwks-client', keysA)
        expect((await post(body)).status).toBe(200)
        return post(body)
      },
      status: 401,
      error: 'invalid_client',
      description: /already used/,
    },
    { name: 'wrong aud', request: async () => post(await assertionBody('jwks-client', keysA, { aud: 'https://elsewhere.example.com' })), status: 401, error: 'invalid_client', description: /invalid_audience/ },
    { name: 'aud = token endpoint without the option', request: async () => post(await assertionBody('jwks-client', keysA, { aud: issuer.tokenEndpoint })), status: 401, error: 'invalid_client' },
    { name: "assertion signed by another client's key", request: async () => post(await assertionBody('jwks-client', { privateKey: keysB.privateKey, kid: 'a-1' })), status: 401, error: 'invalid_client', description: /invalid_signature/ },
    {
      name: 'expired certificate (assertion signed with its own key)',
      request: async () => post(form({ grant_type: 'client_credentials', client_assertion_type: assertionType, client_assertion: await signAssertion({ privateKey: expiredKey }, { clientId: 'expired-cert', audience: issuerId }, {}, 'RS256') })),
      status: 401,
      error: 'invalid_client',
      description: /certificate has expired/,
    },
    {
      name: 'alg none assertion',
      request: async () => {
        const token = new UnsecuredJWT({ iss: 'key-client', sub: 'key-client', aud: issuerId, exp: now() + 60, jti: crypto.randomUUID() }).encode()
        return post(form({ grant_type: 'client_credentials', client_assertion_type: assertionType, client_assertion: token }))
      },
      status: 401,
      error: 'invalid_client',
      description: /alg|header|malformed/,
    },
    {
      name: 'HS256 assertion (keyed with the public key text)',
      request: async () => {
        const token = await new SignJWT({ iss: 'key-client', sub: 'key-client', aud: issuerId, exp: now() + 60, jti: crypto.randomUUID() })
          .setProtectedHeader({ alg: 'HS256' })
          .sign(new TextEncoder().encode(keysB.publicPem))
        return post(form({ grant_type: 'client_credentials', client_assertion_type: assertionType, client_assertion: token }))
      },
      status: 401,
      error: 'invalid_client',
      description: /alg_not_allowed|HS256/,
    },
    { name: 'assertion without exp', request: async () => post(await assertionBody('key-client', keysB, { exp: undefined })), status: 401, error: 'invalid_client' },
    { name: 'assertion expiring too far ahead', request: async () => post(await assertionBody('key-client', keysB, { exp: now() + 3600 })), status: 401, error: 'invalid_client' },
    { name: 'assertion without jti', request: async () => post(await assertionBody('key-client', keysB, { jti: undefined })), status: 401, error: 'invalid_client' },
    { name: 'assertion sub ≠ iss', request: async () => post(await assertionBody('key-client', keysB, { sub: 'jwks-client' })), status: 401, error: 'invalid_client' },
    { name: 'client of another organization', request: async () => post(await assertionBody('other-org', keysB)), status: 401, error: 'invalid_client' },
    { name: 'client_id does not match the assertion', request: async () => post(await assertionBody('key-client', keysB, {}, { client_id: 'jwks-client' })), status: 401, error: 'invalid_client' },
    {
      name: 'two auth methods (Basic and an assertion)',
      request: async () => post(await assertionBody('key-client', keysB), { authorization: basic('secret:client+1', secret) }),
      status: 400,
      error: 'invalid_request',
    },
    {
      name: 'two auth methods (Basic and client_secret_post)',
      request: async () => post(form({ grant_type: 'client_credentials', client_id: 'secret:client+1', client_secret: secret }), { authorization: basic('secret:client+1', secret) }),
      status: 400,
      error: 'invalid_request',
    },
    { name: 'no client authentication', request: async () => post(form({ grant_type: 'client_credentials', client_id: 'key-client' })), status: 401, error: 'invalid_client' },
    { name: 'wrong secret (Basic → challenge)', request: async () => post(form({ grant_type: 'client_credentials' }), { authorization: basic('secret:client+1', 'nope') }), status: 401, error: 'invalid_client', basicChallenge: true },
    { name: 'unknown client (post)', request: async () => post(form({ grant_type: 'client_credentials', client_id: 'ghost', client_secret: 'x' })), status: 401, error: 'invalid_client' },
    { name: 'secret for a private_key_jwt client', request: async () => post(form({ grant_type: 'client_credentials', client_id: 'key-client', client_secret: 'x' })), status: 401, error: 'invalid_client' },
    { name: 'disabled client', request: async () => post(await assertionBody('disabled', keysB)), status: 401, error: 'invalid_client' },
    { name: 'role not granted', request: async () => post(await assertionBody('key-client', keysB, {}, { scope: scope('Admin') })), status: 400, error: 'invalid_scope' },
    { name: 'scope of another organization', request: async () => post(await assertionBody('key-client', keysB, {}, { scope: 'zscloud::99999::ReadOnly' })), status: 400, error: 'invalid_scope' },
    { name: 'client without any role of the organization', request: async () => post(await assertionBody('no-roles', keysB)), status: 400, error: 'unauthorized_client' },
    { name: 'resource not served', request: async () => post(await assertionBody('key-client', keysB, {}, { resource: 'https://evil.example.com/' })), status: 400, error: 'invalid_target' },
    { name: 'unsupported grant type', request: async () => post(await assertionBody('key-client', keysB, {}, { grant_type: 'password' })), status: 400, error: 'unsupported_grant_type' },
    { name: 'missing grant_type', request: async () => post(form({ client_id: 'secret:client+1', client_secret: secret })), status: 400, error: 'invalid_request' },
    { name: 'duplicate parameters', request: async () => post(`grant_type=client_credentials&client_id=secret%3Aclient%2B1&client_secret=${secret}&grant_type=client_credentials`), status: 400, error: 'invalid_request' },
    { name: 'duplicate parameter, first one empty', request: async () => post(`scope=&grant_type=client_credentials&client_id=secret%3Aclient%2B1&client_secret=${secret}&scope=${scope('Admin')}`), status: 400, error: 'invalid_request' },
    { name: 'malformed percent-encoding', request: async () => post('grant_type=client_credentials&client_id=%E0%A4%A'), status: 400, error: 'invalid_request' },
    {
      name: 'non-form content type',
      request: async () => issuer.handle(new Request(issuer.tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'client_credentials' }) })),
      status: 400,
      error: 'invalid_request',
    },
    { name: 'oversized body', request: async () => post(`grant_type=client_credentials&pad=${'a'.repeat(20_000)}`), status: 400, error: 'invalid_request' },
    { name: 'credentials in the query string', request: async () => post(form({ grant_type: 'client_credentials' }), {}, `/token?client_id=a&client_secret=${secret}`), status: 400, error: 'invalid_request' },
    // DPoP-bound tokens are issued now (dpop-token.test.ts): a malformed proof is RFC 9449's invalid_dpop_proof.
    { name: 'a malformed DPoP header', request: async () => post(await assertionBody('key-client', keysB), { dpop: 'eyJ.eyJ.sig' }), status: 400, error: 'invalid_dpop_proof' },
  ]
  for (const c of cases) {
    it(c.name, async () => {
      const response = await c.request()
      const body = await expectError(response, c.status, c.error)
      if (c.description !== undefined) expect(body.error_description).toMatch(c.description)
      expect(response.headers.get('www-authenticate')).toBe(c.basicChallenge === true ? `Basic realm="${issuerId}"` : null)
    })
  }
})

describe('token endpoint: options and outages', () => {
  it('accepts the token endpoint URL as aud only when allowTokenEndpointAudience is set', async () => {
    const lenient = createIssuer({ issuer: issuerId, organization, clients, secretHasher: hasher, allowTokenEndpointAudience: true })
    const body = form({ grant_type: 'client_credentials', client_assertion_type: assertionType, client_assertion: await signAssertion(keysB, { clientId: 'key-client', audience: lenient.tokenEndpoint }) })
    const response = await lenient.handle(new Request(lenient.tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }))
    expect(response.status).toBe(200)
  })

  it('a replay store that cannot answer fails closed: 503 with Retry-After, not a token', async () => {
    const broken = createIssuer({ issuer: issuerId, organization, clients, replayStore: { claim: () => Promise.reject(new Error('down')) } })
    const response = await broken.handle(new Request(broken.tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: await assertionBody('key-client', keysB) }))
    await expectError(response, 503, 'temporarily_unavailable')
    expect(response.headers.get('retry-after')).toBe('5')
  })

  it("a client's roles changed in the store are what the next token grants (replaced clients, and mutable ones changed in place)", async () => {
    const keyClient = (roles: string[]) => defineApiClient({ clientId: 'changing', roles, authentication: { method: 'private_key_jwt', publicKey: keysB.publicPem } })
    const store = createInMemoryClientStore([['12345', keyClient(['ReadOnly', 'Admin'])]])
    const changing = createIssuer({ issuer: issuerId, organization, clients: store })
    const grantedScope = async (issuerUnderTest: Issuer) => {
      const response = await issuerUnderTest.handle(new Request(issuerUnderTest.tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: await assertionBody('changing', keysB) }))
      const body = (await response.json()) as { scope?: string; error?: string }
      return body.scope ?? body.error
    }
    expect(await grantedScope(changing)).toBe(`${scope('ReadOnly')} ${scope('Admin')}`)
    expect(await grantedScope(changing)).toBe(`${scope('ReadOnly')} ${scope('Admin')}`)
    await store.put('12345', keyClient(['Audit']))
    expect(await grantedScope(changing)).toBe(scope('Audit'))
    await store.put('12345', keyClient(['Other']))
    expect(await grantedScope(changing)).toBe('unauthorized_client')
    // A store of its own that hands out one mutable object and edits it in place.
    const mutable = { ...keyClient(['ReadOnly']), roles: ['ReadOnly'] }
    const inPlace = createIssuer({ issuer: issuerId, organization, clients: { ...store, get: async () => mutable } })
    expect(await grantedScope(inPlace)).toBe(scope('ReadOnly'))
    mutable.roles.splice(0, 1, 'Admin')
    expect(await grantedScope(inPlace)).toBe(scope('Admin'))
  })

  it('the in-memory replay store, when full of live assertions, answers 503 with the wait until a slot frees, still refuses replays, and frees slots as assertions expire', async () => {
    let nowMs = Date.now()
    const full = createIssuer({ issuer: issuerId, organization, clients, clock: () => nowMs, replayStore: createInMemoryReplayStore({ maxEntries: 2 }) })
    const send = (body: string) => full.handle(new Request(full.tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }))
    const first = await assertionBody('key-client', keysB)
    expect((await send(first)).status).toBe(200)
    expect((await send(await assertionBody('key-client', keysB))).status).toBe(200)
    const refused = await send(await assertionBody('key-client', keysB))
    await expectError(refused, 503, 'temporarily_unavailable')
    // Held until exp (60 s) + the 30 s tolerance: a slot frees in about 90 s.
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(88)
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(91)
    await expectError(await send(first), 401, 'invalid_client')
    // 91 s on, the first two have expired: a fresh assertion (valid at that time) is taken.
    nowMs += 91_000
    expect((await send(await assertionBody('key-client', keysB, { iat: Math.floor(nowMs / 1000), exp: Math.floor(nowMs / 1000) + 60 }))).status).toBe(200)
  })

  it('a client store that cannot answer is 503, never invalid_client', async () => {
    const broken = createIssuer({ issuer: issuerId, organization, clients: { ...clients, get: () => Promise.reject(new Error('down')) }, secretHasher: hasher })
    const response = await broken.handle(new Request(broken.tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic('secret:client+1', secret) }, body: form({ grant_type: 'client_credentials' }) }))
    await expectError(response, 503, 'temporarily_unavailable')
  })

  it("an unreachable client JWKS is 503 (the issuer could not decide), not invalid_client", async () => {
    const dead = await serveHandler(() => new Response('down', { status: 500 }))
    const store = createInMemoryClientStore([['12345', defineApiClient({ clientId: 'c', roles: ['ReadOnly'], authentication: { method: 'private_key_jwt', jwksUrl: `${dead.origin}/jwks` } })]])
    const down = createIssuer({ issuer: issuerId, organization, clients: store, clientJwks: { addressPolicy: null } })
    const response = await down.handle(new Request(down.tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: await assertionBody('c', keysA) }))
    await expectError(response, 503, 'temporarily_unavailable')
    await down.close()
    await dead.close()
  })

  it('by default a registered JWKS URL on loopback is refused by the tenant address policy (never fetched)', async () => {
    const store = createInMemoryClientStore([['12345', defineApiClient({ clientId: 'c', roles: ['ReadOnly'], authentication: { method: 'private_key_jwt', jwksUrl: `${jwksServer.origin}/strict` } })]])
    const strict = createIssuer({ issuer: issuerId, organization, clients: store })
    const before = jwksServer.hits()
    const response = await strict.handle(new Request(strict.tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: await assertionBody('c', keysA) }))
    expect(response.status).toBe(503)
    expect(jwksServer.hits()).toBe(before)
    await strict.close()
  })

  it('key rotation through the endpoints: the new key is in the JWKS before it signs; the old one stays while its tokens live', async () => {
    let now = Date.now()
    const keys = createInMemorySigningKeyStore({ maxTokenLifetimeSeconds: 600, publishAheadSeconds: 300 })
    const rotating = createIssuer({ issuer: issuerId, organization, clients, secretHasher: hasher, signingKeys: keys, clock: () => now })
    const kidOfNewToken = async (): Promise<unknown> => {
      const response = await rotating.handle(new Request(rotating.tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic('secret:client+1', secret) }, body: form({ grant_type: 'client_credentials' }) }))
      return decodeProtectedHeader(((await response.json()) as { access_token: string }).access_token).kid
    }
    const published = async (): Promise<unknown[]> => ((await (await rotating.handle(new Request(rotating.jwksUri))).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid)
    const oldKid = await kidOfNewToken()
    await keys.rotate(now)
    const both = await published()
    expect(both).toHaveLength(2)
    expect(await kidOfNewToken()).toBe(oldKid)
    now += 300_000
    const newKid = await kidOfNewToken()
    expect(newKid).not.toBe(oldKid)
    expect(both).toContain(newKid)
    now += 599_000
    expect(await published()).toContain(oldKid)
    now += 2_000
    expect(await published()).toEqual([newKid])
  })

  it('a certificate not valid yet is refused like an expired one', async () => {
    const future = await makeClientCertificate(new Date(Date.now() + 86_400_000), new Date(Date.now() + 2 * 86_400_000))
    const store = createInMemoryClientStore([['12345', defineApiClient({ clientId: 'future', roles: ['ReadOnly'], authentication: { method: 'private_key_jwt', certificate: future.certificatePem } })]])
    const strict = createIssuer({ issuer: issuerId, organization, clients: store })
    const body = form({ grant_type: 'client_credentials', client_assertion_type: assertionType, client_assertion: await signAssertion({ privateKey: future.privateKey }, { clientId: 'future', audience: issuerId }, {}, 'RS256') })
    const response = await strict.handle(new Request(strict.tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }))
    expect(((await expectError(response, 401, 'invalid_client')) as { error_description: string }).error_description).toMatch(/not valid yet/)
  })

  it('options are checked when built, every bad field named', () => {
    expect(() => createIssuer({ issuer: 'http://auth.example.com?x', organization: { ...organization, apiRoles: [] }, clients, accessTokenLifetimeSeconds: 5, resources: ['nope'] })).toThrow(
      /issuer: must be https.*issuer: must have no query.*organization.apiRoles.*accessTokenLifetimeSeconds.*resources\[0\]/,
    )
  })

  it('serves RFC 8414 metadata and the JWKS; the token endpoint answers only POST', async () => {
    const metadata = (await (await issuer.handle(new Request(`${issuerId}/.well-known/oauth-authorization-server`))).json()) as Record<string, unknown>
    expect(metadata).toMatchObject({ issuer: issuerId, token_endpoint: `${issuerId}/token`, jwks_uri: `${issuerId}/jwks`, grant_types_supported: ['client_credentials'] })
    expect((await issuer.handle(new Request(issuer.tokenEndpoint))).status).toBe(405)
    expect((await issuer.handle(new Request(`${issuerId}/elsewhere`))).status).toBe(404)
  })

})
