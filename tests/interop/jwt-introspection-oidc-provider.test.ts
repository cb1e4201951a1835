// Interop: RFC 9701 JWT introspection answers from a real authorization server (panva's
// oidc-provider on 127.0.0.1 with the jwtIntrospection feature, opaque access tokens). tokenward
// asks with Accept: application/token-introspection+jwt, verifies the signed answer against the
// AS's JWKS (typ, iss, aud = its client ID, iat) and accepts the token. (With the feature on,
// oidc-provider signs answers for every client, so the plain-JSON refusal is proven against a
// local AS in packages/core/src/introspection/jwt-introspection.test.ts.)
import { createServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createVerifier, type VerifierEvent } from '@tokenward/core'
import { exportJWK, generateKeyPair } from 'jose'
import Provider, { errors } from 'oidc-provider'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const resource = 'https://jwt-introspection-api.tokenward.test'
const scope = 'zscloud::12345::ReadOnly'
const caller = { id: 'jwt-intro-caller', secret: 'jwt-intro-caller-secret-0123456789' }
// tokenward's client at the AS, with signed introspection answers.
const signedIntrospector = { id: 'tokenward-signed', secret: 'tokenward-signed-secret-0123456789' }

let server: Server
let issuer: string

async function issueOpaqueToken(): Promise<string> {
  const basic = Buffer.from(`${caller.id}:${caller.secret}`).toString('base64')
  const body = new URLSearchParams({ grant_type: 'client_credentials', resource, scope }).toString()
  const text = await new Promise<string>((resolve, reject) => {
    const req = httpRequest(`${issuer}/token`, { method: 'POST', headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' }, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    })
    req.on('error', reject)
    req.end(body)
  })
  return (JSON.parse(text) as { access_token: string }).access_token
}

beforeAll(async () => {
  server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const basicClient = { grant_types: ['client_credentials'], response_types: [], redirect_uris: [], token_endpoint_auth_method: 'client_secret_basic' }
  const { privateKey } = await generateKeyPair('RS256', { extractable: true })
  const provider = new Provider(issuer, {
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'as-jwt-1', alg: 'RS256', use: 'sig' }] },
    ttl: { ClientCredentials: 600 },
    clients: [
      { client_id: caller.id, client_secret: caller.secret, ...basicClient },
      { client_id: signedIntrospector.id, client_secret: signedIntrospector.secret, ...basicClient, introspection_signed_response_alg: 'RS256' },
    ],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true, allowedPolicy: async (_ctx: unknown, client: { clientId: string }) => client.clientId === signedIntrospector.id },
      jwtIntrospection: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => resource,
        getResourceServerInfo: async (_ctx: unknown, indicator: string) => {
          if (indicator !== resource) throw new errors.InvalidTarget()
          return { scope, audience: resource, accessTokenFormat: 'opaque', accessTokenTTL: 600 }
        },
      },
    },
  })
  server.on('request', provider.callback())
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

const verifierFor = (client: { id: string; secret: string }, events: VerifierEvent[]) =>
  createVerifier({
    server: {
      name: 'OidcProviderJwtIntrospection',
      issuer,
      audience: resource,
      jwksUrl: `${issuer}/jwks`,
      introspection: {
        endpoint: `${issuer}/token/introspection`,
        clientId: client.id,
        clientAuthentication: { method: 'client_secret_basic', clientSecret: client.secret },
        responseFormat: 'jwt',
      },
    },
    organization: { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly'] },
    onEvent: (e) => events.push(e),
  })

describe('RFC 9701 JWT introspection answers from oidc-provider', () => {
  it('accepts an opaque token through a signed answer verified against the AS keys', async () => {
    const token = await issueOpaqueToken()
    const events: VerifierEvent[] = []
    const verifier = verifierFor(signedIntrospector, events)
    const accepted = await verifier.verify(token)
    expect(accepted).toMatchObject({ source: 'introspection', clientId: caller.id, issuer, audience: [resource] })
    expect(accepted.authorization?.adminId).toBe('oauth-ReadOnly$@12345.zscloud.net')
    expect(events).toContainEqual(expect.objectContaining({ type: 'introspection', status: 200, outcome: 'active' }))
    await verifier.close()
  })
})
