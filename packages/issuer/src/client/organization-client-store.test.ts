import { defineApiResources } from '@tokenward/core'
import { apiKeyManagementPermission, applyCommand, type Organization, type OrganizationCommand } from '@tokenward/core/organization'
import { decodeJwt } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import { createIssuer, type Issuer } from '../endpoint/create-issuer.ts'
import { createPbkdf2SecretHasher } from '../secret/pbkdf2-hasher.ts'
import { generateClientSecret } from '../secret/client-secret.ts'
import { form, makeClientKeys, signAssertion } from '../testing/issuer-fixture.test-support.ts'
import { createOrganizationClientStore, type OrganizationReader } from './organization-client-store.ts'

const hasher = createPbkdf2SecretHasher({ iterations: 10_000 })
const issuerId = 'https://auth.example.com'
const t0 = 1_760_000_000
const alice = { id: 'alice', permissions: [apiKeyManagementPermission] }
const keys = await makeClientKeys('ci-1')
const generated = await generateClientSecret(hasher)

const blank = (orgId: string): Organization => ({
  orgId,
  cloud: 'zscloud',
  cloudDomain: 'zscloud.net',
  apiRoles: { ReadOnly: ['reports'], Admin: ['reports', 'policies'] },
  subscriptionValidUntil: t0 + 86_400,
  suspension: undefined,
  authorizationServers: [],
  revision: 0,
})
/** An organization built through the organization rules themselves, as the admin API would. */
function organization(orgId: string, ...commands: OrganizationCommand[]): Organization {
  return commands.reduce((org, command) => {
    const r = applyCommand(org, command, alice, t0)
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`)
    return r.value.organization
  }, blank(orgId))
}
const addSecret: OrganizationCommand = {
  type: 'add_api_client',
  client: { clientId: 'ci', name: 'CI', roles: ['ReadOnly', 'Admin'], authentication: { method: 'client_secret' } },
  receipt: undefined,
  secretHash: generated.hash,
}
const addKey: OrganizationCommand = {
  type: 'add_api_client',
  client: { clientId: 'batch', name: 'Batch', roles: ['ReadOnly'], authentication: { method: 'private_key_jwt', publicKey: keys.publicJwk } },
  receipt: undefined,
}

const issuers: Issuer[] = []
afterEach(async () => {
  await Promise.all(issuers.splice(0).map((i) => i.close()))
})
function serve(orgs: Map<string, Organization>, orgId = 'acme', reader?: OrganizationReader): Issuer {
  const issuer = createIssuer({
    issuer: issuerId,
    organization: { cloud: 'zscloud', orgId, cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly', 'Admin'] },
    clients: createOrganizationClientStore({ organizations: reader ?? { get: async (id) => orgs.get(id) }, clock: () => t0 * 1000 }),
    secretHasher: hasher,
    verifiedSecretCache: false,
    clock: () => t0 * 1000,
  })
  issuers.push(issuer)
  return issuer
}
const post = (issuer: Issuer, body: string, headers: Record<string, string> = {}): Promise<Response> =>
  issuer.handle(new Request(`${issuerId}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body }))
const basic = (id: string, s: string): string => `Basic ${btoa(`${id}:${s}`)}`
const bySecret = (issuer: Issuer, clientId = 'ci', secret = generated.secret) => post(issuer, form({ grant_type: 'client_credentials' }), { authorization: basic(clientId, secret) })
const byKey = async (issuer: Issuer, clientId = 'batch') =>
  post(issuer, form({ grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: await signAssertion(keys, { clientId, audience: issuerId }, { iat: t0, exp: t0 + 60 }) }))
const errorOf = async (r: Response): Promise<[number, unknown]> => [r.status, ((await r.json()) as { error?: unknown }).error]

