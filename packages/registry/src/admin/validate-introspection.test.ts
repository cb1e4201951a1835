// Validate with an introspection section, through the admin API over HTTP against a real
// introspection endpoint on 127.0.0.1: the report gains an `introspection` section in words, the
// receipt covers endpoint + client ID + method, an introspection-only server cannot be saved
// without one, and the server view never echoes the client's secret.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { makeOrg, orgId, revisionOf, startHarness, type Harness } from './admin-fixture.test-support.ts'

const servers = `orgs/${orgId}/authorization-servers`
const secret = 'introspection-client-s3cr3t'

/** An RFC 7662 endpoint: tokenward-rs with the right secret gets {"active":false}; others 401; `mode` switches it. */
let as: Server
let asUrl: string
let mode: 'good' | 'always-active' | 'down' = 'good'
const seen: URLSearchParams[] = []
beforeAll(async () => {
  as = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (req.url === '/.well-known/oauth-authorization-server') {
        const origin = `http://127.0.0.1:${(as.address() as AddressInfo).port}`
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: origin, introspection_endpoint: `${origin}/as/introspect.oauth2` }))
      }
      seen.push(new URLSearchParams(Buffer.concat(chunks).toString('utf8')))
      if (mode === 'down') return void res.writeHead(503, { 'content-type': 'text/plain' }).end('backend 10.0.0.7 down')
      if (req.headers.authorization !== `Basic ${btoa(`tokenward-rs:${secret}`)}`) {
        return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_client","error_description":"bad secret for tokenward-rs"}')
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(mode === 'always-active' ? '{"active":true,"sub":"x"}' : '{"active":false}')
    })
  })
  await new Promise<void>((resolve) => as.listen(0, '127.0.0.1', resolve))
  asUrl = `http://127.0.0.1:${(as.address() as AddressInfo).port}/as/introspect.oauth2`
})
afterAll(async () => {
  as.closeAllConnections()
  await new Promise<void>((resolve) => as.close(() => resolve()))
})

let open: Harness[] = []
afterEach(async () => {
  mode = 'good'
  await Promise.all(open.map((h) => h.close()))
  open = []
})
async function harness(): Promise<Harness> {
  const h = await startHarness({ organizations: [makeOrg({ authorizationServers: [], revision: 1 })] })
  open.push(h)
  return h
}

const introspection = (extra: Record<string, unknown> = {}) => ({
  endpoint: asUrl,
  clientId: 'tokenward-rs',
  clientAuthentication: { method: 'client_secret_basic', clientSecret: secret },
  ...extra,
})
/** An introspection-only server: no jwksUrl, no jwks. */
const opaqueServer = (extra: Record<string, unknown> = {}) => ({ name: 'Ping1', issuer: 'https://ping.example.com', introspection: introspection(), ...extra })

