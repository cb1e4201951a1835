import { afterEach, describe, expect, it } from 'vitest'
import { inlineServer, makeOrg, makePublicJwk, orgId, revisionOf, startHarness, t0, type Harness, type HarnessOptions } from './admin-fixture.test-support.ts'
import { serveJson } from './http-bridge.test-support.ts'

const servers = `orgs/${orgId}/authorization-servers`
let open: { close(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(open.map((s) => s.close()))
  open = []
})
async function harness(options: HarnessOptions = {}): Promise<Harness> {
  const h = await startHarness(options)
  open.push(h)
  return h
}

function expectJsonNoStore(headers: Headers): void {
  expect(headers.get('content-type')).toBe('application/json')
  expect(headers.get('cache-control')).toBe('no-store')
}

describe('createAdminApi over HTTP: the full happy path', () => {
  it('validates, adds, lists, enables, edits, disables and deletes, auditing every change', async () => {
    const jwks = await serveJson({ keys: [await makePublicJwk('okta-k1')] })
    open.push(jwks)
    const fetched = new Date(t0 - 60_000)
    const h = await harness({ overrides: { keyStatus: async (_org, name) => (name === 'Okta1' ? fetched : undefined) } })

    // Validate the remote JWKS: a report and a single-use validationId.
    const validated = await h.call('POST', `${servers}/validate`, { body: { jwksUrl: jwks.url } })
    expect(validated.status).toBe(200)
    expectJsonNoStore(validated.headers)
    expect(validated.body.report).toMatchObject({ ok: true, reachable: true, usableSigningKeyCount: 1 })
    expect(validated.body.validationId).toMatch(/^[0-9a-f-]{36}$/)
    expect(jwks.hits).toBe(1)

    // Add it: the first server is enabled.
    const okta = { name: 'Okta1', description: 'Workforce', jwksUrl: jwks.url, issuer: 'https://okta.example.com', audience: 'api://acme', clientId: 'c1' }
    const added = await h.call('POST', servers, { body: { ...okta, validationId: validated.body.validationId } })
    expect(added.status).toBe(201)
    expect(added.headers.get('etag')).toBe('"2"')
    expect(added.body).toMatchObject({ revision: 2, changed: true, server: { name: 'Okta1', status: 'enabled', enabled: true, jwksUrl: jwks.url, description: 'Workforce' } })
    expect(added.body.notices.map((n: { code: string }) => n.code)).toEqual(['http_jwks'])

    // Add an inline server: disabled, since Okta1 is enabled. No receipt needed.
    const entra = inlineServer('Entra1', await makePublicJwk('entra-k1'))
    const addedEntra = await h.call('POST', servers, { body: entra })
    expect(addedEntra.status).toBe(201)
    expect(addedEntra.body.server).toMatchObject({ name: 'Entra1', status: 'disabled', enabled: false, jwksUrl: 'inline' })

    // List.
    const listed = await h.call('GET', servers)
    expect(listed.status).toBe(200)
    expectJsonNoStore(listed.headers)
    expect(listed.headers.get('etag')).toBe('"3"')
    expect(listed.body).toMatchObject({ orgId, revision: 3 })
    expect(listed.body.authorizationServers).toEqual([
      expect.objectContaining({
        name: 'Okta1',
        status: 'enabled',
        description: 'Workforce',
        jwksUrl: jwks.url,
        issuer: 'https://okta.example.com',
        audience: ['api://acme'],
        clientId: 'c1',
        lastSuccessfulFetchAt: fetched.toISOString(),
        warnings: [expect.objectContaining({ code: 'http_jwks', path: 'jwksUrl' })],
      }),
      expect.objectContaining({ name: 'Entra1', status: 'disabled', jwksUrl: 'inline', lastSuccessfulFetchAt: null, warnings: [] }),
    ])
    expect(listed.body.authorizationServers[1].config).toMatchObject({ name: 'Entra1', jwks: { keys: [expect.objectContaining({ kid: 'entra-k1' })] } })

    // Enable Entra1: refused while Okta1 is enabled, accepted as a switch.
    const refused = await h.call('POST', `${servers}/Entra1/enable`)
    expect(refused.status).toBe(409)
    expect(refused.body.error).toBe('another_server_enabled')
    const switched = await h.call('POST', `${servers}/Entra1/enable`, { body: { switchFromEnabled: true } })
    expect(switched.status).toBe(200)
    expect(switched.body).toMatchObject({ revision: 4, changed: true, server: { name: 'Entra1', status: 'enabled' } })
    expect(switched.body.notices).toEqual([expect.objectContaining({ code: 'clients_lose_access', server: 'Okta1' })])

    // Edit the server in use (full replacement): may disrupt clients.
    const edited = await h.call('PUT', `${servers}/Entra1`, { body: { ...entra, description: 'Partners' } })
    expect(edited.status).toBe(200)
    expect(edited.body).toMatchObject({ revision: 5, server: { name: 'Entra1', description: 'Partners', status: 'enabled' } })
    expect(edited.body.notices.map((n: { code: string }) => n.code)).toEqual(['may_disrupt_clients'])

    // Disable it.
    const disabled = await h.call('POST', `${servers}/Entra1/disable`)
    expect(disabled.status).toBe(200)
    expect(disabled.body).toMatchObject({ revision: 6, server: { status: 'disabled' }, notices: [expect.objectContaining({ code: 'clients_lose_access' })] })
    const again = await h.call('POST', `${servers}/Entra1/disable`, { body: {} })
    expect(again.status).toBe(200)
    expect(again.body).toMatchObject({ revision: 6, changed: false, notices: [] })

    // Delete a server not in use: 204. Delete the one in use: 200 with the notice.
    const deleted = await h.call('DELETE', `${servers}/Entra1`)
    expect(deleted.status).toBe(204)
    expect(deleted.body).toBeUndefined()
    expect(deleted.headers.get('cache-control')).toBe('no-store')
    expect(deleted.headers.get('etag')).toBe('"7"')
    expect((await h.call('POST', `${servers}/Okta1/enable`)).status).toBe(200)
    const deletedInUse = await h.call('DELETE', `${servers}/Okta1`)
    expect(deletedInUse.status).toBe(200)
    expect(deletedInUse.body).toEqual({ revision: 9, notices: [expect.objectContaining({ code: 'clients_lose_access', server: 'Okta1' })] })
    expect((await h.call('GET', servers)).body.authorizationServers).toEqual([])

    // The audit trail: one accepted event per server changed, in order, after each write.
    const accepted = h.sink.events.filter((e) => e.result === 'accepted')
    expect(accepted.map((e) => [e.action, e.revision, (e.before as { name?: string } | null)?.name ?? (e.after as { name?: string } | null)?.name])).toEqual([
      ['add_server', 2, 'Okta1'],
      ['add_server', 3, 'Entra1'],
      ['enable_server', 4, 'Okta1'],
      ['enable_server', 4, 'Entra1'],
      ['edit_server', 5, 'Entra1'],
      ['disable_server', 6, 'Entra1'],
      ['delete_server', 7, 'Entra1'],
      ['enable_server', 8, 'Okta1'],
      ['delete_server', 9, 'Okta1'],
    ])
    expect(accepted.every((e) => e.actor === 'alice' && e.orgId === orgId && e.at === Math.floor(t0 / 1000))).toBe(true)
    const rejected = h.sink.events.filter((e) => e.result === 'rejected')
    expect(rejected.map((e) => [e.action, e.violation?.code])).toEqual([['enable_server', 'another_server_enabled']])
    expect(h.errors).toEqual([])
  })

  it('shows one server with GET …/{name}; "validate" is an ordinary server name for GET, PUT and DELETE', async () => {
    const h = await harness()
    const jwk = await makePublicJwk('k')
    expect((await h.call('POST', servers, { body: inlineServer('validate', jwk) })).status).toBe(201)
    const one = await h.call('GET', `${servers}/validate`)
    expect(one.status).toBe(200)
    expect(one.body).toMatchObject({ revision: 2, server: { name: 'validate', status: 'enabled' } })
    expect((await h.call('PUT', `${servers}/validate`, { body: inlineServer('validate', jwk, { description: 'x' }) })).status).toBe(200)
    expect((await h.call('GET', `${servers}/Nope`)).body.error).toBe('server_not_found')
    expect((await h.call('DELETE', `${servers}/validate`)).status).toBe(200)
  })
})

