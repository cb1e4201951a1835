// The tokenward demo (`npm start`): a customer's authorization server, registered for its
// organization through the admin API, protecting the example Express API — then the other half
// (OneAPI): the organization's own API clients getting tokens from the built-in issuer — told
// step by step.
// Embedded defaults, no external service. Exits 0 only if every step behaved as stated.
import { mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTokenClient } from '@tokenward/client'
import { createVerifier } from '@tokenward/core'
import { applyCommand, organizationAccessOf, systemActor, type AuditEvent, type Organization, type OrganizationCommand } from '@tokenward/core/organization'
import { createIssuer, createOrganizationClientStore, type Issuer } from '@tokenward/issuer'
import { adminAuthenticator, createAdminApi, createInMemoryReceiptStore, createRegistryVerifier, registryGuard } from '@tokenward/registry'
import { createFileOrganizationStore, createJsonlAuditSink, readAuditLog } from '@tokenward/registry/node'
import { createAdminConsole } from '@tokenward/console'
import { adminApi } from '@tokenward/express'
import express from 'express'
import { createApp } from './app.ts'
import { createDemoLogin } from './demo-login.ts'
import { clientCredentialsToken, startLocalAuthorizationServer } from './local-authorization-server.ts'

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s)
const failures: string[] = []
function check(what: string, ok: boolean, detail = ''): void {
  console.log(`  ${ok ? '✔' : '✘'} ${what}${detail === '' ? '' : ` (${detail})`}`)
  if (!ok) failures.push(what)
}
const step = (title: string) => console.log(`\n${bold(title)}`)

const api = 'https://api.demo.tokenward.test'
const dir = mkdtempSync(join(tmpdir(), 'tokenward-demo-'))

// The API owner's own identity provider for admins, and the customer's authorization server.
const adminIdp = await startLocalAuthorizationServer({
  audience: 'https://admin.demo.tokenward.test',
  clients: { 'alice@12345': { secret: 'admin-secret', scopes: [], claims: { permissions: ['api_key_management'] } } },
})
const acme = await startLocalAuthorizationServer({
  audience: api,
  jwksMaxAgeSeconds: 2,
  clients: {
    'reporting-service': { secret: 'reporting-secret', scopes: ['zscloud::12345::ReadOnly'] },
    'policy-bot': { secret: 'policy-secret', scopes: ['zscloud::12345::Admin'] },
  },
})
const rogue = await startLocalAuthorizationServer({ audience: api, clients: {} })

// The provider's built-in issuer (OneAPI), on its own origin: the token endpoint for organization
// 12345's API clients, reading them from the same store the admin API writes. It is created in
// step 9, once the organization has the API roles its clients will hold.
let oneApi: Issuer | undefined
const issuerApp = express()
issuerApp.disable('x-powered-by')
issuerApp.use(adminApi(async (request) => (oneApi === undefined ? new Response(null, { status: 404 }) : oneApi.handle(request))))
const issuerServer = issuerApp.listen(0, '127.0.0.1')
await new Promise((resolve) => issuerServer.once('listening', resolve))
const oneApiIssuer = `http://127.0.0.1:${(issuerServer.address() as AddressInfo).port}`

// The API owner's side: durable store, audit log, registry verifier, admin API, the Express API.
const store = await createFileOrganizationStore({ directory: join(dir, 'orgs') })
const auditPath = join(dir, 'audit.jsonl')
const audit = await createJsonlAuditSink({ path: auditPath })
// Short JWKS timings so the outage part of the story fits in seconds.
// DEMO ONLY: the console's sign-in form; the admin API takes its session or an admin token.
const login = createDemoLogin()
const adminTokens = adminAuthenticator({ verifier: createVerifier({ server: { name: 'AdminIdP', jwksUrl: adminIdp.jwksUrl, issuer: adminIdp.issuer } }) })
const registry = createRegistryVerifier({
  store,
  auditSink: audit,
  jwks: { minMaxAgeSeconds: 1, maxStaleSeconds: 2, failureCooldownSeconds: 0, addressPolicy: { developmentLoopback: true } },
  // Tokens the built-in issuer mints for the organizations' API clients are accepted too.
  issuer: { issuer: oneApiIssuer, jwksUrl: `${oneApiIssuer}/jwks` },
})
const admin = createAdminApi({
  basePath: '/admin/',
  store,
  receipts: createInMemoryReceiptStore(),
  audit,
  // The demo's identity providers run on http://127.0.0.1; tenants' URLs are public https in production.
  addressPolicy: { developmentLoopback: true },
  authenticate: async (request) => login.actorOf(request) ?? adminTokens(request),
  authorizeOrganization: (actor, orgId) => actor.id.endsWith(`@${orgId}`),
  keyStatus: registry.keyStatus,
})
const app = createApp({ guard: registryGuard(registry, { param: 'orgId' }) /* the organization Express routed to */, admin })
// The admin console, on the same origin as the admin API it calls.
let base = ''
app.use('/console', adminApi(createAdminConsole({ adminApiBase: '/admin/', basePath: '/console/', apiBaseUrl: (orgId) => `${base}/orgs/${orgId}/` })))
login.mount(app, '/console/orgs/12345/')
const server = app.listen(0, '127.0.0.1')
await new Promise((resolve) => server.once('listening', resolve))
base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

