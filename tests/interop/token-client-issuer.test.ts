// Interop: @tokenward/client against tokenward's own issuer over real HTTP on 127.0.0.1 —
// client_secret_basic, client_secret_post and private_key_jwt, found by discovery; DPoP-bound
// tokens with the issuer's nonce, then spent at an API that tokenward's verifier protects with
// DPoP and its own nonce. oauth4webapi (a client nobody here wrote) gets a DPoP-bound token from
// the issuer too, and jose checks the tokens against the published JWKS.
import { createTokenClient } from '@tokenward/client'
import { createVerifier } from '@tokenward/core'
import { createInMemoryClientStore, createIssuer, createPbkdf2SecretHasher, defineApiClient, generateClientSecret, type Issuer } from '@tokenward/issuer'
import { withTokenward } from '@tokenward/web'
import { calculateJwkThumbprint, createRemoteJWKSet, exportJWK, jwtVerify } from 'jose'
import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeClientKeys, serveHandler, type ClientKeys, type RunningServer } from '../../packages/issuer/src/testing/issuer-fixture.test-support.ts'

const organization = { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly', 'Admin'] }
const hasher = createPbkdf2SecretHasher({ iterations: 10_000 })
const nonceSecret = 'the issuer nonce secret, at least 32 characters'

let server: RunningServer
let api: RunningServer
let issuer: Issuer
let secret: string
let keys: ClientKeys
let privateJwk: Record<string, string>
const apiHits: { authorization: string | null; dpop: string | null; status: number }[] = []

beforeAll(async () => {
  keys = await makeClientKeys('k-1')
  privateJwk = { ...((await exportJWK(keys.privateKey)) as Record<string, string>), kid: 'k-1' }
  const generated = await generateClientSecret(hasher)
  secret = generated.secret
  const clients = createInMemoryClientStore(
    [
      defineApiClient({ clientId: 'secret-client', roles: ['ReadOnly', 'Admin'], authentication: { method: 'client_secret', secretHashes: [generated.hash] } }),
      defineApiClient({ clientId: 'key-client', roles: ['ReadOnly'], authentication: { method: 'private_key_jwt', publicKey: keys.publicJwk as never } }),
    ].map((c) => ['12345', c] as const),
  )
  server = await serveHandler((request, origin) => {
    issuer ??= createIssuer({ issuer: origin, organization, clients, secretHasher: hasher, dpop: { requireNonce: true, nonceSecret } })
    return issuer.handle(request)
  })
  await fetch(`${server.origin}/jwks`) // builds the issuer
  const verifier = createVerifier({
    server: { name: 'OneApi', jwksUrl: issuer.jwksUri, issuer: issuer.issuer, audience: issuer.issuer, requireAccessTokenType: true, dpop: { mode: 'required', requireNonce: true, nonceSecret: 'the API nonce secret, also 32+ characters long' } },
    cache: false,
  })
  const protectedApi = withTokenward((_request, auth) => Response.json({ clientId: auth.clientId }), { guard: verifier })
  api = await serveHandler(async (request) => {
    const response = await protectedApi(request)
    apiHits.push({ authorization: request.headers.get('authorization'), dpop: request.headers.get('dpop'), status: response.status })
    return response
  })
})
afterAll(async () => {
  await issuer?.close()
  await server?.close()
  await api?.close()
})

const verifyAtJwks = async (token: string) =>
  (await jwtVerify(token, createRemoteJWKSet(new URL(issuer.jwksUri)), { issuer: issuer.issuer, audience: issuer.issuer, typ: 'at+jwt' })).payload

describe('@tokenward/client against @tokenward/issuer', () => {
  it('client_secret_basic, token endpoint discovered from the issuer, cached', async () => {
    const client = createTokenClient({ issuer: server.origin, clientId: 'secret-client', clientAuthentication: { method: 'client_secret_basic', clientSecret: secret } })
    const token = await client.getToken()
    expect(token.tokenType).toBe('Bearer')
    expect(await verifyAtJwks(token.accessToken)).toMatchObject({ client_id: 'secret-client', scope: 'zscloud::12345::ReadOnly zscloud::12345::Admin' })
    expect(await client.getToken()).toBe(token)
  })

  it('client_secret_post with a scope', async () => {
    const client = createTokenClient({ issuer: server.origin, clientId: 'secret-client', clientAuthentication: { method: 'client_secret_post', clientSecret: secret }, scope: 'zscloud::12345::Admin' })
    expect(await verifyAtJwks((await client.getToken()).accessToken)).toMatchObject({ scope: 'zscloud::12345::Admin' })
  })

  it('private_key_jwt (assertion aud = the issuer), and the issuer\'s refusal of a role comes back as a rejection', async () => {
    const client = createTokenClient({ issuer: server.origin, clientId: 'key-client', clientAuthentication: { method: 'private_key_jwt', privateKey: privateJwk } })
    expect(await verifyAtJwks((await client.getToken()).accessToken)).toMatchObject({ client_id: 'key-client', scope: 'zscloud::12345::ReadOnly' })
    await expect(client.getToken({ scope: 'zscloud::12345::Admin' })).rejects.toMatchObject({ _tag: 'TokenRequestRejectedError', status: 400, oauthError: 'invalid_scope' })
  })

  it('DPoP: answers the issuer\'s nonce, gets a token bound to its key, and spends it at a DPoP API that wants its own nonce', async () => {
    const client = createTokenClient({ issuer: server.origin, clientId: 'key-client', clientAuthentication: { method: 'private_key_jwt', privateKey: privateJwk }, dpop: true, apiOrigins: [api.origin] })
    const token = await client.getToken()
    expect(token.tokenType).toBe('DPoP')
    const payload = await verifyAtJwks(token.accessToken)
    expect(payload.cnf).toEqual({ jkt: await calculateJwkThumbprint((await client.dpopPublicKey()) as never, 'sha256') })
    apiHits.length = 0
    const response = await client.fetch(`${api.origin}/orders?page=1`)
    expect({ status: response.status, body: await response.json() }).toEqual({ status: 200, body: { clientId: 'key-client' } })
    // First call: the API asks for its nonce (401 use_dpop_nonce); the retry carries it.
    expect(apiHits.map((h) => h.status)).toEqual([401, 200])
    expect(apiHits.every((h) => h.authorization === `DPoP ${token.accessToken}`)).toBe(true)
    // The API's nonce is remembered: the next call needs no challenge.
    expect((await client.fetch(`${api.origin}/orders`)).status).toBe(200)
    expect(apiHits.map((h) => h.status)).toEqual([401, 200, 200])
  })

  it('a Bearer token refused by a DPoP-only API (invalid_token) is dropped and replaced once, then the refusal is returned', async () => {
    const client = createTokenClient({ issuer: server.origin, clientId: 'secret-client', clientAuthentication: { method: 'client_secret_basic', clientSecret: secret }, apiOrigins: [api.origin] })
    apiHits.length = 0
    const response = await client.fetch(`${api.origin}/orders`)
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_token"/)
    expect(apiHits.map((h) => h.status)).toEqual([401, 401])
    // Two different tokens: the refused one was dropped, not sent again.
    expect(new Set(apiHits.map((h) => h.authorization)).size).toBe(2)
  })

  it('oauth4webapi gets a DPoP-bound token from the issuer, retrying once with the issuer\'s nonce', async () => {
    const issuerUrl = new URL(server.origin)
    const as = await oauth.processDiscoveryResponse(issuerUrl, await oauth.discoveryRequest(issuerUrl, { algorithm: 'oauth2', [oauth.allowInsecureRequests]: true }))
    expect(as.dpop_signing_alg_values_supported).toContain('ES256')
    const client: oauth.Client = { client_id: 'secret-client' }
    const keyPair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])) as CryptoKeyPair
    const DPoP = oauth.DPoP(client, keyPair)
    const request = () => oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretBasic(secret), new URLSearchParams(), { DPoP, [oauth.allowInsecureRequests]: true })
    let tokens: oauth.TokenEndpointResponse
    try {
      tokens = await oauth.processClientCredentialsResponse(as, client, await request())
      throw new Error('the issuer should have asked for a nonce first')
    } catch (error) {
      expect(oauth.isDPoPNonceError(error)).toBe(true)
      tokens = await oauth.processClientCredentialsResponse(as, client, await request())
    }
    expect(tokens.token_type).toBe('dpop')
    const jwk = await crypto.subtle.exportKey('jwk', keyPair.publicKey)
    expect((await verifyAtJwks(tokens.access_token)).cnf).toEqual({ jkt: await calculateJwkThumbprint(jwk as never, 'sha256') })
  })
})
