// The registry-aware verifier against a real JWKS server on 127.0.0.1 and the in-memory store:
// every registry change applies on the next request, nothing stale survives, calls are audited
// and counted against the threshold.
import { defineAuthorizationServer } from '@tokenward/core'
import { type AuditEvent, type Organization } from '@tokenward/core/organization'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { makeKey, mint, startJwksServer, type JwksServer, type TestKey } from '../../core/src/testing/mint.test-support.ts'
import { createInMemoryAuditSink } from './audit/in-memory-audit-sink.ts'
import { createInMemoryOrganizationStore } from './store/in-memory-organization-store.ts'
import { createRegistryVerifier, type RegistryVerifier } from './registry-verifier.ts'

let key: TestKey
let jwks: JwksServer
const verifiers: RegistryVerifier[] = []
beforeAll(async () => {
  key = await makeKey('ES256', 'k1')
  jwks = await startJwksServer([key.publicJwk])
})
afterAll(() => jwks.close())
afterEach(async () => {
  await Promise.all(verifiers.splice(0).map((v) => v.close()))
})

const nowSeconds = () => Math.floor(Date.now() / 1000)
const server = (overrides: Record<string, unknown> = {}) =>
  defineAuthorizationServer({ name: 'Okta1', jwksUrl: jwks.url, issuer: 'https://idp.test', audience: 'api://orders', ...overrides })
const organization = (overrides: Partial<Organization> = {}): Organization => ({
  orgId: '12345',
  cloud: 'zscloud',
  cloudDomain: 'zscloud.net',
  apiRoles: { ReadOnly: ['reports'], Admin: ['reports', 'policies'] },
  subscriptionValidUntil: nowSeconds() + 86_400,
  suspension: undefined,
  authorizationServers: [server()],
  revision: 1,
  ...overrides,
})

async function setup(org: Organization | undefined = organization(), extra: Partial<Parameters<typeof createRegistryVerifier>[0]> = {}) {
  const store = createInMemoryOrganizationStore(org === undefined ? [] : [org])
  const auditSink = createInMemoryAuditSink<AuditEvent>()
  // The test JWKS server listens on http://127.0.0.1: open loopback as a developer would.
  const registry = createRegistryVerifier({ store, auditSink, ...extra, jwks: { addressPolicy: { developmentLoopback: true }, ...extra.jwks } })
  verifiers.push(registry)
  const call = async (token: string | undefined, target: { orgId?: string; requiredRoles?: string[] } = {}) =>
    registry.verifyRequest(
      { method: 'GET', url: '/reports', headers: token === undefined ? {} : { authorization: `Bearer ${token}` } },
      { orgId: target.orgId ?? '12345', ...(target.requiredRoles ? { requiredRoles: target.requiredRoles } : {}) },
    )
  const codeOf = async (token: string | undefined, target?: { orgId?: string; requiredRoles?: string[] }) => {
    const v = await call(token, target)
    return v.ok ? 'accepted' : `${v.response.status} ${v.error.code}`
  }
  const update = async (f: (o: Organization) => Organization) => {
    const current = (await store.get('12345'))!
    const written = await store.put({ ...f(current), revision: current.revision + 1 }, current.revision)
    expect(written.ok).toBe(true)
  }
  return { store, auditSink, registry, call, codeOf, update }
}