describe('createAdminApi over HTTP: routing', () => {
  it('answers 404 not_found for unknown routes, before authentication', async () => {
    const h = await harness()
    for (const path of ['', 'orgs', `orgs/${orgId}`, `${servers}/`, `${servers}/Okta1/enable/now`, `orgs/${orgId}/users`, `${servers}/%E0%A4%A`, `${servers}/Okta%31`, 'orgs/a%20b/authorization-servers', 'orgs/a%2Fb/authorization-servers', 'orgs/%61cme/authorization-servers']) {
      const r = await h.call('GET', path, { token: null })
      expect([path, r.status, r.body.error]).toEqual([path, 404, 'not_found'])
      expectJsonNoStore(r.headers)
    }
    const outside = await fetch(`${h.origin}/orgs/${orgId}/authorization-servers`)
    expect(outside.status).toBe(404)
  })

  it('answers 405 with Allow for a wrong method on a known route', async () => {
    const h = await harness()
    const cases: [string, string, string][] = [
      ['PATCH', servers, 'GET, POST'],
      ['DELETE', servers, 'GET, POST'],
      ['GET', `${servers}/Okta1/enable`, 'POST'],
      ['PATCH', `${servers}/Okta1`, 'GET, PUT, DELETE'],
      ['PATCH', `${servers}/validate`, 'POST, GET, PUT, DELETE'],
    ]
    for (const [method, path, allow] of cases) {
      const r = await h.call(method, path, { token: null })
      expect([method, path, r.status, r.headers.get('allow'), r.body.error]).toEqual([method, path, 405, allow, 'method_not_allowed'])
    }
  })

  it('answers 404 organization_not_found for an unknown or unusable organization ID', async () => {
    const h = await harness()
    // Percent-escaped IDs never get this far: they match no route (see the not_found test).
    for (const id of ['globex', 'x'.repeat(129)]) {
      const r = await h.call('GET', `orgs/${id}/authorization-servers`)
      expect([id, r.status, r.body.error]).toEqual([id, 404, 'organization_not_found'])
    }
    const write = await h.call('POST', 'orgs/globex/authorization-servers', { body: inlineServer('A', await makePublicJwk('k')) })
    expect(write.status).toBe(404)
    expect(write.body.error).toBe('organization_not_found')
    expect(h.sink.events).toEqual([])
  })

  it('serves under the default base path "/"', async () => {
    const h = await harness({ basePath: '/' })
    const r = await fetch(`${h.origin}/${servers}`, { headers: { authorization: `Bearer ${h.adminToken}` } })
    expect(r.status).toBe(200)
  })

  it('hides organizations the actor may not manage as 404 (authorizeOrganization)', async () => {
    const h = await harness({
      organizations: [makeOrg(), makeOrg({ orgId: 'globex' })],
      overrides: { authorizeOrganization: async (actor, id) => actor.id === 'alice' && id === orgId },
    })
    expect((await h.call('GET', servers)).status).toBe(200)
    const other = await h.call('POST', 'orgs/globex/authorization-servers', { body: inlineServer('A', await makePublicJwk('k')) })
    expect(other.status).toBe(404)
    expect(other.body.error).toBe('organization_not_found')
    expect((await h.store.get('globex'))?.revision).toBe(1)
  })
})

