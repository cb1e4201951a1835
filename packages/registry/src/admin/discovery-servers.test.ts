// A server left to discovery (`discovery: true`, a fixed issuer, no jwksUrl) through the admin
// API over HTTP, against a real metadata endpoint and JWKS on 127.0.0.1: saving needs a Validate
// receipt for exactly that issuer and metadata source, and the view shows `discovery` without
// inventing a JWKS URL.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { makeOrg, makePublicJwk, orgId, revisionOf, startHarness, type Harness } from './admin-fixture.test-support.ts'

const servers = `orgs/${orgId}/authorization-servers`

/** Two issuers on one origin: `/a` and `/b`, each with RFC 8414 metadata naming its own JWKS. */
let as: Server
let origin: string
let jwks: unknown
beforeAll(async () => {
  jwks = { keys: [await makePublicJwk('disc-1')] }
  as = createServer((req, res) => {
    const path = req.url ?? '/'
    const tenant = /^\/\.well-known\/oauth-authorization-server\/(a|b)$/.exec(path)?.[1]
    if (tenant !== undefined) {
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: `${origin}/${tenant}`, jwks_uri: `${origin}/${tenant}/keys` }))
    }
    if (path === '/a/keys' || path === '/b/keys') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks))
    res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => as.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(as.address() as AddressInfo).port}`
})
afterAll(async () => {
  as.closeAllConnections()
  await new Promise<void>((resolve) => as.close(() => resolve()))
})

let open: Harness[] = []
afterEach(async () => {
  await Promise.all(open.map((h) => h.close()))
  open = []
})
async function harness(): Promise<Harness> {
  const h = await startHarness({ organizations: [makeOrg({ authorizationServers: [], revision: 1 })] })
  open.push(h)
  return h
}

/** A server whose keys come from discovery only. */
const discoveryServer = (tenant: 'a' | 'b', extra: Record<string, unknown> = {}) => ({
  name: 'Disc1', issuer: `${origin}/${tenant}`, discovery: true, audience: 'api://acme', clientId: 'c1', ...extra,
})
const validate = (h: Harness, tenant: 'a' | 'b', extra: Record<string, unknown> = {}) =>
  h.call('POST', `${servers}/validate`, { body: { issuer: `${origin}/${tenant}`, discovery: true, ...extra } })

describe('a discovery server through the admin API', () => {
  it('cannot be saved without Validate', async () => {
    const h = await harness()
    const none = await h.call('POST', servers, { body: discoveryServer('a') })
    expect([none.status, none.body.error, none.body.field]).toEqual([400, 'validation_required', 'receipt'])
    expect(await revisionOf(h)).toBe(1)
  })

  it('Validate reads the metadata, checks the discovered JWKS and gives a receipt that saves it; the view shows discovery, not an invented jwksUrl', async () => {
    const h = await harness()
    const v = await validate(h, 'a')
    expect(v.status).toBe(200)
    expect(v.body.discovery).toMatchObject({ ok: true })
    expect(v.body.report).toMatchObject({ ok: true, url: `${origin}/a/keys` })
    const added = await h.call('POST', servers, { body: { ...discoveryServer('a'), validationId: v.body.validationId } })
    expect([added.status, added.body.issues ?? added.body.message]).toEqual([201, undefined])
    const shown = (await h.call('GET', `${servers}/Disc1`)).body.server
    expect(shown).toMatchObject({ name: 'Disc1', jwksUrl: null, discovery: true, issuer: `${origin}/a`, lastSuccessfulFetchAt: null })
    expect(shown.config).toMatchObject({ discovery: true, issuer: `${origin}/a` })
    expect(shown.config.jwksUrl).toBeUndefined()
    expect(JSON.stringify(shown)).not.toContain('inline')
    const stored = (await h.store.get(orgId))?.authorizationServers[0]
    expect(stored).toMatchObject({ discovery: true, issuer: `${origin}/a` })
    expect(stored?.jwksUrl).toBeUndefined()
  })

  it('a receipt for another issuer, or another metadata source, is refused', async () => {
    const h = await harness()
    const forB = await validate(h, 'b')
    expect(forB.body.validationId).toEqual(expect.any(String))
    const other = await h.call('POST', servers, { body: { ...discoveryServer('a'), validationId: forB.body.validationId } })
    expect([other.status, other.body.error, other.body.field]).toEqual([400, 'validation_mismatch', 'receipt.discovery'])

    const metadataUrl = `${origin}/.well-known/oauth-authorization-server/a`
    const byUrl = await validate(h, 'a', { discovery: metadataUrl })
    expect(byUrl.body.validationId).toEqual(expect.any(String))
    const otherSource = await h.call('POST', servers, { body: { ...discoveryServer('a'), validationId: byUrl.body.validationId } })
    expect([otherSource.status, otherSource.body.error, otherSource.body.field]).toEqual([400, 'validation_mismatch', 'receipt.discovery'])
    expect(await revisionOf(h)).toBe(1)
    // The same metadata URL in the config is what that receipt covers.
    const same = await h.call('POST', servers, { body: { ...discoveryServer('a', { discovery: metadataUrl }), validationId: byUrl.body.validationId } })
    expect(same.status).toBe(201)
  })

  it('a receipt for a plain JWKS URL does not save a server left to discovery', async () => {
    const h = await harness()
    const plain = await h.call('POST', `${servers}/validate`, { body: { jwksUrl: `${origin}/a/keys` } })
    expect(plain.body.validationId).toEqual(expect.any(String))
    const r = await h.call('POST', servers, { body: { ...discoveryServer('a'), validationId: plain.body.validationId } })
    expect([r.status, r.body.error, r.body.field]).toEqual([400, 'validation_mismatch', 'receipt.discovery'])
  })
})