describe('Validate with introspection', () => {
  it('healthy: 200 {"active":false} for a random string; the receipt lets exactly that server be saved', async () => {
    const h = await harness()
    seen.length = 0
    const r = await h.call('POST', `${servers}/validate`, { body: { introspection: introspection() } })
    expect(r.status).toBe(200)
    expect(r.body.report).toBeUndefined()
    expect(r.body.introspection).toMatchObject({ ok: true, outcome: 'healthy', reachable: true, clientId: 'tokenward-rs', authMethod: 'client_secret_basic', problems: [] })
    expect(r.body.introspection.httpStatus).toBeUndefined()
    expect(r.body.validationId).toEqual(expect.any(String))
    expect(seen[0]?.get('token')).toMatch(/^tokenward-validate-/)
    expect(JSON.stringify(r.body)).not.toContain(secret)

    const added = await h.call('POST', servers, { body: { ...opaqueServer(), validationId: r.body.validationId } })
    expect(added.status).toBe(201)
  })

  it('wrong credentials: reported in words, no status code or AS body, and no validationId', async () => {
    const h = await harness()
    const r = await h.call('POST', `${servers}/validate`, {
      body: { introspection: introspection({ clientAuthentication: { method: 'client_secret_basic', clientSecret: 'wrong-secret' } }) },
    })
    expect(r.body.introspection).toMatchObject({ ok: false, outcome: 'credentials_refused', reachable: true })
    expect(r.body.introspection.problems[0]).toMatch(/refused tokenward's client ID or credentials/)
    const shown = JSON.stringify({ ...r.body.introspection, endpoint: undefined, checkedAt: undefined })
    for (const leak of ['401', 'invalid_client', 'bad secret', 'wrong-secret']) expect(shown).not.toContain(leak)
    expect(r.body.validationId).toBeUndefined()
  })

  it('a broken AS (active for a random string) and a 5xx are not healthy; the 5xx body never shows', async () => {
    const h = await harness()
    mode = 'always-active'
    const active = await h.call('POST', `${servers}/validate`, { body: { introspection: introspection() } })
    expect([active.body.introspection.outcome, active.body.validationId]).toEqual(['active_for_random_token', undefined])
    mode = 'down'
    const down = await h.call('POST', `${servers}/validate`, { body: { introspection: introspection() } })
    expect([down.body.introspection.outcome, down.body.validationId]).toEqual(['server_error', undefined])
    expect(JSON.stringify(down.body)).not.toContain('10.0.0.7')
  })

  it('the tenant address policy applies to the introspection endpoint', async () => {
    const h = await startHarness({ organizations: [makeOrg({ authorizationServers: [], revision: 1 })], overrides: { addressPolicy: {} } })
    open.push(h)
    seen.length = 0
    const r = await h.call('POST', `${servers}/validate`, { body: { introspection: introspection() } })
    expect(r.body.introspection).toMatchObject({ ok: false, outcome: 'address_not_allowed', reachable: false })
    expect(seen).toEqual([])
  })

  it('with discovery, the metadata fills the introspection endpoint first; a wrong issuer is reported, not used', async () => {
    const h = await harness()
    const origin = new URL(asUrl).origin
    const { endpoint: _, ...withoutEndpoint } = introspection()
    const r = await h.call('POST', `${servers}/validate`, { body: { issuer: origin, discovery: true, introspection: withoutEndpoint } })
    expect(r.status).toBe(200)
    expect(r.body.discovery).toMatchObject({ ok: true, introspectionEndpoint: asUrl })
    expect(r.body.introspection).toMatchObject({ ok: true, outcome: 'healthy', endpoint: asUrl })
    // The receipt is for the discovered endpoint, written out explicitly in the saved config.
    const added = await h.call('POST', servers, { body: { ...opaqueServer({ issuer: origin }), validationId: r.body.validationId } })
    expect(added.status).toBe(201)

    const wrong = await h.call('POST', `${servers}/validate`, { body: { issuer: 'http://127.0.0.1:1', discovery: `${origin}/.well-known/oauth-authorization-server`, introspection: withoutEndpoint } })
    expect(wrong.body.discovery.ok).toBe(false)
    expect([wrong.body.introspection, wrong.body.validationId]).toEqual([undefined, undefined])
  })

  it('checks the introspection section like a config, each bad field named', async () => {
    const h = await harness()
    const r = await h.call('POST', `${servers}/validate`, { body: { introspection: { endpoint: 'ftp://x', clientAuthentication: { method: 'magic' } } } })
    expect(r.status).toBe(400)
    const paths = r.body.issues.map((i: { path: string }) => i.path)
    expect(paths).toEqual(expect.arrayContaining(['introspection.endpoint', 'introspection.clientId', 'introspection.clientAuthentication.method']))
  })
})

describe('saving an introspection-only server needs a receipt for exactly what was validated', () => {
  it('refuses add and edit without a receipt (it was accepted before: issue 13)', async () => {
    const h = await harness()
    const none = await h.call('POST', servers, { body: opaqueServer() })
    expect([none.status, none.body.error]).toEqual([400, 'validation_required'])
    expect(await revisionOf(h)).toBe(1)

    const v = await h.call('POST', `${servers}/validate`, { body: { introspection: introspection() } })
    expect((await h.call('POST', servers, { body: { ...opaqueServer(), validationId: v.body.validationId } })).status).toBe(201)
    const edit = await h.call('PUT', `${servers}/Ping1`, { body: opaqueServer({ description: 'changed' }) })
    expect([edit.status, edit.body.error]).toEqual([400, 'validation_required'])
  })

  it.each([
    ['another client ID', { clientId: 'someone-else' }, 'receipt.introspection.clientId'],
    ['another method', { clientAuthentication: { method: 'client_secret_post', clientSecret: secret } }, 'receipt.introspection.authMethod'],
    ['another endpoint', { endpoint: 'http://127.0.0.1:9/other' }, 'receipt.introspection.endpoint'],
  ])('a receipt does not cover %s', async (_, change, field) => {
    const h = await harness()
    const v = await h.call('POST', `${servers}/validate`, { body: { introspection: introspection() } })
    const r = await h.call('POST', servers, { body: { ...opaqueServer({ introspection: introspection(change) }), validationId: v.body.validationId } })
    expect([r.status, r.body.error, r.body.field]).toEqual([400, 'validation_mismatch', field])
  })
})

describe('the server view never echoes secrets', () => {
  it('introspection.clientAuthentication keeps its method but loses clientSecret; dpop loses nonceSecrets', async () => {
    const h = await harness()
    const v = await h.call('POST', `${servers}/validate`, { body: { introspection: introspection() } })
    const nonceSecret = 'dpop-nonce-secret-of-at-least-32-characters!'
    const added = await h.call('POST', servers, { body: { ...opaqueServer({ dpop: { mode: 'enabled', requireNonce: true, nonceSecret } }), validationId: v.body.validationId } })
    expect(added.status).toBe(201)
    const list = await h.call('GET', servers)
    const one = await h.call('GET', `${servers}/Ping1`)
    for (const body of [added.body, list.body, one.body]) {
      expect(JSON.stringify(body)).not.toContain(secret)
      expect(JSON.stringify(body)).not.toContain(nonceSecret)
    }
    expect(added.body.server.config.introspection.clientAuthentication).toEqual({ method: 'client_secret_basic' })
    expect(added.body.server.config.dpop).toMatchObject({ mode: 'enabled', requireNonce: true })
    // Stored as given: the verifier still has the secret.
    const stored = await h.store.get(orgId)
    expect(JSON.stringify(stored)).toContain(secret)
  })
})

describe('an edit keeps the DPoP nonce secrets it cannot see', () => {
  it('a read-modify-write of the view keeps them; giving a new one replaces them', async () => {
    const h = await harness()
    const nonceSecret = 'dpop-nonce-secret-of-at-least-32-characters!'
    const first = await h.call('POST', `${servers}/validate`, { body: { introspection: introspection() } })
    await h.call('POST', servers, { body: { ...opaqueServer({ dpop: { mode: 'enabled', nonceSecret } }), validationId: first.body.validationId } })
    const view = (await h.call('GET', `${servers}/Ping1`)).body.server
    // The admin edits what the view shows (no nonce secret in it), re-typing the client secret.
    const again = await h.call('POST', `${servers}/validate`, { body: { introspection: introspection() } })
    const edited = { ...view.config, description: 'edited', introspection: introspection(), validationId: again.body.validationId }
    const put = await h.call('PUT', `${servers}/Ping1`, { body: edited })
    expect([put.status, put.body.issues ?? put.body.message]).toEqual([200, undefined])
    let stored = (await h.store.get(orgId))!.authorizationServers[0]!
    expect([stored.description, stored.dpop?.nonceSecrets]).toEqual(['edited', [nonceSecret]])

    const replacement = 'another-nonce-secret-of-at-least-32-chars!!'
    const third = await h.call('POST', `${servers}/validate`, { body: { introspection: introspection() } })
    const replaced = { ...edited, dpop: { ...view.config.dpop, nonceSecret: replacement }, validationId: third.body.validationId }
    expect((await h.call('PUT', `${servers}/Ping1`, { body: replaced })).status).toBe(200)
    stored = (await h.store.get(orgId))!.authorizationServers[0]!
    expect(stored.dpop?.nonceSecrets).toEqual([replacement])
  })
})
