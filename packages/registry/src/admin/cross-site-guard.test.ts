import { apiKeyManagementPermission } from '@tokenward/core/organization'
import { afterEach, describe, expect, it } from 'vitest'
import { adminAuthFailure } from './admin-auth-failure.ts'
import { resolveAdminApiOptions } from './admin-api-options.ts'
import { inlineServer, makeOrg, makePublicJwk, orgId, startHarness, t0, type Harness, type HarnessOptions } from './admin-fixture.test-support.ts'
import { adminRequestHeader, refuseCrossSiteRequest } from './cross-site-guard.ts'

const servers = `orgs/${orgId}/authorization-servers`
let open: Harness[] = []
afterEach(async () => {
  await Promise.all(open.map((h) => h.close()))
  open = []
})

// A host's session: the cookie `session=alice` is an admin of every organization.
const cookieSession: HarnessOptions['overrides'] = {
  authenticate: async (request) =>
    /(?:^|;\s*)session=alice(?:;|$)/.test(request.headers.get('cookie') ?? '')
      ? { id: 'alice', permissions: [apiKeyManagementPermission] }
      : adminAuthFailure({ status: 401, body: { error: 'unauthorized' } }),
}

async function harness(overrides: HarnessOptions['overrides'] = {}): Promise<Harness> {
  const h = await startHarness({ overrides: { ...cookieSession, ...overrides } })
  open.push(h)
  return h
}

describe('refuseCrossSiteRequest (pure)', () => {
  const url = 'https://admin.example.com/admin/orgs/acme/authorization-servers'
  const sameOrigin = { cookie: 'session=alice', origin: 'https://admin.example.com', 'sec-fetch-site': 'same-origin', [adminRequestHeader]: '1' }
  const cases: [string, string, Record<string, string>, string | undefined][] = [
    ['a same-origin change with the header', 'POST', sameOrigin, undefined],
    ['a read, whatever it carries', 'GET', { cookie: 'session=alice', 'sec-fetch-site': 'cross-site' }, undefined],
    ['a bearer-token caller without Origin', 'POST', { authorization: 'Bearer x', cookie: 'session=alice' }, undefined],
    ['a call without cookie (nothing ambient to abuse)', 'DELETE', {}, undefined],
    ['Sec-Fetch-Site: cross-site', 'POST', { ...sameOrigin, 'sec-fetch-site': 'cross-site' }, 'fetch_metadata'],
    ['Sec-Fetch-Site: same-site (a sibling subdomain)', 'PUT', { ...sameOrigin, 'sec-fetch-site': 'same-site' }, 'fetch_metadata'],
    ['no Origin', 'POST', { cookie: 'session=alice', [adminRequestHeader]: '1' }, 'origin_missing'],
    ['Origin: null (a sandboxed frame)', 'POST', { ...sameOrigin, origin: 'null' }, 'origin_missing'],
    ['another Origin', 'DELETE', { ...sameOrigin, origin: 'https://evil.example' }, 'origin_not_allowed'],
    ['no custom header', 'POST', { ...sameOrigin, [adminRequestHeader]: '' }, 'header_missing'],
  ]
  it.each(cases)('%s', (_name, method, headers, reason) => {
    expect(refuseCrossSiteRequest(new Request(url, { method, headers }), {})?.reason).toBe(reason)
  })

  it('allowedOrigins replaces the default (the API origin)', () => {
    const request = new Request(url, { method: 'POST', headers: { ...sameOrigin, origin: 'https://console.example.com' } })
    expect(refuseCrossSiteRequest(request, {})?.reason).toBe('origin_not_allowed')
    expect(refuseCrossSiteRequest(request, { allowedOrigins: ['https://console.example.com'] })).toBeUndefined()
  })
})

