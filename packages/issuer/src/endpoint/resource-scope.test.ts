// The issuer narrows scope by RFC 8707 resources through the same API resource table the API's
// routes use; a token it mints is then held to that table by tokenward's own verifier.
import { createVerifier, defineApiResources, type Jwk } from '@tokenward/core'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defineApiClient } from '../client/api-client.ts'
import { createInMemoryClientStore } from '../client/client-store.ts'
import { createPbkdf2SecretHasher } from '../secret/pbkdf2-hasher.ts'
import { generateClientSecret } from '../secret/client-secret.ts'
import { createIssuer, type Issuer } from './create-issuer.ts'
import { narrowRolesToResources } from './resource-scope.ts'

const apiRoleCategories = { ReadOnly: ['reports'], Admin: ['reports', 'policies'], Audit: ['audit'] }
const organization = { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: Object.keys(apiRoleCategories), apiRoleCategories }
const api = 'https://api.example.com'
const table = defineApiResources([
  { category: 'reports', routes: [{ method: 'GET', path: '/orgs/{orgId}/reports' }] },
  { category: 'policies', routes: [{ method: 'DELETE', path: '/orgs/{orgId}/policies/{id}' }, { method: 'GET', path: '/orgs/{orgId}/policies' }] },
  { category: 'audit', routes: [{ method: 'GET', path: '/orgs/{orgId}/audit' }] },
  { category: null, routes: [{ method: 'GET', path: '/orgs/{orgId}/whoami' }] },
])
const reports = `${api}/orgs/12345/reports`
const policies = `${api}/orgs/12345/policies`
const whoami = `${api}/orgs/12345/whoami`
const unmapped = `${api}/orgs/12345/unmapped`
const issuerId = 'https://auth.example.com'
const hasher = createPbkdf2SecretHasher({ iterations: 10_000 })
let secret: string
let issuer: Issuer

beforeAll(async () => {
  const generated = await generateClientSecret(hasher)
  secret = generated.secret
  const clients = createInMemoryClientStore([
    ['12345', defineApiClient({ clientId: 'ops', roles: ['ReadOnly', 'Admin', 'Audit'], authentication: { method: 'client_secret', secretHashes: [generated.hash] } })],
    ['12345', defineApiClient({ clientId: 'reader', roles: ['ReadOnly'], authentication: { method: 'client_secret', secretHashes: [generated.hash] } })],
  ])
  issuer = createIssuer({ issuer: issuerId, organization, clients, secretHasher: hasher, resources: [reports, policies, whoami, unmapped], apiResources: table })
})
afterAll(() => issuer.close())

const token = async (clientId: string, params: Record<string, string | string[]>) => {
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret })
  for (const [name, value] of Object.entries(params)) for (const v of [value].flat()) body.append(name, v)
  const response = await issuer.handle(new Request(`${issuerId}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() }))
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}
const scopeOf = (roles: string[]) => roles.map((r) => `zscloud::12345::${r}`).join(' ')

describe('issuer: scope narrowing by RFC 8707 resources through the API resource table', () => {
  it.each([
    ['a reports resource keeps only the roles granting reports', 'ops', { resource: reports }, 200, scopeOf(['ReadOnly', 'Admin'])],
    ['a policies resource keeps only Admin', 'ops', { resource: policies }, 200, scopeOf(['Admin'])],
    ['two resources keep the roles granting either', 'ops', { resource: [reports, policies] }, 200, scopeOf(['ReadOnly', 'Admin'])],
    ['a resource open to every role narrows nothing', 'ops', { resource: whoami }, 200, scopeOf(['ReadOnly', 'Admin', 'Audit'])],
    ['without resource, every role', 'ops', {}, 200, scopeOf(['ReadOnly', 'Admin', 'Audit'])],
    ['a requested role that grants none of the resource’s categories', 'ops', { resource: policies, scope: scopeOf(['ReadOnly']) }, 400, 'invalid_scope'],
    ['a requested role that serves the resource', 'ops', { resource: policies, scope: scopeOf(['Admin']) }, 200, scopeOf(['Admin'])],
    ['a client with no role granting the category', 'reader', { resource: policies }, 400, 'invalid_scope'],
    ['a listed resource the table does not map', 'ops', { resource: unmapped }, 400, 'invalid_target'],
    ['a resource not served at all', 'ops', { resource: `${api}/other` }, 400, 'invalid_target'],
  ] as const)('%s', async (_name, clientId, params, status, expected) => {
    const answer = await token(clientId, params as Record<string, string | string[]>)
    expect(answer.status).toBe(status)
    if (status === 200) expect(answer.body.scope).toBe(expected)
    else expect(answer.body.error).toBe(expected)
  })

  it('the minted token is held to the same table by the verifier: policies yes, audit no', async () => {
    const minted = await token('ops', { resource: policies })
    const accessToken = minted.body.access_token as string
    expect(decodeJwt(accessToken).aud).toBe(policies)
    const jwks = (await (await issuer.handle(new Request(`${issuerId}/jwks`))).json()) as { keys: Jwk[] }
    const verifier = createVerifier({ server: { name: 'OneAPI', jwks, issuer: issuerId, audience: policies }, organization, resources: table })
    try {
      const call = (method: string, path: string) => verifier.verifyRequest({ method, url: `${api}${path}`, headers: { authorization: `Bearer ${accessToken}` } })
      expect((await call('DELETE', '/orgs/12345/policies/7')).ok).toBe(true)
      expect((await call('GET', '/orgs/12345/audit')).ok).toBe(false)
    } finally {
      await verifier.close()
    }
  })

  it('narrowRolesToResources is pure: the same answers without an issuer', () => {
    const input = { roles: ['ReadOnly', 'Admin', 'Audit'], requestedExplicitly: false, table, apiRoleCategories }
    expect(narrowRolesToResources({ ...input, resources: [`${api}/orgs/12345/audit`] })).toEqual(['Audit'])
    expect(() => narrowRolesToResources({ ...input, resources: [`${api}/orgs/12345/reports/%2e%2e/policies`] })).toThrow(/ambiguous/)
  })

  it('is checked when built', () => {
    const { apiRoleCategories: _, ...withoutCategories } = organization
    const clients = createInMemoryClientStore([])
    expect(() => createIssuer({ issuer: issuerId, organization: withoutCategories, clients, apiResources: table })).toThrow(/organization\.apiRoleCategories/)
    expect(() => createIssuer({ issuer: issuerId, organization, clients, apiResources: [] as never })).toThrow(/apiResources: must be a table/)
  })
})

