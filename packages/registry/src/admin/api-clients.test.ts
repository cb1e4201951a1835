import { exportJWK, generateKeyPair } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import { createPbkdf2ClientSecretHasher } from './client-secret-hasher.ts'
import { makeOrg, makePublicJwk, orgId, revisionOf, startHarness, t0, type Harness, type HarnessOptions } from './admin-fixture.test-support.ts'
import { serveJson } from './http-bridge.test-support.ts'

const clients = `orgs/${orgId}/api-clients`
const roles = `orgs/${orgId}/api-roles`
let open: { close(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(open.map((s) => s.close()))
  open = []
})
/** Secrets are hashed with a cheap PBKDF2 in these tests (the default costs 600 000 iterations). */
const cheapHasher = createPbkdf2ClientSecretHasher({ iterations: 10_000 })
async function harness(options: HarnessOptions = {}): Promise<Harness> {
  const h = await startHarness({
    organizations: [makeOrg({ apiRoles: { ReadOnly: ['reports'], Admin: ['reports', 'policies'] } }), makeOrg({ orgId: 'other' })],
    ...options,
    overrides: { secretHasher: cheapHasher, ...options.overrides },
  })
  open.push(h)
  return h
}
const jwk = await makePublicJwk('client-key')
const secretClient = { clientId: 'ci', name: 'CI pipeline', roles: ['ReadOnly'], authentication: { method: 'client_secret' } }
const jwkClient = { clientId: 'batch', name: 'Batch', roles: ['Admin'], authentication: { method: 'private_key_jwt', publicKey: jwk } }
/** Everything the admin API answered or recorded, as one string, to look for leaks. */
const everything = async (h: Harness, ...bodies: unknown[]): Promise<string> => JSON.stringify([...bodies, h.sink.events])