describe('createAdminApi: the csrf option', () => {
  it('is checked when built, each bad field named', () => {
    const base = { store: {} as never, receipts: {} as never, audit: {} as never, authenticate: async () => ({ id: 'a', permissions: [] }), authorizeOrganization: null }
    expect(() => resolveAdminApiOptions({ ...base, csrf: { allowedOrigins: ['https://a.example/x', 'nope'], extra: 1 } as never })).toThrow(
      /csrf\.extra: unknown field[\s\S]*csrf\.allowedOrigins\[0\][\s\S]*csrf\.allowedOrigins\[1\]/,
    )
  })

  it('refuses a cookie-authenticated change from another origin before authentication, and writes nothing', async () => {
    const h = await harness()
    const jwk = await makePublicJwk('k1')
    const attack = await h.call('POST', servers, {
      token: null,
      body: inlineServer('Evil1', jwk),
      headers: { cookie: 'session=alice', origin: 'http://127.0.0.1:1', 'sec-fetch-site': 'cross-site', [adminRequestHeader]: '1' },
    })
    expect(attack.status).toBe(403)
    expect(attack.body).toMatchObject({ error: 'cross_site_request', reason: 'fetch_metadata' })
    expect((await h.store.get(orgId))?.authorizationServers).toEqual([])

    const same = { cookie: 'session=alice', origin: h.origin, 'sec-fetch-site': 'same-origin' }
    const noHeader = await h.call('POST', servers, { token: null, body: inlineServer('Okta1', jwk), headers: same })
    expect(noHeader.body).toMatchObject({ error: 'cross_site_request', reason: 'header_missing' })

    const ok = await h.call('POST', servers, { token: null, body: inlineServer('Okta1', jwk), headers: { ...same, [adminRequestHeader]: '1' } })
    expect(ok.status).toBe(201)
  })

  it('leaves bearer-token callers unchanged (no Origin, no custom header)', async () => {
    const bearer = await startHarness()
    open.push(bearer)
    // Even with a stray cookie: the bearer token is sent on purpose, not ambient.
    const added = await bearer.call('POST', servers, { body: inlineServer('Okta1', await makePublicJwk('k1')), headers: { cookie: 'other=1' } })
    expect(added.status).toBe(201)
  })

  it('csrf: false switches it off', async () => {
    const h = await harness({ csrf: false })
    const added = await h.call('POST', servers, { token: null, body: inlineServer('Okta1', await makePublicJwk('k1')), headers: { cookie: 'session=alice' } })
    expect(added.status).toBe(201)
  })
})

describe('the list answer tells a page why changes are refused', () => {
  it('active organization, actor with the permission: changes allowed', async () => {
    const h = await harness()
    const list = await h.call('GET', servers, { token: null, headers: { cookie: 'session=alice' } })
    expect(list.body.organization).toEqual({ status: 'active', suspensionReason: null, subscriptionValidUntil: new Date(t0 + 365 * 86400_000).toISOString() })
    expect(list.body.changes).toEqual({ allowed: true, refusal: null })
  })

  it('suspended, and expired: readable, changes refused with the reason', async () => {
    const suspended = await startHarness({ organizations: [makeOrg({ suspension: { reason: 'api_call_threshold_exceeded', since: t0 / 1000 } })] })
    open.push(suspended)
    const s = await suspended.call('GET', servers)
    expect(s.status).toBe(200)
    expect(s.body.organization).toMatchObject({ status: 'suspended', suspensionReason: 'api_call_threshold_exceeded' })
    expect(s.body.changes).toMatchObject({ allowed: false, refusal: { code: 'organization_suspended' } })

    const expired = await startHarness({ organizations: [makeOrg({ subscriptionValidUntil: t0 / 1000 - 1 })] })
    open.push(expired)
    const e = await expired.call('GET', servers)
    expect(e.body.organization).toMatchObject({ status: 'subscription_expired', suspensionReason: null })
    expect(e.body.changes).toMatchObject({ allowed: false, refusal: { code: 'subscription_expired' } })
  })
})
