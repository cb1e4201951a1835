// Interop: sender-constrained access tokens issued by a real authorization server (panva's
// oidc-provider over HTTPS with a test CA), JWT and opaque, verified by tokenward with real proofs
// and real TLS client certificates:
// - DPoP-bound (RFC 9449): the client is registered with `dpop_bound_access_tokens`; its token
//   request carries a proof and goes through the AS's own nonce challenge (`use_dpop_nonce`).
// - Certificate-bound (RFC 8705): the client authenticates with `tls_client_auth` on the AS's
//   `mtls_endpoint_aliases` listener; the API is an Express app over HTTPS that asks for client
//   certificates, and tokenward's Express adapter reads the certificate from the TLS socket.
// Each proves the bound token works only with its key or certificate: Bearer misuse, another key,
// another certificate and no certificate are refused with 401.
import { randomUUID } from 'node:crypto'
import { createServer as createHttpsServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { createVerifier, type AuthorizationServerInput, type Verifier } from '@tokenward/core'
import { tokenward } from '@tokenward/express'
import express from 'express'
import { calculateJwkThumbprint, decodeJwt, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestCertificateAuthority, type TestCertificate } from '../../packages/core/src/platform/tls-fixture.test-support.ts'
import { makeDpopKey, signProof, type DpopKey } from '../../packages/core/src/testing/dpop-proof.test-support.ts'
import { basicAuthorization, httpsPost, startMtlsProvider, type MtlsProvider } from './oidc-provider-mtls.test-support.ts'

const jwtResource = 'https://bound-api.tokenward.test'
const opaqueResource = 'https://bound-opaque.tokenward.test'
const scope = 'zscloud::12345::ReadOnly'
const dpopClient = { id: 'dpop-client', secret: 'dpop-client-secret-0123456789abcdef' }
const introspector = { id: 'tokenward-rs', secret: 'tokenward-rs-secret-0123456789abcdef' }
const organization = { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly'] }

const ca = createTestCertificateAuthority('tokenward sender-constraint CA')
const clientCertificate: TestCertificate = ca.issueClient('tokenward-mtls-client')
const otherCertificate: TestCertificate = ca.issueClient('tokenward-other-client')

let provider: MtlsProvider
let dpopKey: DpopKey
let otherDpopKey: DpopKey
const verifiers: Verifier[] = []

beforeAll(async () => {
  dpopKey = await makeDpopKey('ES256')
  otherDpopKey = await makeDpopKey('ES256')
  provider = await startMtlsProvider({
    ca,
    clients: [
      { client_id: dpopClient.id, client_secret: dpopClient.secret, token_endpoint_auth_method: 'client_secret_basic', dpop_bound_access_tokens: true },
      {
        client_id: 'mtls-client',
        token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_subject_dn: 'CN=tokenward-mtls-client',
        tls_client_certificate_bound_access_tokens: true,
      },
      { client_id: introspector.id, client_secret: introspector.secret, token_endpoint_auth_method: 'client_secret_post' },
    ],
    resources: { [jwtResource]: { scope, accessTokenFormat: 'jwt' }, [opaqueResource]: { scope, accessTokenFormat: 'opaque' } },
    introspectors: [introspector.id],
    requireDpopNonce: true,
  })
})
afterAll(async () => {
  await Promise.all(verifiers.map((v) => v.close()))
  await provider?.close()
})

const serverFor = (resource: string, extra: Partial<AuthorizationServerInput>): AuthorizationServerInput => ({
  name: 'OidcProviderBound',
  issuer: provider.issuer,
  audience: resource,
  trustedCertificates: [ca.certificatePem],
  ...(resource === jwtResource
    ? { jwksUrl: provider.discovery.jwks_uri as string }
    : {
        introspection: {
          endpoint: provider.discovery.introspection_endpoint as string,
          clientId: introspector.id,
          clientAuthentication: { method: 'client_secret_post', clientSecret: introspector.secret },
        },
      }),
  ...extra,
})

const verifierFor = (server: AuthorizationServerInput): Verifier => {
  const v = createVerifier({ server, organization })
  verifiers.push(v)
  return v
}

/** The AS's token-endpoint proof: no `ath`, optionally the nonce the AS handed out. */
const tokenRequestProof = (key: DpopKey, htu: string, nonce: string | undefined) =>
  new SignJWT({ jti: randomUUID(), htm: 'POST', htu, iat: Math.floor(Date.now() / 1000), ...(nonce === undefined ? {} : { nonce }) })
    .setProtectedHeader({ typ: 'dpop+jwt', alg: key.alg, jwk: key.publicJwk })
    .sign(key.privateKey)

/** A client-credentials request with a DPoP proof; the AS first demands its nonce (RFC 9449 §8). */
async function requestDpopToken(resource: string): Promise<{ token: string; tokenType: string }> {
  const tokenEndpoint = provider.discovery.token_endpoint as string
  const send = async (nonce: string | undefined) =>
    httpsPost(tokenEndpoint, {
      ca: ca.certificatePem,
      headers: { authorization: basicAuthorization(dpopClient.id, dpopClient.secret), dpop: await tokenRequestProof(dpopKey, tokenEndpoint, nonce) },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope }).toString(),
    })
  const challenged = await send(undefined)
  expect([challenged.status, (JSON.parse(challenged.body) as { error: string }).error]).toEqual([400, 'use_dpop_nonce'])
  const nonce = challenged.headers['dpop-nonce']
  expect(typeof nonce).toBe('string')
  const issued = await send(nonce as string)
  if (issued.status !== 200) throw new Error(`token request failed: HTTP ${issued.status} ${issued.body}`)
  const answer = JSON.parse(issued.body) as { access_token: string; token_type: string }
  return { token: answer.access_token, tokenType: answer.token_type }
}

