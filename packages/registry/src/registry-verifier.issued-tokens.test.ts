// The registry verifier accepts, for organization X, tokens from X's own enabled authorization
// server and tokens the built-in issuer minted for an enabled API client of X, and never a token
// minted for another organization's client: a property over random organizations, clients and
// tokens, plus the named cases.
import { defineApiResources, defineAuthorizationServer } from '@tokenward/core'
import { apiKeyManagementPermission, applyCommand, type Organization, type OrganizationCommand } from '@tokenward/core/organization'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeKey, mint, type TestKey } from '../../core/src/testing/mint.test-support.ts'
import { createInMemoryAuditSink } from './audit/in-memory-audit-sink.ts'
import { RegistryConfigError } from './errors.ts'
import { createRegistryVerifier, type RegistryVerifier } from './registry-verifier.ts'
import { createInMemoryOrganizationStore } from './store/in-memory-organization-store.ts'

const issuerId = 'https://auth.tokenward.test'
const t0 = Math.floor(Date.now() / 1000)
const alice = { id: 'alice', permissions: [apiKeyManagementPermission] }
const roleNames = ['ReadOnly', 'Admin', 'Audit'] as const
const orgIds = ['acme', 'globex', 'initech'] as const
const clientIds = ['ci', 'batch', 'shared'] as const

let issuerKey: TestKey
let otherKey: TestKey
let serverKey: TestKey
beforeAll(async () => {
  issuerKey = await makeKey('ES256', 'issuer-1')
  otherKey = await makeKey('ES256', 'issuer-1')
  serverKey = await makeKey('ES256', 'okta-1')
})

