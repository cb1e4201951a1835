// Interop: opaque access tokens from a real authorization server (panva's oidc-provider on
// 127.0.0.1, resource indicator with accessTokenFormat 'opaque'), accepted by tokenward through
// RFC 7662 introspection as a client authenticated with client_secret_basic. Revocation at the
// AS is seen once tokenward's cache window ends (asserted with tokenward's clock).
import { createServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createVerifier, type VerifierEvent } from '@tokenward/core'
import { exportJWK, generateKeyPair } from 'jose'
import Provider, { errors } from 'oidc-provider'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const resource = 'https://opaque-api.tokenward.test'
const scope = 'zscloud::12345::ReadOnly'
const caller = { id: 'opaque-caller', secret: 'opaque-caller-secret-0123456789abcdef' }
// tokenward's own client at the AS; its secret has characters RFC 6749 §2.3.1 form-encodes.
const introspector = { id: 'tokenward rs', secret: 'intro:secret/+=&0123456789abcdef' }

let server: Server
let issuer: string

function send(path: string, body: string, client: { id: string; secret: string }): Promise<{ status: number; body: string }> {
  const basic = Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${issuer}${path}`, { method: 'POST', headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' }, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

async function issueOpaqueToken(): Promise<string> {
  const r = await send('/token', new URLSearchParams({ grant_type: 'client_credentials', resource, scope }).toString(), caller)
  if (r.status !== 200) throw new Error(`token request failed: HTTP ${r.status} ${r.body}`)
  return (JSON.parse(r.body) as { access_token: string }).access_token
}

beforeAll(async () => {
  server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const basicClient = { grant_types: ['client_credentials'], response_types: [], redirect_uris: [], token_endpoint_auth_method: 'client_secret_basic' }
  const { privateKey } = await generateKeyPair('RS256', { extractable: true })
  const provider = new Provider(issuer, {
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'as-1', alg: 'RS256', use: 'sig' }] },
    ttl: { ClientCredentials: 600 },
    clients: [
      { client_id: caller.id, client_secret: caller.secret, ...basicClient },
      { client_id: introspector.id, client_secret: introspector.secret, ...basicClient },
    ],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // Only tokenward's own client may introspect; only a token's client may revoke it.
      introspection: { enabled: true, allowedPolicy: async (_ctx: unknown, client: { clientId: string }) => client.clientId === introspector.id },
      revocation: { enabled: true, allowedPolicy: async (_ctx: unknown, client: { clientId: string }, token: { clientId: string }) => client.clientId === token.clientId },
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

describe('opaque tokens from oidc-provider, by introspection', () => {
  let now = Date.now()
  const verifierFor = (introspection: Record<string, unknown> = {}) => {
    const events: VerifierEvent[] = []
    const verifier = createVerifier({
      server: {
        name: 'OidcProviderOpaque',
        issuer,
        audience: resource,
        introspection: {
          endpoint: `${issuer}/token/introspection`,
          clientId: introspector.id,
          clientAuthentication: { method: 'client_secret_basic', clientSecret: introspector.secret },
          tokenTimeToLiveSeconds: 60,
          ...introspection,
        },
      },
      organization: { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly'] },
      clock: () => now,
      onEvent: (e) => events.push(e),
    })
    return { verifier, events }
  }

  it('accepts an opaque token, authorizes its API role, and audits the AS request without the token', async () => {
    const token = await issueOpaqueToken()
    expect(token.split('.')).toHaveLength(1) // opaque, not a JWT
    const { verifier, events } = verifierFor()
    const accepted = await verifier.verify(token)
    expect(accepted).toMatchObject({ source: 'introspection', clientId: caller.id, issuer, audience: [resource], fromCache: false })
    expect(accepted.authorization?.adminId).toBe('oauth-ReadOnly$@12345.zscloud.net')
    expect(events).toEqual([expect.objectContaining({ type: 'introspection', status: 200, outcome: 'active', endpointKind: 'introspection' })])
    expect(JSON.stringify(events)).not.toContain(token)
    expect(JSON.stringify(events)).not.toContain(introspector.secret)
    await verifier.close()
  })

  it('sees a revocation only after the cache window (tokenTimeToLiveSeconds) ends', async () => {
    const token = await issueOpaqueToken()
    const { verifier } = verifierFor()
    expect((await verifier.verify(token)).fromCache).toBe(false)
    const revoked = await send('/token/revocation', new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(), caller)
    expect(revoked.status).toBe(200)
    now += 59_000
    expect((await verifier.verify(token)).fromCache).toBe(true)
    now += 1_000
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'token_inactive', status: 401, stage: 'introspect' })
    await verifier.close()
  })

  it('answers 503, never 401, when the AS refuses tokenward\'s own credentials', async () => {
    const token = await issueOpaqueToken()
    const { verifier, events } = verifierFor({ clientAuthentication: { method: 'client_secret_basic', clientSecret: 'wrong-secret-0123456789' } })
    const verdict = await verifier.verifyRequest({ method: 'GET', url: `${resource}/orders`, headers: { authorization: `Bearer ${token}` } })
    expect(!verdict.ok && [verdict.response.status, verdict.error.code]).toEqual([503, 'introspection_unavailable'])
    expect(events).toEqual([expect.objectContaining({ outcome: 'misconfigured', status: 401 })])
    await verifier.close()
  })

  it('refuses an unknown opaque string as inactive (401)', async () => {
    const { verifier } = verifierFor()
    await expect(verifier.verify('not-a-token-the-as-issued-0123456789')).rejects.toMatchObject({ code: 'token_inactive', status: 401 })
    await verifier.close()
  })
})