describe('createRegistryVerifier', () => {
  it('accepts a token of the enabled server, with the admin ID, and audits the call', async () => {
    const { call, auditSink } = await setup()
    const verdict = await call(await mint(key, { claims: { sub: 'svc-reports' } }))
    expect(verdict.ok && verdict.token.authorization?.adminId).toBe('oauth-ReadOnly$@12345.zscloud.net')
    expect(auditSink.events).toEqual([
      expect.objectContaining({ type: 'api_call', orgId: '12345', adminId: 'oauth-ReadOnly$@12345.zscloud.net', clientId: 'client-1', subject: 'svc-reports', authorizationServer: 'Okta1', outcome: 'allowed' }),
    ])
  })

  it('uses the configured subject claim for audit records', async () => {
    const { call, auditSink } = await setup(undefined, { subjectClaim: 'client_id' })
    await call(await mint(key))
    expect(auditSink.events[0]).toMatchObject({ subject: 'client-1' })
  })

  it('refuses unknown organizations, disabled servers and roles the organization does not grant', async () => {
    const { codeOf } = await setup()
    expect(await codeOf(await mint(key), { orgId: '99999' })).toBe('401 server_disabled')
    expect(await codeOf(await mint(key, { claims: { scope: 'zscloud::12345::Owner' } }))).toBe('403 insufficient_scope')
    expect(await codeOf(await mint(key), { requiredRoles: ['Admin'] })).toBe('403 insufficient_scope')
    expect(await codeOf(undefined)).toBe('401 missing_token')
  })

  it('applies a disable on the next request, and a re-enable restores access', async () => {
    const { codeOf, update } = await setup()
    const token = await mint(key)
    expect(await codeOf(token)).toBe('accepted')
    await update((o) => ({ ...o, authorizationServers: o.authorizationServers.map((s) => ({ ...s, enabled: false })) }))
    expect(await codeOf(token)).toBe('401 server_disabled')
    await update((o) => ({ ...o, authorizationServers: o.authorizationServers.map((s) => ({ ...s, enabled: true })) }))
    expect(await codeOf(token)).toBe('accepted')
  })

  it('keeps no stale verification after an edit: a changed audience applies at once', async () => {
    const { codeOf, update } = await setup()
    const token = await mint(key)
    expect(await codeOf(token)).toBe('accepted')
    expect(await codeOf(token)).toBe('accepted') // now cached
    await update((o) => ({ ...o, authorizationServers: [server({ audience: 'api://billing' })] }))
    expect(await codeOf(token)).toBe('401 invalid_audience')
  })

  it('rejects every token while suspended or expired, and restores the previous state on lift or renewal', async () => {
    const { codeOf, update } = await setup()
    const token = await mint(key)
    await update((o) => ({ ...o, suspension: { reason: 'terms_violation', since: nowSeconds() } }))
    expect(await codeOf(token)).toBe('401 server_disabled')
    await update((o) => ({ ...o, suspension: undefined }))
    expect(await codeOf(token)).toBe('accepted')
    await update((o) => ({ ...o, subscriptionValidUntil: nowSeconds() - 1 }))
    expect(await codeOf(token)).toBe('401 server_disabled')
    await update((o) => ({ ...o, subscriptionValidUntil: nowSeconds() + 3600 }))
    expect(await codeOf(token)).toBe('accepted')
  })

  it('refuses on the first request after the subscription ends, with the same document held in memory', async () => {
    // The active server is remembered per organization document; the clock must still be read
    // against subscriptionValidUntil on every request, not only when the document changes.
    let clockMs = Date.now()
    const validUntil = Math.floor(clockMs / 1000) + 60
    const { call } = await setup(organization({ subscriptionValidUntil: validUntil }), { clock: () => clockMs, organizationRecheckMs: 3_600_000 })
    const token = await mint(key)
    expect((await call(token)).ok).toBe(true)
    expect((await call(token)).ok).toBe(true) // the remembered active server
    clockMs = validUntil * 1000 - 1
    expect((await call(token)).ok).toBe(true)
    clockMs = validUntil * 1000
    const refused = await call(token)
    expect(refused.ok ? 'accepted' : [refused.response.status, refused.error.code, refused.error.actual]).toEqual([401, 'server_disabled', 'subscription_expired'])
  })

  it('with nothing to count or audit: one clock reading per request, and every rule of the held document still applies', async () => {
    // The shortest path (no audit sink, no threshold, a route that asks nothing more) is written
    // out flat; it must refuse whatever the general path refuses, at the same instant.
    let clockMs = Date.now()
    let readings = 0
    const validUntil = Math.floor(clockMs / 1000) + 600
    const store = createInMemoryOrganizationStore([organization({ subscriptionValidUntil: validUntil })])
    const registry = createRegistryVerifier({ store, clock: () => (readings++, clockMs), organizationRecheckMs: 3_600_000, jwks: { addressPolicy: { developmentLoopback: true } } })
    verifiers.push(registry)
    const codeOf = async (token: string | undefined, requiredRoles?: string[]) => {
      const v = await registry.verifyRequest({ method: 'GET', url: '/reports', headers: token === undefined ? {} : { authorization: `Bearer ${token}` } }, { orgId: '12345', ...(requiredRoles ? { requiredRoles } : {}) })
      return v.ok ? 'accepted' : `${v.response.status} ${v.error.code}`
    }
    const token = await mint(key)
    for (let i = 0; i < 3; i++) expect(await codeOf(token)).toBe('accepted')
    readings = 0
    expect(await codeOf(token)).toBe('accepted')
    expect(readings).toBe(1)
    // Refusals on the short path: no token, a forged one, a role the route does not accept.
    expect(await codeOf(undefined)).toBe('401 missing_token')
    expect(await codeOf(`${token.slice(0, -4)}AAAA`)).toBe('401 invalid_signature')
    expect(await codeOf(token, ['Admin'])).toBe('403 insufficient_scope')
    // The token's own expiry is checked at the registry's instant.
    const shortLived = await mint(key, { claims: { exp: Math.floor(clockMs / 1000) + 10 } })
    expect(await codeOf(shortLived)).toBe('accepted')
    expect(await codeOf(shortLived)).toBe('accepted')
    clockMs += 120_000
    expect(await codeOf(shortLived)).toBe('401 token_expired')
    // The subscription's end, with the same document held.
    clockMs = validUntil * 1000
    expect(await codeOf(token)).toBe('401 server_disabled')
    // A suspension written through the store, then lifted.
    clockMs = Date.now()
    const current = (await store.get('12345'))!
    const until = nowSeconds() + 86_400
    expect((await store.put({ ...current, subscriptionValidUntil: until, revision: current.revision + 1 }, current.revision)).ok).toBe(true)
    expect(await codeOf(token)).toBe('accepted')
    const renewed = (await store.get('12345'))!
    expect((await store.put({ ...renewed, suspension: { reason: 'terms_violation', since: nowSeconds() }, revision: renewed.revision + 1 }, renewed.revision)).ok).toBe(true)
    expect(await codeOf(token)).toBe('401 server_disabled')
  })

  it('suspends an organization that crosses its API-call threshold, audited, and refuses further calls', async () => {
    const { codeOf, store, auditSink } = await setup(undefined, { apiCallThreshold: { maxCalls: 3, windowSeconds: 3600 } })
    const token = await mint(key)
    for (let i = 0; i < 3; i++) expect(await codeOf(token)).toBe('accepted')
    expect(await codeOf(token)).toBe('401 server_disabled')
    const org = await store.get('12345')
    expect(org?.suspension?.reason).toBe('api_call_threshold_exceeded')
    expect(auditSink.events.some((e) => e.type !== 'api_call' && e.action === 'suspend')).toBe(true)
    expect(auditSink.events.filter((e) => e.type === 'api_call' && e.outcome === 'denied')).toHaveLength(1)
    expect(await codeOf(token)).toBe('401 server_disabled')
  })

  it('answers an identity-provider outage with 503, never 401', async () => {
    const { codeOf } = await setup(organization({ authorizationServers: [server({ jwksUrl: 'http://127.0.0.1:1/jwks' })] }))
    expect(await codeOf(await mint(key))).toBe('503 jwks_unavailable')
  })

  it('reports when the enabled server last fetched its keys', async () => {
    const { call, registry } = await setup()
    expect(await registry.keyStatus('12345', 'Okta1')).toBeUndefined()
    await call(await mint(key))
    expect(await registry.keyStatus('12345', 'Okta1')).toBeInstanceOf(Date)
  })
})

