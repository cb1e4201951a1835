// Issue 12 hole 7: a private key pasted as inline `jwks` (or as a "CA certificate") was stored and
// echoed by add/list/get. Through the admin API over HTTP: refused, never stored, never echoed,
// never audited in clear. And the 256-character description limit counts characters.
import { generateKeyPairSync } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { inlineServer, makeOrg, makePublicJwk, orgId, revisionOf, startHarness, type Harness } from './admin-fixture.test-support.ts'

const servers = `orgs/${orgId}/authorization-servers`
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

const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const privateJwk = { ...pair.privateKey.export({ format: 'jwk' }), kid: 'leaked', alg: 'ES256', use: 'sig' }
const privateValue = privateJwk.d!
const privatePem = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string
const pemBody = privatePem.split('\n')[1]!

describe('private key material through the admin API', () => {
  it('refuses a private JWK on add and on edit (400, path named, value never echoed), and stores nothing', async () => {
    const h = await harness()
    const add = await h.call('POST', servers, { body: inlineServer('Leaky', privateJwk) })
    expect(add.status).toBe(400)
    expect(add.body.issues).toContainEqual({ path: 'jwks.keys[0]', message: expect.stringMatching(/paste the public key/) })
    expect(JSON.stringify(add.body)).not.toContain(privateValue)
    expect(await revisionOf(h)).toBe(1)

    const good = await h.call('POST', servers, { body: inlineServer('Okta1', await makePublicJwk('k1')) })
    expect(good.status).toBe(201)
    const edit = await h.call('PUT', `${servers}/Okta1`, { body: inlineServer('Okta1', privateJwk) })
    expect(edit.status).toBe(400)
    expect(JSON.stringify(edit.body)).not.toContain(privateValue)

    const list = await h.call('GET', servers)
    const get = await h.call('GET', `${servers}/Okta1`)
    const stored = await h.store.get(orgId)
    for (const seen of [list.body, get.body, stored, h.sink.events]) expect(JSON.stringify(seen)).not.toContain(privateValue)
  })

  it('refuses a private key pasted as a trusted certificate, on Validate and on add', async () => {
    const h = await harness()
    const validate = await h.call('POST', `${servers}/validate`, { body: { jwksUrl: 'https://idp.example.com/keys', trustedCertificates: [privatePem] } })
    expect(validate.status).toBe(400)
    const add = await h.call('POST', servers, { body: inlineServer('Leaky', await makePublicJwk('k1'), { jwks: undefined, jwksUrl: 'https://idp.example.com/keys', trustedCertificates: [privatePem] }) })
    expect(add.status).toBe(400)
    expect(add.body.issues).toContainEqual({ path: 'trustedCertificates[0]', message: expect.stringMatching(/private key: paste only the CA certificate/) })
    for (const seen of [validate.body, add.body, await h.store.get(orgId), h.sink.events]) expect(JSON.stringify(seen)).not.toContain(pemBody)
  })

  it('counts the description in characters: 209 with emoji accepted, 257 refused', async () => {
    const h = await harness()
    const description = `Production IdP 🚀 ${'🔑'.repeat(150)} ${'x'.repeat(41)}`
    expect([...description].length).toBe(209)
    expect(description.length).toBeGreaterThan(256)
    const ok = await h.call('POST', servers, { body: inlineServer('Okta1', await makePublicJwk('k1'), { description }) })
    expect(ok.status).toBe(201)
    expect((await h.call('GET', `${servers}/Okta1`)).body.server.description).toBe(description)
    const tooLong = await h.call('POST', servers, { body: inlineServer('Okta2', await makePublicJwk('k2'), { description: '🔑'.repeat(257), enabled: false }) })
    expect(tooLong.status).toBe(400)
    expect(tooLong.body.issues).toContainEqual({ path: 'description', message: 'must be at most 256 characters (got 257)' })
  })
})
