// End to end over real HTTP on 127.0.0.1: @tokenward/client with DPoP gets a DPoP-bound token
// (cnf.jkt) from @tokenward/issuer over the organization registry, and spends it at an API behind
// registryGuard + the registry verifier, which checks the proof and its own nonce like an
// organization's own server's DPoP tokens. The same token sent as Bearer is refused.
import { createTokenClient } from '@tokenward/client'
import { apiKeyManagementPermission, applyCommand, organizationAccessOf, type Organization } from '@tokenward/core/organization'
import { createIssuer, createOrganizationClientStore, type Issuer } from '@tokenward/issuer'
import { createInMemoryOrganizationStore, createRegistryVerifier, registryGuard, type RegistryVerifier } from '@tokenward/registry'
import { withTokenward } from '@tokenward/web'
import { exportJWK } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeClientKeys, serveHandler, type RunningServer } from '../../packages/issuer/src/testing/issuer-fixture.test-support.ts'

const now = Math.floor(Date.now() / 1000)
let issuerServer: RunningServer
let api: RunningServer
let issuer: Issuer
let registry: RegistryVerifier
let privateJwk: Record<string, string>
const apiHits: { status: number; challenge: string | null }[] = []

beforeAll(async () => {
  const keys = await makeClientKeys('bot-1')
  privateJwk = { ...((await exportJWK(keys.privateKey)) as Record<string, string>), kid: 'bot-1' }
  const blank: Organization = {
    orgId: 'acme',
    cloud: 'zscloud',
    cloudDomain: 'zscloud.net',
    apiRoles: { ReadOnly: ['reports'] },
    subscriptionValidUntil: now + 86_400,
    suspension: undefined,
    authorizationServers: [],
    revision: 1,
  }
  const added = applyCommand(
    blank,
    { type: 'add_api_client', client: { clientId: 'bot', name: 'Bot', roles: ['ReadOnly'], authentication: { method: 'private_key_jwt', publicKey: keys.publicJwk as never } }, receipt: undefined },
    { id: 'alice', permissions: [apiKeyManagementPermission] },
    now,
  )
  if (!added.ok) throw new Error(added.error.message)
  const store = createInMemoryOrganizationStore([added.value.organization])
  issuerServer = await serveHandler((request, origin) => {
    issuer ??= createIssuer({
      issuer: origin,
      organization: organizationAccessOf(added.value.organization),
      clients: createOrganizationClientStore({ organizations: store }),
      dpop: { requireNonce: true, nonceSecret: 'the issuer nonce secret, at least 32 characters' },
    })
    return issuer.handle(request)
  })
  await fetch(`${issuerServer.origin}/jwks`) // builds the issuer
  registry = createRegistryVerifier({
    store,
    issuer: { issuer: issuer.issuer, jwksUrl: issuer.jwksUri, dpop: { mode: 'enabled', requireNonce: true, nonceSecret: 'the API nonce secret, also 32+ characters long' } },
    keyRefresh: false,
    resourceMetadataUrl: 'https://api.example.test/.well-known/oauth-protected-resource',
  })
  const handler = withTokenward((_request, auth) => Response.json({ clientId: auth.clientId }), { guard: registryGuard(registry, { path: '/orgs/:orgId/*' }) })
  api = await serveHandler(async (request) => {
    const response = await handler(request)
    apiHits.push({ status: response.status, challenge: response.headers.get('www-authenticate') })
    return response
  })
}, 60_000)
afterAll(async () => {
  await registry?.close()
  await issuer?.close()
  await issuerServer?.close()
  await api?.close()
})

describe('OneAPI: DPoP-bound issuer tokens through the registry', () => {
  it('@tokenward/client (dpop) → issuer → registryGuard: accepted after the API nonce; refused as Bearer', async () => {
    const client = createTokenClient({ issuer: issuerServer.origin, clientId: 'bot', clientAuthentication: { method: 'private_key_jwt', privateKey: privateJwk }, dpop: true, apiOrigins: [api.origin] })
    const token = await client.getToken()
    expect(token.tokenType).toBe('DPoP')
    const response = await client.fetch(`${api.origin}/orgs/acme/reports`)
    expect({ status: response.status, body: await response.json() }).toEqual({ status: 200, body: { clientId: 'bot' } })
    expect(apiHits.map((h) => h.status)).toEqual([401, 200]) // use_dpop_nonce, then accepted
    expect(apiHits[0]!.challenge).toMatch(/use_dpop_nonce/)
    // The same token as Bearer: refused, and the challenge names the resource metadata.
    const bearer = await fetch(`${api.origin}/orgs/acme/reports`, { headers: { authorization: `Bearer ${token.accessToken}` } })
    expect(bearer.status).toBe(401)
    expect(bearer.headers.get('www-authenticate')).toContain('resource_metadata="https://api.example.test/.well-known/oauth-protected-resource"')
  }, 60_000)
})
