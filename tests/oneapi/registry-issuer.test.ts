// One deployment, both halves of OneAPI: an organization admin registers API clients through the
// registry's admin API; @tokenward/issuer's token endpoint serves exactly those clients (secrets
// hashed by the admin API's default hasher, checked by the issuer's); the registry verifier accepts
// the issued tokens for that organization only, and stops as soon as the client is disabled.
import { apiKeyManagementPermission, type Organization } from '@tokenward/core/organization'
import { createIssuer, createOrganizationClientStore, type Issuer } from '@tokenward/issuer'
import { createAdminApi, createInMemoryAuditSink, createInMemoryOrganizationStore, createInMemoryReceiptStore, createRegistryVerifier, type RegistryVerifier } from '@tokenward/registry'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const issuerId = 'https://auth.oneapi.test'
const org = (orgId: string): Organization => ({
  orgId,
  cloud: 'zscloud',
  cloudDomain: 'zscloud.net',
  apiRoles: { ReadOnly: ['reports'], Admin: ['reports', 'policies'] },
  subscriptionValidUntil: Math.floor(Date.now() / 1000) + 86_400,
  suspension: undefined,
  authorizationServers: [],
  revision: 1,
})

const store = createInMemoryOrganizationStore([org('acme'), org('globex')])
const admin = createAdminApi({
  store,
  receipts: createInMemoryReceiptStore(),
  audit: createInMemoryAuditSink(),
  authenticate: async () => ({ id: 'alice', permissions: [apiKeyManagementPermission] }),
  authorizeOrganization: null,
})
const adminCall = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
  const response = await admin(
    new Request(`https://admin.oneapi.test/${path}`, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }),
  )
  const text = await response.text()
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) }
}

let acmeIssuer: Issuer
let registry: RegistryVerifier
let secret: string
const tokenFor = async (clientId: string, clientSecret: string): Promise<{ status: number; body: any }> => {
  const response = await acmeIssuer.handle(
    new Request(`${issuerId}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${btoa(`${clientId}:${clientSecret}`)}` },
      body: 'grant_type=client_credentials',
    }),
  )
  return { status: response.status, body: await response.json() }
}
const callApi = (orgId: string, token: string) => registry.verifyRequest({ method: 'GET', url: 'https://api.oneapi.test/reports', headers: { authorization: `Bearer ${token}` } }, { orgId })

beforeAll(async () => {
  const added = await adminCall('POST', 'orgs/acme/api-clients', { clientId: 'ci', name: 'CI', roles: ['ReadOnly'], authentication: { method: 'client_secret' } })
  expect(added.status).toBe(201)
  secret = added.body.clientSecret
  // Another organization's client with the same ID.
  expect((await adminCall('POST', 'orgs/globex/api-clients', { clientId: 'ci', name: 'CI', roles: ['Admin'], authentication: { method: 'client_secret' } })).status).toBe(201)
  acmeIssuer = createIssuer({
    issuer: issuerId,
    organization: { cloud: 'zscloud', orgId: 'acme', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly', 'Admin'] },
    clients: createOrganizationClientStore({ organizations: store }),
  })
  const jwks = await (await acmeIssuer.handle(new Request(`${issuerId}/jwks`))).json()
  registry = createRegistryVerifier({ store, issuer: { issuer: issuerId, jwks: jwks as never }, keyRefresh: false })
}, 60_000)
afterAll(async () => {
  await registry?.close()
  await acmeIssuer?.close()
})

describe('OneAPI: admin API → issuer → registry verifier', () => {
  it('the secret the admin API answered once gets a token, which the registry accepts for acme only', async () => {
    const issued = await tokenFor('ci', secret)
    expect(issued.status).toBe(200)
    expect(issued.body.scope).toBe('zscloud::acme::ReadOnly')
    const acme = await callApi('acme', issued.body.access_token)
    expect(acme.ok).toBe(true)
    const globex = await callApi('globex', issued.body.access_token)
    expect(globex.ok).toBe(false)
    if (!globex.ok) expect([globex.response.status, globex.error.code]).toEqual([403, 'insufficient_scope'])
    expect((await tokenFor('ci', 'not-the-secret')).status).toBe(401)
  }, 60_000)

  it('a role the admin adds through the admin API after the issuer was built is granted by the running issuer', async () => {
    expect((await adminCall('POST', 'orgs/acme/api-roles', { name: 'Auditor', categories: ['reports'] })).status).toBe(201)
    const added = await adminCall('POST', 'orgs/acme/api-clients', { clientId: 'auditor', name: 'Auditor bot', roles: ['Auditor'], authentication: { method: 'client_secret' } })
    expect(added.status).toBe(201)
    const issued = await tokenFor('auditor', added.body.clientSecret)
    expect([issued.status, issued.body.scope]).toEqual([200, 'zscloud::acme::Auditor'])
    expect((await callApi('acme', issued.body.access_token)).ok).toBe(true)
  }, 60_000)

  it('disabling the client through the admin API stops new tokens and the tokens already issued', async () => {
    const issued = await tokenFor('ci', secret)
    expect(issued.status).toBe(200)
    expect((await adminCall('POST', 'orgs/acme/api-clients/ci/disable')).status).toBe(200)
    const refused = await tokenFor('ci', secret)
    expect([refused.status, refused.body.error]).toEqual([401, 'invalid_client'])
    const verdict = await callApi('acme', issued.body.access_token)
    expect(verdict.ok).toBe(false)
    if (!verdict.ok) expect(verdict.error.code).toBe('invalid_client')
  }, 60_000)
})