describe('createOrganizationClientStore: the issuer serves the registry’s API clients', () => {
  it('a client_secret client and a private_key_jwt client of the organization get tokens with their roles', async () => {
    const issuer = serve(new Map([['acme', organization('acme', addSecret, addKey)]]))
    const secretToken = await bySecret(issuer)
    expect(secretToken.status).toBe(200)
    const claims = decodeJwt(((await secretToken.json()) as { access_token: string }).access_token)
    expect(claims).toMatchObject({ client_id: 'ci', scope: 'zscloud::acme::ReadOnly zscloud::acme::Admin' })
    const keyToken = await byKey(issuer)
    expect(keyToken.status).toBe(200)
  })

  it('a disabled client, a suspended organization and an expired subscription get invalid_client', async () => {
    const disabled = organization('acme', addSecret, addKey, { type: 'disable_api_client', clientId: 'ci' }, { type: 'disable_api_client', clientId: 'batch' })
    const suspended = { ...organization('acme', addSecret, addKey), suspension: { reason: 'terms_violation' as const, since: t0 } }
    const expired = { ...organization('acme', addSecret, addKey), subscriptionValidUntil: t0 }
    for (const org of [disabled, suspended, expired]) {
      const issuer = serve(new Map([['acme', org]]))
      expect(await errorOf(await bySecret(issuer))).toEqual([401, 'invalid_client'])
      expect(await errorOf(await byKey(issuer))).toEqual([401, 'invalid_client'])
    }
  })

  it('a rotated-out secret stops working; during a rotation both work', async () => {
    const next = await generateClientSecret(hasher)
    const rotating = organization('acme', addSecret, { type: 'rotate_api_client_secret', clientId: 'ci', secretHash: next.hash })
    const both = serve(new Map([['acme', rotating]]))
    expect((await bySecret(both, 'ci', generated.secret)).status).toBe(200)
    expect((await bySecret(both, 'ci', next.secret)).status).toBe(200)
    const dropped = organization('acme', addSecret, { type: 'rotate_api_client_secret', clientId: 'ci', secretHash: next.hash, dropPrevious: true })
    const one = serve(new Map([['acme', dropped]]))
    expect(await errorOf(await bySecret(one, 'ci', generated.secret))).toEqual([401, 'invalid_client'])
    expect((await bySecret(one, 'ci', next.secret)).status).toBe(200)
  })

  it('never serves another organization’s client, even with the same client ID and credentials', async () => {
    const orgs = new Map([
      ['acme', organization('acme')],
      ['globex', organization('globex', addSecret, addKey)],
    ])
    const acmeIssuer = serve(orgs, 'acme')
    expect(await errorOf(await bySecret(acmeIssuer))).toEqual([401, 'invalid_client'])
    expect(await errorOf(await byKey(acmeIssuer))).toEqual([401, 'invalid_client'])
  })

  it('roles the organization no longer has are not granted', async () => {
    const org = organization('acme', addSecret)
    const store = createOrganizationClientStore({ organizations: { get: async () => ({ ...org, apiRoles: { Admin: ['policies'] } }) }, clock: () => t0 * 1000 })
    expect((await store.get('acme', 'ci'))?.roles).toEqual(['Admin'])
  })

  it('a role the admin adds after the issuer was built is granted at once (roles are read per token request, with their categories)', async () => {
    const orgs = new Map([['acme', organization('acme', addKey)]])
    const issuer = serve(orgs)
    const scopeOf = async (r: Response) => ((await r.json()) as { scope?: string; error?: string })
    expect(await scopeOf(await byKey(issuer))).toMatchObject({ scope: 'zscloud::acme::ReadOnly' })
    // Later, through the organization rules the admin API applies: a new role, given to the client.
    const auditor: OrganizationCommand = { type: 'add_api_role', role: { name: 'Auditor', categories: ['audits'] } }
    const grant: OrganizationCommand = { type: 'edit_api_client', clientId: 'batch', client: { clientId: 'batch', name: 'Batch', roles: ['ReadOnly', 'Auditor'], authentication: { method: 'private_key_jwt', publicKey: keys.publicJwk } }, receipt: undefined }
    orgs.set('acme', organization('acme', addKey, auditor, grant))
    expect(await scopeOf(await byKey(issuer))).toMatchObject({ scope: 'zscloud::acme::ReadOnly zscloud::acme::Auditor' })
    // Its categories count too: a resource needing 'audits' narrows the token to the new role.
    const audits = 'https://api.example.com/orgs/acme/audits'
    const narrowing = createIssuer({
      issuer: issuerId,
      organization: { cloud: 'zscloud', orgId: 'acme', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly', 'Admin'], apiRoleCategories: { ReadOnly: ['reports'], Admin: ['reports', 'policies'] } },
      clients: createOrganizationClientStore({ organizations: { get: async (id) => orgs.get(id) }, clock: () => t0 * 1000 }),
      resources: [audits],
      apiResources: defineApiResources([{ category: 'audits', routes: [{ method: 'GET', path: '/orgs/{orgId}/audits' }] }]),
      clock: () => t0 * 1000,
    })
    issuers.push(narrowing)
    const assertion = await signAssertion(keys, { clientId: 'batch', audience: issuerId }, { iat: t0, exp: t0 + 60 })
    const narrowed = await post(narrowing, form({ grant_type: 'client_credentials', resource: audits, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion }))
    expect(await scopeOf(narrowed)).toMatchObject({ scope: 'zscloud::acme::Auditor' })
    // And a role the admin deletes is withheld again.
    orgs.set('acme', organization('acme', addKey))
    expect(await scopeOf(await byKey(issuer))).toMatchObject({ scope: 'zscloud::acme::ReadOnly' })
  })

  it('a reader that throws makes the token endpoint answer 503, not invalid_client', async () => {
    const issuer = serve(new Map(), 'acme', { get: () => Promise.reject(new Error('store down')) })
    const r = await bySecret(issuer)
    expect(r.status).toBe(503)
  })

  it('is read-only: put and delete reject, so clients change only through the admin API', async () => {
    const store = createOrganizationClientStore({ organizations: { get: async () => organization('acme', addSecret) } })
    const client = (await store.get('acme', 'ci'))!
    await expect(store.put('acme', client)).rejects.toThrow(/admin API/)
    await expect(store.delete('acme', 'ci')).rejects.toThrow(/admin API/)
    expect((await store.list('acme')).map((c) => c.clientId)).toEqual(['ci'])
  })
})
