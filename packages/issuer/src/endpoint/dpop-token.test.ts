// DPoP at the token endpoint (RFC 9449 §5): a valid proof binds the token to its key (cnf.jkt,
// token_type DPoP); every bad proof, replay and missing nonce is refused before the client's
// assertion is spent.
import { ConfigError } from '@tokenward/core'
import { calculateJwkThumbprint, decodeJwt } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { makeDpopKey, signProof, type DpopKey } from '../../../core/src/testing/dpop-proof.test-support.ts'
import { defineApiClient } from '../client/api-client.ts'
import { createInMemoryClientStore, type ClientStore } from '../client/client-store.ts'
import { form, makeClientKeys, signAssertion, type ClientKeys } from '../testing/issuer-fixture.test-support.ts'
import { createIssuer, type Issuer, type IssuerOptions, type TokenRequestEvent } from './create-issuer.ts'

const organization = { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly'] }
const issuerId = 'https://auth.example.com'
const tokenEndpoint = `${issuerId}/token`
const assertionType = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
const nonceSecret = 'a nonce secret of at least thirty-two characters'

let keys: ClientKeys
let clients: ClientStore
let dpopKey: DpopKey

beforeAll(async () => {
  keys = await makeClientKeys('k-1')
  dpopKey = await makeDpopKey('ES256')
  clients = createInMemoryClientStore([['12345', defineApiClient({ clientId: 'key-client', roles: ['ReadOnly'], authentication: { method: 'private_key_jwt', publicKey: keys.publicPem } })]])
})

const make = (options: Partial<IssuerOptions> = {}): Issuer => createIssuer({ issuer: issuerId, organization, clients, ...options })
const body = async () => form({ grant_type: 'client_credentials', client_assertion_type: assertionType, client_assertion: await signAssertion(keys, { clientId: 'key-client', audience: issuerId }) })
const proof = (payload: Record<string, unknown> = {}, claims: { method?: string; url?: string } = {}) =>
  signProof(dpopKey, { method: claims.method ?? 'POST', url: claims.url ?? tokenEndpoint, accessToken: '', iat: Math.floor(Date.now() / 1000) }, { omit: ['ath'], payload })
const post = (issuer: Issuer, formBody: string, headers: Record<string, string> = {}) =>
  issuer.handle(new Request(tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: formBody }))

describe('issuer: DPoP-bound tokens', () => {
  it('binds the token to the proof key: cnf.jkt, token_type DPoP; Bearer without a proof', async () => {
    const events: TokenRequestEvent[] = []
    const issuer = make({ onEvent: (e) => events.push(e) })
    const response = await post(issuer, await body(), { dpop: await proof() })
    expect(response.status).toBe(200)
    const answer = (await response.json()) as { access_token: string; token_type: string }
    expect(answer.token_type).toBe('DPoP')
    expect(decodeJwt(answer.access_token).cnf).toEqual({ jkt: await calculateJwkThumbprint(dpopKey.publicJwk, 'sha256') })
    expect(events.at(-1)).toMatchObject({ outcome: 'issued', tokenType: 'DPoP' })
    const bearer = (await (await post(issuer, await body())).json()) as { access_token: string; token_type: string }
    expect(bearer.token_type).toBe('Bearer')
    expect(decodeJwt(bearer.access_token).cnf).toBeUndefined()
    expect(issuer.metadata.dpop_signing_alg_values_supported).toEqual(['ES256', 'RS256', 'PS256', 'EdDSA'])
  })

  const refusals: [string, () => Promise<string>][] = [
    ['a proof for another URL', () => proof({}, { url: 'https://api.example.com/orders' })],
    ['a proof for GET', () => proof({}, { method: 'GET' })],
    ['a stale proof', () => proof({ iat: Math.floor(Date.now() / 1000) - 600 })],
    ['a proof without jti', () => proof({ jti: undefined })],
    ['a proof signed with HS256', async () => `${Buffer.from(JSON.stringify({ typ: 'dpop+jwt', alg: 'HS256', jwk: { kty: 'oct', k: 'c2VjcmV0' } })).toString('base64url')}.${Buffer.from(JSON.stringify({ jti: 'x', htm: 'POST', htu: tokenEndpoint, iat: Math.floor(Date.now() / 1000) })).toString('base64url')}.c2ln`],
  ]
  it.each(refusals)('refuses %s with 400 invalid_dpop_proof', async (_, makeProof) => {
    const response = await post(make(), await body(), { dpop: await makeProof() })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: 'invalid_dpop_proof' })
    expect(response.headers.get('cache-control')).toBe('no-store')
  })

  it('takes each proof once (its jti through the replay port), and fails closed when the port cannot answer', async () => {
    const issuer = make()
    const once = await proof()
    expect((await post(issuer, await body(), { dpop: once })).status).toBe(200)
    const replayed = await post(issuer, await body(), { dpop: once })
    expect({ status: replayed.status, body: await replayed.json() }).toMatchObject({ status: 400, body: { error: 'invalid_dpop_proof', error_description: expect.stringMatching(/replayed/) } })
    const broken = make({ replayStore: { claim: () => Promise.reject(new Error('down')) } })
    const response = await post(broken, await body(), { dpop: await proof() })
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toBe('5')
  })

  it('with requireNonce, answers use_dpop_nonce and a DPoP-Nonce before the client assertion is spent', async () => {
    const issuer = make({ dpop: { requireNonce: true, nonceSecret } })
    const formBody = await body()
    const challenge = await post(issuer, formBody, { dpop: await proof() })
    expect(challenge.status).toBe(400)
    expect(await challenge.json()).toMatchObject({ error: 'use_dpop_nonce' })
    const nonce = challenge.headers.get('dpop-nonce')
    expect(nonce).toMatch(/^[\x21-\x7e]+$/)
    // The same assertion works with the nonce: the challenge did not consume its jti.
    const response = await post(issuer, formBody, { dpop: await proof({ nonce }) })
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ token_type: 'DPoP' })
    expect((await post(issuer, await body(), { dpop: await proof({ nonce: 'forged' }) })).status).toBe(400)
  })

  it("mode 'required' refuses a request without a proof; dpop: false refuses a DPoP header", async () => {
    const required = await post(make({ dpop: { mode: 'required' } }), await body())
    expect({ status: required.status, error: ((await required.json()) as { error: string }).error }).toEqual({ status: 400, error: 'invalid_dpop_proof' })
    const off = await post(make({ dpop: false }), await body(), { dpop: await proof() })
    expect({ status: off.status, error: ((await off.json()) as { error: string }).error }).toEqual({ status: 400, error: 'invalid_request' })
    expect(make({ dpop: false }).metadata.dpop_signing_alg_values_supported).toBeUndefined()
  })

  it('checks the dpop options when built', () => {
    expect(() => make({ dpop: { algorithms: ['HS256'] } })).toThrow(ConfigError)
    expect(() => make({ dpop: { mode: 'sometimes' } as never })).toThrow(/dpop\.mode/)
  })
})