describe('API clients over the admin API', () => {
  it('POST of a client_secret client answers 201 with clientSecret once; reads and audit never carry it or its hash', async () => {
    const h = await harness()
    const added = await h.call('POST', clients, { body: secretClient })
    expect(added.status).toBe(201)
    expect(added.headers.get('etag')).toBe('"2"')
    expect(added.body.clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(added.body.client).toMatchObject({ clientId: 'ci', enabled: true, roles: ['ReadOnly'], authentication: { method: 'client_secret', secrets: [{ createdAt: new Date(t0).toISOString() }] } })
    const stored = (await h.store.get(orgId))?.apiClients?.[0]
    expect(stored?.authentication).toMatchObject({ method: 'client_secret', secrets: [{ hash: { algorithm: 'pbkdf2-sha256', iterations: 10_000 } }] })
    const storedAuth = stored?.authentication
    const storedHash = storedAuth?.method === 'client_secret' ? String(storedAuth.secrets[0]?.hash.hash) : 'none'

    const list = await h.call('GET', clients)
    expect(list.status).toBe(200)
    expect(list.body).toMatchObject({ orgId, revision: 2, apiRoles: ['ReadOnly', 'Admin'], changes: { allowed: true, refusal: null } })
    expect(list.body.apiClients.map((c: { clientId: string }) => c.clientId)).toEqual(['ci'])
    const one = await h.call('GET', `${clients}/ci`)
    expect(one.body.client).toEqual(list.body.apiClients[0])
    const seen = await everything(h, list.body, one.body)
    expect(seen).not.toContain(added.body.clientSecret)
    expect(seen).not.toContain(storedHash)
    expect(h.sink.events.map((e) => [e.type, e.action, e.result])).toEqual([['api_client_change', 'add_api_client', 'accepted']])
  })

  it('hashes no secret for a caller the rules refuse (no permission, suspended): the slow hash is not free to trigger', async () => {
    let hashed = 0
    const counting = { hash: async (secret: string) => (hashed++, cheapHasher.hash(secret)) }
    const h = await harness({ overrides: { secretHasher: counting } })
    expect((await h.call('POST', clients, { body: secretClient, token: h.readerToken })).status).toBe(403)
    expect((await h.call('POST', `${clients}/ci/rotate-secret`, { token: h.readerToken })).status).toBe(403)
    expect((await h.call('PUT', `${clients}/ci`, { body: secretClient, token: h.readerToken })).status).toBe(403)
    expect(hashed).toBe(0)
    expect((await h.call('POST', clients, { body: secretClient })).status).toBe(201)
    expect(hashed).toBe(1)
  })

  it('generates a client ID when none is given', async () => {
    const h = await harness()
    const { clientId: _omitted, ...noId } = jwkClient
    const r = await h.call('POST', clients, { body: noId })
    expect(r.status).toBe(201)
    expect(r.body.client.clientId).toMatch(/^[0-9a-f-]{36}$/)
    expect(r.body.clientSecret).toBeUndefined()
  })

  it('rotate-secret answers a new secret once, keeps the previous one unless dropPrevious, never more than two', async () => {
    const h = await harness()
    const first = (await h.call('POST', clients, { body: secretClient })).body.clientSecret
    h.now += 1000
    const second = await h.call('POST', `${clients}/ci/rotate-secret`)
    expect(second.status).toBe(200)
    expect(second.body.clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(second.body.clientSecret).not.toBe(first)
    expect(second.body.client.authentication.secrets).toHaveLength(2)
    h.now += 1000
    const third = await h.call('POST', `${clients}/ci/rotate-secret`, { body: { dropPrevious: true } })
    expect(third.body.client.authentication.secrets).toEqual([{ createdAt: new Date(h.now - (h.now % 1000)).toISOString() }])
    expect(third.body.notices.map((n: { code: string }) => n.code)).toEqual(['may_disrupt_clients'])
    const bad = await h.call('POST', `${clients}/ci/rotate-secret`, { body: { dropPrevious: 'yes' } })
    expect([bad.status, bad.body.error, bad.body.issues[0].path]).toEqual([400, 'invalid_request', 'dropPrevious'])
    await h.call('POST', clients, { body: jwkClient })
    const notSecret = await h.call('POST', `${clients}/batch/rotate-secret`)
    expect([notSecret.status, notSecret.body.error]).toEqual([409, 'not_a_secret_client'])
    expect(await everything(h)).not.toContain(second.body.clientSecret)
  })

  it('enable, disable (idempotent), edit and delete', async () => {
    const h = await harness()
    await h.call('POST', clients, { body: jwkClient })
    const off = await h.call('POST', `${clients}/batch/disable`)
    expect([off.status, off.body.client.enabled, off.body.changed]).toEqual([200, false, true])
    const again = await h.call('POST', `${clients}/batch/disable`, { body: {} })
    expect([again.status, again.body.changed]).toEqual([200, false])
    expect((await h.call('POST', `${clients}/batch/enable`)).body.client.enabled).toBe(true)
    const edited = await h.call('PUT', `${clients}/batch`, { body: { ...jwkClient, clientId: undefined, roles: ['ReadOnly', 'Admin'], description: 'nightly' } })
    expect(edited.status).toBe(200)
    expect(edited.body.client).toMatchObject({ clientId: 'batch', roles: ['ReadOnly', 'Admin'], description: 'nightly', enabled: true })
    const switched = await h.call('PUT', `${clients}/batch`, { body: { ...secretClient, clientId: 'batch', name: 'Batch' } })
    expect(switched.body.clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const kept = await h.call('PUT', `${clients}/batch`, { body: { ...secretClient, clientId: 'batch', name: 'Batch', description: 'kept' } })
    expect(kept.body.clientSecret).toBeUndefined()
    expect(kept.body.client.authentication.secrets).toHaveLength(1)
    const deleted = await h.call('DELETE', `${clients}/batch`)
    expect([deleted.status, deleted.body.notices[0].code]).toEqual([200, 'clients_lose_access'])
    expect((await h.call('GET', `${clients}/batch`)).status).toBe(404)
  })

  it('typed errors with field paths; nothing written', async () => {
    const h = await harness()
    const before = await revisionOf(h)
    const bad = await h.call('POST', clients, { body: { clientId: 'a b', name: '', roles: ['Root'], authentication: { method: 'client_secret', secretHash: 'x' } } })
    expect([bad.status, bad.body.error]).toEqual([400, 'invalid_config'])
    expect(bad.body.issues.map((i: { path: string }) => i.path).sort()).toEqual(['authentication.secretHash', 'clientId', 'name', 'roles[0]'])
    await h.call('POST', clients, { body: jwkClient })
    const dup = await h.call('POST', clients, { body: { ...jwkClient, clientId: 'batch2', name: 'BATCH' } })
    expect([dup.status, dup.body.error, dup.body.field]).toEqual([409, 'duplicate_client', 'name'])
    expect((await h.call('PUT', `${clients}/nope`, { body: jwkClient })).body.error).toBe('api_client_not_found')
    expect(await revisionOf(h)).toBe((before ?? 0) + 1)
  })

  it('a jwksUrl needs the receipt of …/api-clients/validate for exactly that URL', async () => {
    const { publicKey } = await generateKeyPair('ES256')
    const keys = await serveJson({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k', alg: 'ES256', use: 'sig' }] })
    open.push(keys)
    const h = await harness()
    const body = { clientId: 'remote', name: 'Remote', roles: [], authentication: { method: 'private_key_jwt', jwksUrl: keys.url } }
    const without = await h.call('POST', clients, { body })
    expect([without.status, without.body.error]).toEqual([400, 'validation_required'])
    const tls = await h.call('POST', `${clients}/validate`, { body: { jwksUrl: keys.url, jwksCertificateValidation: false } })
    expect([tls.status, tls.body.issues?.[0]?.path]).toEqual([400, 'jwksCertificateValidation'])
    const v = await h.call('POST', `${clients}/validate`, { body: { jwksUrl: keys.url } })
    expect(v.status).toBe(200)
    expect(v.body.report.ok).toBe(true)
    const saved = await h.call('POST', clients, { body: { ...body, validationId: v.body.validationId } })
    expect(saved.status).toBe(201)
    expect(saved.body.client.authentication).toEqual({ method: 'private_key_jwt', jwksUrl: keys.url })
    const reused = await h.call('POST', clients, { body: { ...body, clientId: 'remote2', name: 'Remote2', validationId: v.body.validationId } })
    expect(reused.body.error).toBe('validation_required')
  })

  it('the default address policy refuses a loopback client JWKS URL before fetching it', async () => {
    const h = await harness({ overrides: { addressPolicy: {} } })
    const r = await h.call('POST', `${clients}/validate`, { body: { jwksUrl: 'https://127.0.0.1:1/jwks.json' } })
    expect(r.status).toBe(200)
    expect(r.body.report.ok).toBe(false)
    expect(r.body.validationId).toBeUndefined()
  })

  it('permission, suspension, expiry, If-Match, tenant isolation, raw paths and the cross-site guard', async () => {
    const h = await harness({ overrides: { authorizeOrganization: async (_actor, id) => id === orgId } })
    await h.call('POST', clients, { body: jwkClient })
    expect((await h.call('GET', clients, { token: h.readerToken })).body.error).toBe('permission_denied')
    expect((await h.call('POST', `${clients}/batch/disable`, { token: h.readerToken })).status).toBe(403)
    expect((await h.call('GET', 'orgs/other/api-clients')).body.error).toBe('organization_not_found')
    expect((await h.call('GET', `${clients}/b%61tch`)).body.error).toBe('not_found')
    expect((await h.call('GET', `orgs/${orgId}/API-clients`)).status).toBe(404)
    const stale = await h.call('POST', `${clients}/batch/disable`, { headers: { 'if-match': '"1"' } })
    expect([stale.status, stale.body.error]).toEqual([412, 'precondition_failed'])
    const crossSite = await h.call('POST', `${clients}/batch/disable`, { token: null, headers: { cookie: 'session=x', 'sec-fetch-site': 'cross-site' } })
    expect([crossSite.status, crossSite.body.error]).toEqual([403, 'cross_site_request'])
    const huge = await h.call('POST', clients, { body: { ...jwkClient, description: 'x'.repeat(100_000) } })
    expect(huge.status).toBe(413)

    const org = (await h.store.get(orgId))!
    await h.store.put({ ...org, suspension: { reason: 'terms_violation', since: 0 }, revision: org.revision + 1 }, org.revision)
    const list = await h.call('GET', clients)
    expect(list.body.changes).toMatchObject({ allowed: false, refusal: { code: 'organization_suspended' } })
    expect((await h.call('POST', `${clients}/batch/rotate-secret`)).body.error).toBe('organization_suspended')
    expect((await h.call('POST', roles, { body: { name: 'X', categories: [] } })).body.error).toBe('organization_suspended')
    h.now = t0 + 400 * 86400_000
    const suspendedAndExpired = (await h.store.get(orgId))!
    await h.store.put({ ...suspendedAndExpired, suspension: undefined, revision: suspendedAndExpired.revision + 1 }, suspendedAndExpired.revision)
    expect((await h.call('POST', `${clients}/batch/enable`)).body.error).toBe('subscription_expired')
  })
})

describe('API roles over the admin API', () => {
  it('add, list with the clients holding each role, edit, and delete', async () => {
    const h = await harness()
    const added = await h.call('POST', roles, { body: { name: 'Auditor', categories: ['reports', 'logs'] } })
    expect([added.status, added.body.role]).toEqual([201, { name: 'Auditor', categories: ['reports', 'logs'], clients: [] }])
    await h.call('POST', clients, { body: { ...jwkClient, roles: ['Auditor'] } })
    const list = await h.call('GET', roles)
    expect(list.body.apiRoles).toEqual([
      { name: 'ReadOnly', categories: ['reports'], clients: [] },
      { name: 'Admin', categories: ['reports', 'policies'], clients: [] },
      { name: 'Auditor', categories: ['reports', 'logs'], clients: ['batch'] },
    ])
    const edited = await h.call('PUT', `${roles}/Auditor`, { body: { name: 'Auditor', categories: ['logs'] } })
    expect(edited.body.role.categories).toEqual(['logs'])
    expect((await h.call('GET', `${roles}/Auditor`)).body.role.clients).toEqual(['batch'])
    const rename = await h.call('PUT', `${roles}/Auditor`, { body: { name: 'Auditors', categories: ['logs'] } })
    expect([rename.status, rename.body.error]).toEqual([409, 'role_in_use'])
    const bad = await h.call('POST', roles, { body: { name: 'a:b', categories: [''], extra: 1 } })
    expect(bad.body.issues.map((i: { path: string }) => i.path).sort()).toEqual(['categories[0]', 'extra', 'name'])
    expect((await h.call('DELETE', `${roles}/ReadOnly`)).status).toBe(204)
    expect((await h.call('GET', `${roles}/ReadOnly`)).body.error).toBe('api_role_not_found')
  })

  it('role reads take the same steps as client reads: 404 unknown organization, 403 without API Key Management, the changes block, the ETag', async () => {
    const h = await harness()
    const unknown = await h.call('GET', 'orgs/nobody/api-roles')
    expect([unknown.status, unknown.body.error]).toEqual([404, 'organization_not_found'])
    for (const path of [roles, `${roles}/ReadOnly`, clients]) {
      const denied = await h.call('GET', path, { token: h.readerToken })
      expect([denied.status, denied.body.error]).toEqual([403, 'permission_denied'])
    }
    const list = await h.call('GET', roles)
    expect([list.status, list.headers.get('etag')]).toEqual([200, '"1"'])
    expect(list.body).toMatchObject({ orgId, revision: 1, changes: { allowed: true, refusal: null } })
    const org = (await h.store.get(orgId))!
    await h.store.put({ ...org, suspension: { reason: 'terms_violation', since: 0 }, revision: org.revision + 1 }, org.revision)
    const suspended = await h.call('GET', roles)
    expect([suspended.status, suspended.headers.get('etag')]).toEqual([200, '"2"'])
    expect(suspended.body.changes).toEqual({ allowed: false, refusal: { code: 'organization_suspended', message: expect.any(String) } })
  })

  it('deleting a role API clients hold is refused with the clients listed, unless detachFromClients=true', async () => {
    const h = await harness()
    await h.call('POST', clients, { body: jwkClient })
    await h.call('POST', clients, { body: { ...secretClient, roles: ['Admin', 'ReadOnly'] } })
    const refused = await h.call('DELETE', `${roles}/Admin`)
    expect([refused.status, refused.body.error, refused.body.actual]).toEqual([409, 'role_in_use', ['batch', 'ci']])
    expect(refused.body.message).toContain('"Batch" (batch)')
    expect(refused.body.message).toContain('"CI pipeline" (ci)')
    expect((await h.call('DELETE', `${roles}/Admin?detachFromClients=maybe`)).status).toBe(400)
    const detached = await h.call('DELETE', `${roles}/Admin?detachFromClients=true`)
    expect([detached.status, detached.body.notices[0].code]).toEqual([200, 'may_disrupt_clients'])
    expect([detached.headers.get('etag'), detached.body.revision]).toEqual(['"4"', 4])
    const after = (await h.call('GET', clients)).body.apiClients.map((c: { clientId: string; roles: string[] }) => [c.clientId, c.roles])
    expect(after).toEqual([
      ['batch', []],
      ['ci', ['ReadOnly']],
    ])
    expect(h.sink.events.filter((e) => e.action === 'delete_api_role').map((e) => `${e.type} ${e.result}`)).toEqual(['api_role_change rejected', 'api_role_change accepted', 'api_client_change accepted', 'api_client_change accepted'])
  })
})