/** A client-credentials request authenticated by the client certificate, on the mTLS alias. */
async function requestCertificateBoundToken(resource: string): Promise<string> {
  const aliases = provider.discovery.mtls_endpoint_aliases as Record<string, string>
  const issued = await httpsPost(aliases.token_endpoint!, {
    ca: ca.certificatePem,
    certificate: clientCertificate,
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'mtls-client', resource, scope }).toString(),
  })
  if (issued.status !== 200) throw new Error(`token request failed: HTTP ${issued.status} ${issued.body}`)
  return (JSON.parse(issued.body) as { access_token: string }).access_token
}

describe.each([
  ['JWT', jwtResource],
  ['opaque', opaqueResource],
])('DPoP-bound %s access tokens from oidc-provider', (format, resource) => {
  const url = `${resource}/orders`
  const request = (token: string, scheme: string, dpop: string | undefined) => ({
    method: 'GET',
    url,
    headers: { authorization: `${scheme} ${token}`, ...(dpop === undefined ? {} : { dpop }) },
  })

  it('accepts the token with a proof from its key; refuses Bearer misuse, another key, and a replayed proof', async () => {
    const { token, tokenType } = await requestDpopToken(resource)
    expect(tokenType).toBe('DPoP')
    const jkt = await calculateJwkThumbprint(dpopKey.publicJwk)
    if (format === 'JWT') expect(decodeJwt(token).cnf).toEqual({ jkt })
    else expect(token.split('.')).toHaveLength(1)
    const verifier = verifierFor(serverFor(resource, { dpop: { mode: 'enabled' } }))
    const iat = () => Math.floor(Date.now() / 1000)

    const proof = await signProof(dpopKey, { method: 'GET', url, accessToken: token, iat: iat() })
    const accepted = await verifier.verifyRequest(request(token, 'DPoP', proof))
    expect(accepted).toMatchObject({ ok: true, token: { binding: { type: 'dpop', jkt }, clientId: dpopClient.id, authorization: { apiRole: { role: 'ReadOnly' } } } })

    // RFC 9449 §7.2: a DPoP-bound token sent as a bearer token is refused, with or without a proof.
    const asBearer = await verifier.verifyRequest(request(token, 'Bearer', undefined))
    expect(asBearer).toMatchObject({ ok: false, error: { code: 'invalid_binding', status: 401 } })
    const asBearerWithProof = await verifier.verifyRequest(request(token, 'Bearer', await signProof(dpopKey, { method: 'GET', url, accessToken: token, iat: iat() })))
    expect(asBearerWithProof).toMatchObject({ ok: false, error: { code: 'invalid_binding', status: 401 } })

    const otherKey = await verifier.verifyRequest(request(token, 'DPoP', await signProof(otherDpopKey, { method: 'GET', url, accessToken: token, iat: iat() })))
    // A valid proof, but its key is not the one the AS bound the token to (cnf.jkt).
    expect(otherKey).toMatchObject({ ok: false, error: { code: 'invalid_binding', status: 401 } })
    const replayed = await verifier.verifyRequest(request(token, 'DPoP', proof))
    expect(replayed).toMatchObject({ ok: false, error: { code: 'invalid_dpop_proof', status: 401 } })

    // A fresh proof from the right key is accepted again (from tokenward's cache).
    expect(await verifier.verifyRequest(request(token, 'DPoP', await signProof(dpopKey, { method: 'GET', url, accessToken: token, iat: iat() })))).toMatchObject({
      ok: true,
      token: { fromCache: true, binding: { type: 'dpop', jkt } },
    })
  })

  it('is refused by a server that does not check DPoP (never downgraded to a bearer token)', async () => {
    const { token } = await requestDpopToken(resource)
    const verifier = verifierFor(serverFor(resource, {}))
    const verdict = await verifier.verifyRequest(request(token, 'Bearer', undefined))
    expect(verdict).toMatchObject({ ok: false, error: { code: 'token_bound', status: 401 } })
  })
})