describe('registryGuard', () => {
  it('resolves the organization from the request, and refuses a request that names none with 400', async () => {
    const { registryGuard } = await import('./registry-guard.ts')
    const { registry } = await setup()
    const guard = registryGuard(registry, { path: '/orgs/:orgId/*' })
    const token = await mint(key)
    const ok = await guard.verifyRequest({ method: 'GET', url: '/orgs/12345/reports', headers: { authorization: `Bearer ${token}` } })
    expect(ok.ok && ok.token.authorization?.adminId).toBe('oauth-ReadOnly$@12345.zscloud.net')
    const other = await guard.verifyRequest({ method: 'GET', url: '/orgs/99999/reports', headers: { authorization: `Bearer ${token}` } })
    expect(!other.ok && other.error.code).toBe('server_disabled')
    const none = await guard.verifyRequest({ method: 'GET', url: '/reports', headers: { authorization: `Bearer ${token}` } })
    expect(!none.ok && [none.response.status, none.error.code]).toEqual([400, 'invalid_request'])
  })
})

describe('createRegistryVerifier: tenants’ JWKS URLs and the address policy (issue 12, hole 2)', () => {
  it('refuses a saved loopback JWKS URL by default: 503, and the JWKS server never sees a request', async () => {
    const store = createInMemoryOrganizationStore([organization()])
    const registry = createRegistryVerifier({ store })
    verifiers.push(registry)
    const before = jwks.fetches
    const verdict = await registry.verifyRequest({ method: 'GET', url: '/reports', headers: { authorization: `Bearer ${await mint(key)}` } }, { orgId: '12345' })
    expect(verdict).toMatchObject({ ok: false, error: { code: 'jwks_unavailable' }, response: { status: 503 } })
    expect(jwks.fetches).toBe(before)
  })

  it('fetches it with developmentLoopback, or with the policy switched off (null)', async () => {
    for (const addressPolicy of [{ developmentLoopback: true }, null]) {
      const registry = createRegistryVerifier({ store: createInMemoryOrganizationStore([organization()]), jwks: { addressPolicy } })
      verifiers.push(registry)
      const verdict = await registry.verifyRequest({ method: 'GET', url: '/reports', headers: { authorization: `Bearer ${await mint(key)}` } }, { orgId: '12345' })
      expect(verdict.ok).toBe(true)
    }
  })

  it('checks the policy when it is built', () => {
    expect(() => createRegistryVerifier({ store: createInMemoryOrganizationStore([]), jwks: { addressPolicy: { allow: ['nope nope'] } } })).toThrow(/jwks|allow\[0\]/)
  })
})