async function call(method: string, path: string, token?: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await response.text()
  return { status: response.status, challenge: response.headers.get('www-authenticate'), body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>) }
}
async function expectCall(label: string, method: string, path: string, token: string | undefined, expected: { status: number; code?: string }) {
  const r = await call(method, path, token)
  const code = r.body?.code as string | undefined
  console.log(`  ${method} ${path} → ${r.status}${code === undefined ? '' : ` ${code}`}${r.status < 300 ? ` ${JSON.stringify(r.body)}` : ` — ${String(r.body?.error_description ?? '')}`}`)
  check(label, r.status === expected.status && (expected.code === undefined || code === expected.code), expected.code === undefined ? `${expected.status}` : `${expected.status} ${expected.code}`)
}
async function provider(command: OrganizationCommand): Promise<void> {
  const org = (await store.get('12345'))!
  const outcome = applyCommand(org, command, systemActor, Math.floor(Date.now() / 1000))
  if (!outcome.ok) throw new Error(outcome.error.message)
  const written = await store.put(outcome.value.organization, org.revision)
  if (!written.ok) throw new Error('lost a race with nobody')
  for (const event of outcome.value.events) await audit.record(event)
}

try {
  console.log(bold('tokenward demo'))
  console.log(`customer authorization server ${acme.issuer}, API ${base}, state in ${dir}`)

  step('1. The API owner onboards organization 12345 (cloud "zscloud", roles ReadOnly and Admin)')
  const org: Organization = {
    orgId: '12345',
    cloud: 'zscloud',
    cloudDomain: 'zscloud.net',
    apiRoles: { ReadOnly: ['reports'], Admin: ['reports', 'policies'] },
    subscriptionValidUntil: Math.floor(Date.now() / 1000) + 365 * 86_400,
    suspension: undefined,
    authorizationServers: [],
    revision: 1,
  }
  check('organization stored', (await store.put(org, undefined)).ok)

  step("2. The organization's admin registers its authorization server through the admin API")
  const adminToken = await clientCredentialsToken(adminIdp.tokenUrl, 'alice@12345', 'admin-secret')
  check('the admin API refuses a caller without a token', (await call('GET', '/admin/orgs/12345/authorization-servers')).status === 401)
  const validated = await call('POST', '/admin/orgs/12345/authorization-servers/validate', adminToken, { jwksUrl: acme.jwksUrl })
  console.log(`  Validate → ${validated.status}, usable signing keys: ${String((validated.body?.report as { usableSigningKeyCount?: number } | undefined)?.usableSigningKeyCount)}`)
  check('"Validate" succeeds and hands out a receipt', validated.status === 200 && typeof validated.body?.validationId === 'string')
  const added = await call('POST', '/admin/orgs/12345/authorization-servers', adminToken, {
    name: 'AcmeIdP',
    description: 'Acme production authorization server',
    jwksUrl: acme.jwksUrl,
    issuer: acme.issuer,
    audience: api,
    validationId: validated.body?.validationId,
  })
  check('the server is saved and enabled', added.status === 201, `${added.status}`)
  const reused = await call('POST', '/admin/orgs/12345/authorization-servers', adminToken, { name: 'Second', jwksUrl: acme.jwksUrl, validationId: validated.body?.validationId })
  check('a receipt cannot be used twice', reused.status === 400, `${reused.status} ${String(reused.body?.error)}`)

  step('3. A client of the organization calls the API')
  const readOnly = await clientCredentialsToken(acme.tokenUrl, 'reporting-service', 'reporting-secret')
  await expectCall('a valid token is served', 'GET', '/orgs/12345/reports', readOnly, { status: 200 })
  await expectCall('no token: 401', 'GET', '/orgs/12345/reports', undefined, { status: 401, code: 'missing_token' })
  await expectCall('an expired token: 401 with the reason', 'GET', '/orgs/12345/reports', await acme.sign({ client_id: 'reporting-service', scope: 'zscloud::12345::ReadOnly' }, { expiresInSeconds: -3600 }), { status: 401, code: 'token_expired' })
  await expectCall('a token from an unknown issuer: 401 with the reason', 'GET', '/orgs/12345/reports', await rogue.sign({ client_id: 'intruder', scope: 'zscloud::12345::Admin' }), { status: 401, code: 'key_not_found' })
  await expectCall('a valid token without the Admin role cannot change policies: 403', 'POST', '/orgs/12345/policies', readOnly, { status: 403, code: 'insufficient_scope' })
  await expectCall('a token with the Admin role can', 'POST', '/orgs/12345/policies', await clientCredentialsToken(acme.tokenUrl, 'policy-bot', 'policy-secret'), { status: 201 })

  step('4. The admin disables the server, then enables it again')
  check('disabled', (await call('POST', '/admin/orgs/12345/authorization-servers/AcmeIdP/disable', adminToken)).status === 200)
  await expectCall('its tokens stop working at once', 'GET', '/orgs/12345/reports', readOnly, { status: 401, code: 'server_disabled' })
  check('enabled', (await call('POST', '/admin/orgs/12345/authorization-servers/AcmeIdP/enable', adminToken)).status === 200)
  await expectCall('and work again', 'GET', '/orgs/12345/reports', readOnly, { status: 200 })

  step('5. The subscription expires, then is renewed')
  await provider({ type: 'renew_subscription', validUntil: Math.floor(Date.now() / 1000) - 1 })
  await expectCall('expired: tokens are refused', 'GET', '/orgs/12345/reports', readOnly, { status: 401, code: 'server_disabled' })
  const frozen = await call('POST', '/admin/orgs/12345/authorization-servers/AcmeIdP/disable', adminToken)
  check('expired: the admin can read but not change', frozen.status === 403 && (await call('GET', '/admin/orgs/12345/authorization-servers', adminToken)).status === 200, `${frozen.status} ${String(frozen.body?.error)}`)
  await provider({ type: 'renew_subscription', validUntil: Math.floor(Date.now() / 1000) + 365 * 86_400 })
  await expectCall('renewed: the server that was enabled works again, no admin action', 'GET', '/orgs/12345/reports', readOnly, { status: 200 })

  step('6. The provider suspends the organization (terms violation), then lifts it')
  await provider({ type: 'suspend', reason: 'terms_violation' })
  await expectCall('suspended: tokens are refused', 'GET', '/orgs/12345/reports', readOnly, { status: 401, code: 'server_disabled' })
  const listed = await call('GET', '/admin/orgs/12345/authorization-servers', adminToken)
  const status = (listed.body?.authorizationServers as { status?: string }[] | undefined)?.[0]?.status
  check('the admin sees the server as suspended', status === 'suspended', String(status))
  await provider({ type: 'lift_suspension' })
  await expectCall('lifted: access restored', 'GET', '/orgs/12345/reports', readOnly, { status: 200 })

  step('7. The customer rotates its signing key')
  const before = acme.jwksFetches
  await acme.rotateKey()
  await expectCall('a token signed with the new key is accepted', 'GET', '/orgs/12345/reports', await clientCredentialsToken(acme.tokenUrl, 'reporting-service', 'reporting-secret'), { status: 200 })
  check('the rotation cost exactly one JWKS fetch', acme.jwksFetches === before + 1, `${acme.jwksFetches - before} fetch`)

  step("8. The customer's authorization server goes down")
  acme.down = true
  await expectCall('cached keys keep serving at first', 'GET', '/orgs/12345/reports', await acme.sign({ client_id: 'reporting-service', scope: 'zscloud::12345::ReadOnly' }), { status: 200 })
  console.log('  … waiting past the keys\' freshness and the stale ceiling (about 5 s) …')
  await new Promise((resolve) => setTimeout(resolve, 5_000))
  await expectCall('then 503, never 401: the outage is not the client\'s fault', 'GET', '/orgs/12345/reports', await acme.sign({ client_id: 'reporting-service', scope: 'zscloud::12345::ReadOnly' }), { status: 503, code: 'jwks_unavailable' })
  acme.down = false

  step('9. OneAPI: the organization\'s own API client, its role and the built-in issuer')
  const role = await call('POST', '/admin/orgs/12345/api-roles', adminToken, { name: 'Auditor', categories: ['reports'] })
  check('the admin adds the API role "Auditor", granting the category "reports"', role.status === 201, `${role.status}`)
  const client = await call('POST', '/admin/orgs/12345/api-clients', adminToken, { clientId: 'audit-bot', name: 'Audit bot', roles: ['Auditor'], authentication: { method: 'client_secret' } })
  const clientSecret = typeof client.body?.clientSecret === 'string' ? client.body.clientSecret : ''
  console.log(`  API client audit-bot added; its client secret, shown this once: ${clientSecret.slice(0, 6)}… (${clientSecret.length} characters)`)
  check('the API client is saved with a generated client secret', client.status === 201 && clientSecret.length >= 32, `${client.status}`)
  const reread = await call('GET', '/admin/orgs/12345/api-clients/audit-bot', adminToken)
  check('reading the client back never shows the secret', reread.status === 200 && !JSON.stringify(reread.body).includes(clientSecret))
  oneApi = createIssuer({ issuer: oneApiIssuer, organization: organizationAccessOf((await store.get('12345'))!), clients: createOrganizationClientStore({ organizations: store }) })
  console.log(`  The built-in issuer for organization 12345: ${oneApiIssuer} (token endpoint ${oneApi.tokenEndpoint})`)
  const tokens = createTokenClient({ issuer: oneApiIssuer, clientId: 'audit-bot', clientAuthentication: { method: 'client_secret_basic', clientSecret }, apiOrigins: [base] })
  const issued = await tokens.getToken()
  console.log(`  @tokenward/client got a ${issued.tokenType} token, scope "${issued.scope ?? ''}", by discovery and client_secret_basic`)
  check('the client gets a token for its role', issued.scope === 'zscloud::12345::Auditor', issued.scope ?? 'no scope')
  const viaClient = async (label: string, method: string, path: string, expected: { status: number; code?: string }) => {
    const response = await tokens.fetch(`${base}${path}`, { method })
    const body = (await response.json()) as Record<string, unknown>
    const code = body.code as string | undefined
    console.log(`  ${method} ${path} → ${response.status}${code === undefined ? '' : ` ${code}`}${response.status < 300 ? ` ${JSON.stringify(body)}` : ` — ${String(body.error_description ?? '')}`}`)
    check(label, response.status === expected.status && (expected.code === undefined || code === expected.code), expected.code === undefined ? `${expected.status}` : `${expected.status} ${expected.code}`)
  }
  await viaClient('the issuer\'s token calls the API through the registry verifier', 'GET', '/orgs/12345/reports', { status: 200 })
  await viaClient('a route of another category ("policies"): 403', 'POST', '/orgs/12345/policies', { status: 403, code: 'insufficient_scope' })
  check('the admin disables the client', (await call('POST', '/admin/orgs/12345/api-clients/audit-bot/disable', adminToken)).status === 200)
  const refused = await tokens.getToken({ forceRefresh: true }).then(
    () => 'a token',
    (error: { status?: number; oauthError?: string }) => `${String(error.status)} ${String(error.oauthError)}`,
  )
  console.log(`  its next token request → ${refused}`)
  check('its next token is refused', refused === '401 invalid_client', refused)
  await expectCall('and the token it already holds stops working at once', 'GET', '/orgs/12345/reports', issued.accessToken, { status: 401, code: 'invalid_client' })

  step('10. The audit trail')
  const log = await readAuditLog<AuditEvent>(auditPath)
  const changes = log.events.flatMap((e) => (e.type === 'api_call' ? [] : [e.action]))
  const calls = log.events.flatMap((e) => (e.type === 'api_call' ? [e] : []))
  console.log(`  ${log.events.length} events: changes ${JSON.stringify(changes)}; ${calls.filter((e) => e.outcome === 'allowed').length} allowed and ${calls.filter((e) => e.outcome === 'denied').length} denied API calls`)
  check(
    'every change and every call was audited',
    changes.includes('add_server') && changes.includes('suspend') && changes.includes('add_api_client') && calls.some((e) => e.adminId === 'oauth-ReadOnly$@12345.zscloud.net') && calls.some((e) => e.adminId === 'oauth-Auditor$@12345.zscloud.net'),
  )

  step('11. The admin console')
  const consolePage = await fetch(`${base}/console/orgs/12345/`)
  check('the console page is served with its Content-Security-Policy', consolePage.status === 200 && (consolePage.headers.get('content-security-policy') ?? '').includes("frame-ancestors 'none'"))
  console.log(`  Console: ${base}/console/orgs/12345/`)
  console.log(`  Sign in (demo only): ${base}/login with the demo password ${login.password}`)
  if (process.stdout.isTTY && failures.length === 0) {
    console.log(`\n${bold('Serving until Ctrl-C.')} The walk-through's server is in the table, its API client audit-bot (disabled) and role Auditor in API Clients and API Roles; call ${base}/orgs/12345/reports with a token to see "Last Successful Fetch Time" move.`)
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()))
  }
} finally {
  server.closeAllConnections()
  server.close()
  issuerServer.closeAllConnections()
  issuerServer.close()
  await oneApi?.close()
  await registry.close()
  await audit.close()
  await store.close()
  await Promise.all([adminIdp.close(), acme.close(), rogue.close()])
  rmSync(dir, { recursive: true, force: true })
}

console.log(failures.length === 0 ? `\n${bold('Every step behaved as described.')}` : `\n${bold(`${failures.length} step(s) misbehaved:`)} ${failures.join('; ')}`)
process.exitCode = failures.length === 0 ? 0 : 1