const blank = (orgId: string, roles: readonly string[]): Organization => ({
  orgId,
  cloud: 'zscloud',
  cloudDomain: 'zscloud.net',
  apiRoles: Object.fromEntries(roles.map((r) => [r, ['reports']])),
  subscriptionValidUntil: t0 + 86_400,
  suspension: undefined,
  authorizationServers: [],
  revision: 1,
})
/** Built through the organization rules, as the admin API builds it. */
const build = (org: Organization, commands: readonly OrganizationCommand[]): Organization =>
  commands.reduce((o, command) => {
    const r = applyCommand(o, command, alice, t0)
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`)
    return r.value.organization
  }, org)
const addClient = (clientId: string, roles: readonly string[], enabled = true): OrganizationCommand => ({
  type: 'add_api_client',
  client: { clientId, name: `Client ${clientId}`, roles, enabled, authentication: { method: 'private_key_jwt', publicKey: serverKeyJwk() } },
  receipt: undefined,
})
const serverKeyJwk = () => ({ kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' })

/** A token as `@tokenward/issuer` mints it for `clientId` of `orgId` with `roles`. */
const issuerToken = (clientId: string, orgId: string, roles: readonly string[], key: TestKey = issuerKey, claims: Record<string, unknown> = {}) =>
  mint(key, {
    claims: {
      iss: issuerId,
      sub: clientId,
      client_id: clientId,
      aud: issuerId,
      scope: roles.map((r) => `zscloud::${orgId}::${r}`).join(' ') || undefined,
      iat: t0,
      exp: t0 + 600,
      jti: crypto.randomUUID(),
      ...claims,
    },
  })

function verifierFor(orgs: readonly Organization[]): { verifier: RegistryVerifier; sink: ReturnType<typeof createInMemoryAuditSink> } {
  const sink = createInMemoryAuditSink()
  const verifier = createRegistryVerifier({
    store: createInMemoryOrganizationStore(orgs),
    issuer: { issuer: issuerId, jwks: { keys: [issuerKey.publicJwk as never] } },
    auditSink: sink,
    keyRefresh: false,
    cache: false,
  })
  return { verifier, sink }
}
const call = (verifier: RegistryVerifier, orgId: string, token: string, requiredRoles?: string[]) =>
  verifier.verifyRequest({ method: 'GET', url: 'https://api.test/reports', headers: { authorization: `Bearer ${token}` } }, { orgId, ...(requiredRoles === undefined ? {} : { requiredRoles }) })

describe('registry verifier: tokens of the built-in issuer', () => {
  let verifier: RegistryVerifier
  let sink: ReturnType<typeof createInMemoryAuditSink>
  const okta = () => defineAuthorizationServer({ name: 'Okta1', jwks: { keys: [serverKey.publicJwk as never] }, issuer: 'https://okta.test', audience: 'api://x' })
  beforeAll(() => {
    const acme = build({ ...blank('acme', ['ReadOnly', 'Admin']), authorizationServers: [okta()] }, [addClient('ci', ['ReadOnly']), addClient('off', ['ReadOnly'], false)])
    const globex = build(blank('globex', ['ReadOnly', 'Admin']), [addClient('ci', ['Admin']), addClient('gx', ['ReadOnly'])])
    const suspended = { ...build(blank('hooli', ['ReadOnly']), [addClient('ci', ['ReadOnly'])]), suspension: { reason: 'terms_violation' as const, since: t0 } }
    const expired = { ...build(blank('umbrella', ['ReadOnly']), [addClient('ci', ['ReadOnly'])]), subscriptionValidUntil: t0 - 1 }
    ;({ verifier, sink } = verifierFor([acme, globex, suspended, expired]))
  })
  afterAll(() => verifier.close())

  it('accepts a token minted for an enabled API client of the organization, audited under the issuer', async () => {
    const v = await call(verifier, 'acme', await issuerToken('ci', 'acme', ['ReadOnly']))
    expect(v.ok).toBe(true)
    if (v.ok) expect(v.token.authorization?.adminId).toBe('oauth-ReadOnly$@acme.zscloud.net')
    expect(sink.events.at(-1)).toMatchObject({ type: 'api_call', orgId: 'acme', clientId: 'ci', outcome: 'allowed', authorizationServer: 'TokenwardIssuer' })
  })

  it("still accepts the organization's own server's tokens", async () => {
    const token = await mint(serverKey, { claims: { iss: 'https://okta.test', aud: 'api://x', scope: 'zscloud::acme::Admin' } })
    expect((await call(verifier, 'acme', token)).ok).toBe(true)
  })

  const refusals: [string, string, () => Promise<string>, number, string, string[]?][] = [
    ["another organization's client (same client ID, its own scope)", 'acme', () => issuerToken('ci', 'globex', ['Admin']), 403, 'insufficient_scope'],
    ["another organization's client (no client of that ID here)", 'acme', () => issuerToken('gx', 'globex', ['ReadOnly']), 401, 'invalid_client'],
    ['a disabled API client', 'acme', () => issuerToken('off', 'acme', ['ReadOnly']), 401, 'invalid_client'],
    ['an unknown client', 'acme', () => issuerToken('ghost', 'acme', ['ReadOnly']), 401, 'invalid_client'],
    ['a role the client does not hold', 'acme', () => issuerToken('ci', 'acme', ['Admin']), 403, 'insufficient_scope'],
    ['a role the route does not accept', 'acme', () => issuerToken('ci', 'acme', ['ReadOnly']), 403, 'insufficient_scope', ['Admin']],
    ['a suspended organization', 'hooli', () => issuerToken('ci', 'hooli', ['ReadOnly']), 401, 'server_disabled'],
    ['an expired subscription', 'umbrella', () => issuerToken('ci', 'umbrella', ['ReadOnly']), 401, 'server_disabled'],
    ["the issuer's iss signed with another key", 'acme', () => issuerToken('ci', 'acme', ['ReadOnly'], otherKey), 401, 'invalid_signature'],
    ['a token without typ at+jwt', 'acme', () => mint(issuerKey, { header: { typ: 'JWT' }, claims: { iss: issuerId, client_id: 'ci', aud: issuerId, scope: 'zscloud::acme::ReadOnly' } }), 401, 'invalid_typ'],
    ["the issuer's key with another iss (goes to the organization's server)", 'acme', () => mint(issuerKey, { claims: { iss: 'https://okta.test', aud: 'api://x', client_id: 'ci', scope: 'zscloud::acme::ReadOnly' } }), 401, 'key_not_found'],
  ]
  it.each(refusals)('refuses %s', async (_name, orgId, token, status, code, requiredRoles) => {
    const v = await call(verifier, orgId, await token(), requiredRoles)
    expect(v.ok).toBe(false)
    if (!v.ok) expect([v.response.status, v.error.code]).toEqual([status, expect.stringMatching(new RegExp(`^${code}`))])
  })

  it('options are checked when built, each bad field by path', () => {
    const store = createInMemoryOrganizationStore([])
    const paths = (issuer: unknown): string[] => {
      try {
        createRegistryVerifier({ store, issuer: issuer as never, keyRefresh: false })
        return []
      } catch (e) {
        return e instanceof RegistryConfigError ? e.issues.map((i) => i.path) : ['not a RegistryConfigError']
      }
    }
    expect(paths({ issuer: issuerId })).toContain('issuer')
    expect(paths({ issuer: issuerId, jwks: { keys: [issuerKey.publicJwk] }, jwksUrl: 'https://a.test/jwks' })).toContain('issuer')
    expect(paths({ issuer: '', jwksUrl: 'http://example.com/jwks', extra: 1 })).toEqual(expect.arrayContaining(['issuer.issuer', 'issuer.jwksUrl', 'issuer.extra']))
  })
})

// RBAC over API resources holds for the built-in issuer's tokens exactly as for the organization's
// own server's: a route's category (or the table's answer for the request) must be granted by a role
// the token carries and the client still holds. (Before this, issuer tokens skipped the category.)
describe('registry verifier: built-in-issuer tokens and API resource categories', () => {
  let verifier: RegistryVerifier
  beforeAll(() => {
    const org = build({ ...blank('acme', []), apiRoles: { Auditor: ['reports'], Admin: ['reports', 'policies'] } }, [addClient('auditor', ['Auditor']), addClient('admin', ['Admin']), addClient('demoted', ['Auditor'])])
    ;({ verifier } = verifierFor([org]))
  })
  afterAll(() => verifier.close())
  const table = defineApiResources([
    { category: 'reports', routes: [{ method: 'GET', path: '/reports' }] },
    { category: 'policies', routes: [{ method: 'POST', path: '/policies' }] },
  ])
  const at = async (method: string, path: string, token: string, target: { resource?: string; resources?: typeof table }) => {
    const v = await verifier.verifyRequest({ method, url: `https://api.test${path}`, headers: { authorization: `Bearer ${token}` } }, { orgId: 'acme', ...target })
    return v.ok ? 'ok' : `${v.response.status} ${v.error.code}`
  }
  const cases: [string, string, string, readonly string[], string, string][] = [
    ['a role granting the route\'s category', 'GET', '/reports', ['Auditor'], 'auditor', 'ok'],
    ['a role that does not grant the route\'s category', 'POST', '/policies', ['Auditor'], 'auditor', '403 insufficient_scope'],
    ['a role granting it', 'POST', '/policies', ['Admin'], 'admin', 'ok'],
    ['a granting role the client does not hold', 'POST', '/policies', ['Admin'], 'demoted', '403 insufficient_scope'],
    ['a path the table does not map', 'DELETE', '/policies', ['Admin'], 'admin', '403 insufficient_scope'],
  ]
  it.each(cases)('per-route resource and resource table: %s (%s %s)', async (_name, method, path, roles, clientId, expected) => {
    const token = await issuerToken(clientId, 'acme', roles)
    expect(await at(method, path, token, { resources: table })).toBe(expected)
    const category = table.match(method, `https://api.test${path}`)
    if (category.kind === 'category') expect(await at(method, path, token, { resource: category.category })).toBe(expected)
  })
  it('names the roles that would pass in the refusal', async () => {
    const v = await verifier.verifyRequest({ method: 'POST', url: 'https://api.test/policies', headers: { authorization: `Bearer ${await issuerToken('auditor', 'acme', ['Auditor'])}` } }, { orgId: 'acme', resource: 'policies' })
    expect(v.ok).toBe(false)
    if (!v.ok) expect(v.response.headers['WWW-Authenticate'] ?? v.response.headers['www-authenticate']).toContain('scope="zscloud::acme::Admin"')
  })
})