describe('createAdminApi over HTTP: cross-tenant attempts', () => {
  const onlyAcme = { authorizeOrganization: async (_actor: unknown, id: string) => id === orgId }

  it('answers 404 like an unknown organization, and audits each attempt up to the bound, then counts', async () => {
    const h = await harness({ organizations: [makeOrg(), makeOrg({ orgId: 'globex' })], overrides: { ...onlyAcme, crossTenantAudit: { maxRecords: 3, windowSeconds: 60 } } })
    const answers = []
    for (let i = 0; i < 6; i++) answers.push(await h.call('GET', 'orgs/globex/authorization-servers'))
    const unknown = await h.call('POST', 'orgs/initech/authorization-servers/Okta1/disable')
    for (const r of answers) expect([r.status, r.body]).toEqual([404, { error: 'organization_not_found', message: 'No organization "globex"' }])
    expect([unknown.status, unknown.body.error]).toEqual([404, 'organization_not_found'])
    const at = Math.floor(t0 / 1000)
    const denied = { type: 'admin_access_denied', orgId: 'globex', actor: 'alice', operation: 'list_servers', at, unrecordedBefore: 0 }
    expect(h.sink.events).toEqual([denied, denied, denied])

    // The next window: one record, carrying the count of the attempts left unrecorded.
    h.now = t0 + 61_000
    await h.call('GET', 'orgs/globex/authorization-servers')
    expect(h.sink.events.at(-1)).toEqual({ ...denied, at: at + 61, unrecordedBefore: 4 })
    expect(h.sink.events).toHaveLength(4)
    expect((await h.store.get('globex'))?.revision).toBe(1)
  })

  it('bounds each actor separately, records nothing for the actor’s own organization, and none when turned off', async () => {
    const h = await harness({ organizations: [makeOrg(), makeOrg({ orgId: 'globex' })], overrides: { ...onlyAcme, crossTenantAudit: { maxRecords: 1, windowSeconds: 60 } } })
    await h.call('GET', servers)
    for (let i = 0; i < 3; i++) await h.call('GET', 'orgs/globex/authorization-servers')
    for (let i = 0; i < 3; i++) await h.call('GET', 'orgs/globex/authorization-servers', { token: h.readerToken })
    expect(h.sink.events.map((e) => [e.type, e.actor])).toEqual([['admin_access_denied', 'alice'], ['admin_access_denied', 'bob']])

    const off = await harness({ organizations: [makeOrg(), makeOrg({ orgId: 'globex' })], overrides: { ...onlyAcme, crossTenantAudit: false } })
    expect((await off.call('GET', 'orgs/globex/authorization-servers')).status).toBe(404)
    expect(off.sink.events).toEqual([])
  })

  it('still answers 404 when the audit sink fails, and reports the failure', async () => {
    const failure = new Error('disk full')
    const h = await harness({ overrides: { ...onlyAcme, audit: { record: async () => Promise.reject(failure), close: async () => undefined } } })
    const r = await h.call('GET', 'orgs/globex/authorization-servers')
    expect([r.status, r.body.error]).toEqual([404, 'organization_not_found'])
    expect(h.errors).toEqual([failure])
  })
})