describe.each([
  ['JWT', jwtResource],
  ['opaque', opaqueResource],
])('certificate-bound %s access tokens from oidc-provider, at an Express API over mutual TLS', (format, resource) => {
  let api: Server
  let apiOrigin: string

  beforeAll(async () => {
    const verifier = verifierFor(serverFor(resource, { mtls: { mode: 'enabled' } }))
    const app = express()
    app.get('/orders', tokenward({ guard: verifier, publicOrigin: resource }), (req, res) => {
      res.json({ clientId: req.auth?.clientId, binding: req.auth?.binding })
    })
    const serverCertificate = ca.issue({ ipAddresses: ['127.0.0.1'] })
    // The API asks for a certificate and lets any through: the binding, not the TLS layer, decides.
    api = createHttpsServer({ cert: serverCertificate.certificatePem, key: serverCertificate.privateKeyPem, requestCert: true, rejectUnauthorized: false }, app)
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve))
    apiOrigin = `https://127.0.0.1:${(api.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    api.closeAllConnections()
    await new Promise<void>((resolve) => api.close(() => resolve()))
  })

  const call = (token: string, certificate: TestCertificate | undefined) =>
    httpsPost(`${apiOrigin}/orders`, { method: 'GET', ca: ca.certificatePem, certificate, headers: { authorization: `Bearer ${token}` } })

  it('accepts the token only over a connection with its certificate', async () => {
    const token = await requestCertificateBoundToken(resource)
    if (format === 'JWT') expect(Object.keys(decodeJwt(token).cnf as object)).toEqual(['x5t#S256'])
    else expect(token.split('.')).toHaveLength(1)

    const accepted = await call(token, clientCertificate)
    expect(accepted.status).toBe(200)
    expect(JSON.parse(accepted.body)).toMatchObject({ clientId: 'mtls-client', binding: { type: 'mtls' } })

    const other = await call(token, otherCertificate)
    expect(other.status).toBe(401)
    expect(String(other.headers['www-authenticate'])).toMatch(/invalid_token/)
    expect((await call(token, undefined)).status).toBe(401)
    // Still accepted with the right certificate (the token is cached; the binding is checked again).
    expect((await call(token, clientCertificate)).status).toBe(200)
  })
})