describe('property: for organization X, a built-in-issuer token is accepted exactly when it was minted for an enabled API client of X with a role X and the client still grant', () => {
  const clientSpec = fc.record({ roles: fc.subarray([...roleNames]), enabled: fc.boolean() })
  const orgSpec = fc.record({
    roles: fc.subarray([...roleNames], { minLength: 1 }),
    clients: fc.dictionary(fc.constantFrom(...clientIds), clientSpec, { maxKeys: 3 }),
    state: fc.constantFrom('active', 'active', 'active', 'suspended', 'expired'),
  })
  const tokenSpec = fc.record({
    mintedFor: fc.constantFrom(...orgIds),
    clientId: fc.constantFrom(...clientIds),
    roles: fc.subarray([...roleNames]),
    presentedTo: fc.constantFrom(...orgIds),
    requiredRoles: fc.option(fc.subarray([...roleNames], { minLength: 1 }), { nil: undefined }),
  })

  it('holds over random organizations, clients and tokens', async () => {
    await fc.assert(
      fc.asyncProperty(fc.tuple(orgSpec, orgSpec, orgSpec), fc.array(tokenSpec, { minLength: 1, maxLength: 6 }), async (specs, tokens) => {
        const orgs = specs.map((spec, i) => {
          const orgId = orgIds[i] as string
          const commands = Object.entries(spec.clients).map(([clientId, c]) => addClient(clientId, c.roles.filter((r) => spec.roles.includes(r)), c.enabled))
          const org = build(blank(orgId, spec.roles), commands)
          return spec.state === 'suspended' ? { ...org, suspension: { reason: 'terms_violation' as const, since: t0 } } : spec.state === 'expired' ? { ...org, subscriptionValidUntil: t0 - 1 } : org
        })
        const { verifier } = verifierFor(orgs)
        try {
          for (const t of tokens) {
            const minter = orgs[orgIds.indexOf(t.mintedFor)]!
            const mintingClient = minter.apiClients?.find((c) => c.clientId === t.clientId)
            // The issuer only mints roles the client holds in its own organization.
            const granted = t.roles.filter((r) => mintingClient?.roles.includes(r) === true)
            const token = await issuerToken(t.clientId, t.mintedFor, granted)
            const x = orgs[orgIds.indexOf(t.presentedTo)]!
            const client = x.apiClients?.find((c) => c.clientId === t.clientId)
            const routeRoles = t.requiredRoles ?? Object.keys(x.apiRoles)
            const expected =
              t.mintedFor === t.presentedTo &&
              x.suspension === undefined &&
              x.subscriptionValidUntil > t0 &&
              client?.enabled === true &&
              granted.some((r) => Object.hasOwn(x.apiRoles, r) && client.roles.includes(r) && routeRoles.includes(r))
            const v = await call(verifier, t.presentedTo, token, t.requiredRoles)
            expect({ token: t, accepted: v.ok }).toEqual({ token: t, accepted: expected })
            if (v.ok) expect(v.token.authorization?.adminId).toMatch(new RegExp(`@${t.presentedTo}\\.zscloud\\.net$`))
            if (!v.ok) expect(v.response.status).toBeLessThan(500)
          }
        } finally {
          await verifier.close()
        }
      }),
      { numRuns: 60 },
    )
  })
})