describe('createAdminApi over HTTP: the admin token', () => {
  it('answers a missing token with the verifier’s 401 challenge', async () => {
    const h = await harness()
    const r = await h.call('GET', servers, { token: null })
    expect(r.status).toBe(401)
    expect(r.headers.get('www-authenticate')).toBe('Bearer')
    expect(r.body).toMatchObject({ error: 'unauthorized', code: 'missing_token' })
    expectJsonNoStore(r.headers)
  })

  it('answers bad, expired, foreign and malformed tokens with a challenge, never a 500', async () => {
    const h = await harness()
    const expired = await h.issuer.mint({ permissions: ['api_key_management'] }, { expiresIn: -600 })
    const foreign = await (await startForeignIssuer(h)).mint({ permissions: ['api_key_management'] })
    const cases: [string | null, number, string][] = [
      ['not-a-jwt', 401, 'invalid_token'],
      [expired, 401, 'invalid_token'],
      [foreign, 401, 'invalid_token'],
      [`${h.adminToken.slice(0, -4)}AAAA`, 401, 'invalid_token'],
    ]
    for (const [token, status, oauthError] of cases) {
      const r = await h.call('POST', `${servers}/Okta1/disable`, { token })
      expect(r.status).toBe(status)
      expect(r.headers.get('www-authenticate')).toContain(`error="${oauthError}"`)
    }
    const twoSchemes = await fetch(new URL(servers, h.base), { headers: { authorization: 'Bearer a b' } })
    expect(twoSchemes.status).toBe(400)
    expect(twoSchemes.headers.get('www-authenticate')).toContain('error="invalid_request"')
    expect(h.errors).toEqual([])
  })

  it('refuses a token without the actor claim with 401 invalid_token', async () => {
    const h = await harness()
    const r = await h.call('GET', servers, { token: await h.issuer.mint({ sub: undefined, permissions: ['api_key_management'] }) })
    expect(r.status).toBe(401)
    expect(r.headers.get('www-authenticate')).toContain('error="invalid_token"')
    expect(r.body.code).toBe('missing_claim')
  })

  it('answers 403 permission_denied to a token without the API Key Management permission, for reads and writes', async () => {
    const h = await harness()
    const read = await h.call('GET', servers, { token: h.readerToken })
    expect(read.status).toBe(403)
    expect(read.body).toMatchObject({ error: 'permission_denied', expected: 'api_key_management' })
    const write = await h.call('POST', servers, { token: h.readerToken, body: inlineServer('A', await makePublicJwk('k')) })
    expect(write.status).toBe(403)
    expect(write.body.error).toBe('permission_denied')
    const validate = await h.call('POST', `${servers}/validate`, { token: h.readerToken, body: { jwksUrl: 'https://idp.example.com/keys' } })
    expect(validate.status).toBe(403)
    expect(await revisionOf(h)).toBe(1)
    // The refused change is audited with who tried what.
    expect(h.sink.events).toEqual([expect.objectContaining({ result: 'rejected', action: 'add_server', actor: 'bob', violation: expect.objectContaining({ code: 'permission_denied' }) })])
  })
})

async function startForeignIssuer(h: Harness) {
  const { makeAdminIssuer } = await import('./admin-fixture.test-support.ts')
  const other = await makeAdminIssuer(() => h.now)
  open.push({ close: () => other.verifier.close() })
  return other
}
