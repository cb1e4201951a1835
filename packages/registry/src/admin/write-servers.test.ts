import type { Organization } from '@tokenward/core/organization'
import { exportJWK, generateKeyPair } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import type { OrganizationStore } from '../store/organization-store.ts'
import { inlineServer, makeOrg, makePublicJwk, orgId, revisionOf, startHarness, t0, type Harness, type HarnessOptions } from './admin-fixture.test-support.ts'

const servers = `orgs/${orgId}/authorization-servers`
let open: Harness[] = []
afterEach(async () => {
  await Promise.all(open.map((h) => h.close()))
  open = []
})
async function harness(options: HarnessOptions = {}): Promise<Harness> {
  const h = await startHarness(options)
  open.push(h)
  return h
}
const jwk = await makePublicJwk('k1')
const jwk2 = await makePublicJwk('k2')
const tSeconds = Math.floor(t0 / 1000)
const paths = (r: { body: { issues?: { path: string }[] } }): string[] => (r.body.issues ?? []).map((i) => i.path).sort()

/** An organization with Okta1 (inline, enabled) at revision 3. */
async function withOkta(options: HarnessOptions = {}): Promise<Harness> {
  const okta = { name: 'Okta1', description: '', enabled: true, jwksUrl: undefined, jwks: { keys: [jwk] }, jwksCertificateValidation: true, trustedCertificates: [],
    issuer: 'https://okta.example.com', audience: ['api://acme'], clientId: 'c1', algorithms: ['ES256'], clockToleranceSeconds: 30, requireAccessTokenType: false, maxTokenLength: 16384 } as const
  return harness({ organizations: [makeOrg({ authorizationServers: [okta as never], revision: 3 })], ...options })
}

describe('bodies: content type, size and strict JSON, with the store unchanged', () => {
  it('refuses a body that is not declared as JSON with 415', async () => {
    const h = await withOkta()
    const body = JSON.stringify(inlineServer('A', jwk))
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'application/jsonp']) {
      const r = await h.call('POST', servers, { body, headers: { 'content-type': contentType } })
      expect([contentType, r.status, r.body.error]).toEqual([contentType, 415, 'unsupported_media_type'])
    }
    const none = await fetch(new URL(servers, h.base), { method: 'POST', body: new Blob([body]), headers: { authorization: `Bearer ${h.adminToken}` } })
    expect(none.status).toBe(415)
    const ok = await h.call('POST', servers, { body, headers: { 'content-type': 'Application/JSON; charset="UTF-8"' } })
    expect(ok.status).toBe(201)
  })

  it('refuses a huge body with 413, whether its length is declared or streamed, without buffering it', async () => {
    const h = await withOkta()
    const huge = JSON.stringify({ ...inlineServer('A', jwk), description: 'x'.repeat(1024 * 1024) })
    const declared = await h.call('PUT', `${servers}/Okta1`, { body: huge })
    expect(declared.status).toBe(413)
    expect(declared.body.error).toBe('payload_too_large')

    let pulled = 0
    const chunk = new TextEncoder().encode('x'.repeat(16 * 1024))
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++
        if (pulled === 1) controller.enqueue(new TextEncoder().encode('{"name":"A","description":"'))
        else if (pulled < 400) controller.enqueue(chunk)
        else controller.close()
      },
    })
    const streamed = await fetch(new URL(servers, h.base), {
      method: 'POST',
      body: stream,
      duplex: 'half',
      headers: { authorization: `Bearer ${h.adminToken}`, 'content-type': 'application/json' },
    } as RequestInit)
    expect(streamed.status).toBe(413)
    expect(await streamed.json()).toMatchObject({ error: 'payload_too_large' })
    expect(await revisionOf(h)).toBe(3)
    expect(h.sink.events).toEqual([])
  })

  it('refuses bad JSON and duplicate member names with 400 invalid_json', async () => {
    const h = await withOkta()
    const cases = ['{"name":', '', '[1,2]', '"text"', '{"name":"A","name":"B"}', '{"name":"A","jwks":{"keys":[{"kty":"EC","kty":"RSA"}]}}', '\uFEFF{}', '{"a":1}{"b":2}']
    for (const body of cases) {
      const r = await h.call('POST', servers, { body, headers: { 'content-type': 'application/json' } })
      expect([body, r.status, r.body.error]).toEqual([body, 400, 'invalid_json'])
    }
    const duplicate = await h.call('POST', servers, { body: '{"name":"A","name":"B"}', headers: { 'content-type': 'application/json' } })
    expect(duplicate.body.message).toContain('duplicate member name')
    expect(await revisionOf(h)).toBe(3)
  })

  it('names every problem by path: unknown fields, wrong types, over-long values, and a bad validationId', async () => {
    const h = await withOkta()
    const bad = { name: 'bad name', description: 'd'.repeat(300), enabled: 'yes', jwksUrl: 'http://idp.example.com/keys', audience: [''], colour: 'blue', validationId: 42 }
    const r = await h.call('POST', servers, { body: bad })
    expect(r.status).toBe(400)
    expect(r.body.error).toBe('invalid_request')
    expect(paths(r)).toEqual(['audience[0]', 'colour', 'description', 'enabled', 'jwksUrl', 'name', 'validationId'])

    // Without an envelope problem, the rules name the config's problems (invalid_config), and audit the refusal.
    const { validationId: _ignored, ...configOnly } = bad
    const rules = await h.call('PUT', `${servers}/Okta1`, { body: configOnly })
    expect(rules.status).toBe(400)
    expect(rules.body.error).toBe('invalid_config')
    expect(paths(rules)).toEqual(['audience[0]', 'colour', 'description', 'enabled', 'jwksUrl', 'name'])
    expect(await revisionOf(h)).toBe(3)
    expect(h.sink.events).toEqual([expect.objectContaining({ result: 'rejected', action: 'edit_server', violation: expect.objectContaining({ code: 'invalid_config' }) })])

    const enable = await h.call('POST', `${servers}/Okta1/enable`, { body: { switchFromEnabled: 'yes', force: true } })
    expect(enable.status).toBe(400)
    expect(paths(enable)).toEqual(['force', 'switchFromEnabled'])
    const disable = await h.call('POST', `${servers}/Okta1/disable`, { body: { reason: 'x' } })
    expect(disable.status).toBe(400)
    expect(paths(disable)).toEqual(['reason'])
    expect(await revisionOf(h)).toBe(3)
  })
})

describe('rule violations map to 4xx', () => {
  it('answers 409 for duplicate_name, server_limit_reached and another_server_enabled', async () => {
    const h = await withOkta()
    const duplicate = await h.call('POST', servers, { body: inlineServer('OKTA1', jwk2) })
    expect([duplicate.status, duplicate.body.error, duplicate.body.field]).toEqual([409, 'duplicate_name', 'name'])
    const enabledToo = await h.call('POST', servers, { body: inlineServer('Entra1', jwk2, { enabled: true }) })
    expect([enabledToo.status, enabledToo.body.error]).toEqual([409, 'another_server_enabled'])
    expect((await h.call('POST', servers, { body: inlineServer('Entra1', jwk2) })).status).toBe(201)
    const third = await h.call('POST', servers, { body: inlineServer('Ping1', jwk2) })
    expect([third.status, third.body.error]).toEqual([409, 'server_limit_reached'])
    expect(await revisionOf(h)).toBe(4)
  })

  it('answers 404 server_not_found for edit, delete, enable and disable of an unknown server', async () => {
    const h = await withOkta()
    const calls: [string, string, unknown][] = [
      ['PUT', `${servers}/Nope`, inlineServer('Nope', jwk)],
      ['DELETE', `${servers}/Nope`, undefined],
      ['POST', `${servers}/Nope/enable`, undefined],
      ['POST', `${servers}/Nope/disable`, undefined],
    ]
    for (const [method, path, body] of calls) {
      const r = await h.call(method, path, body === undefined ? {} : { body })
      expect([method, r.status, r.body.error]).toEqual([method, 404, 'server_not_found'])
    }
    expect(await revisionOf(h)).toBe(3)
    expect(h.sink.events.map((e) => [e.action, e.result, e.violation?.code])).toEqual([
      ['edit_server', 'rejected', 'server_not_found'],
      ['delete_server', 'rejected', 'server_not_found'],
      ['enable_server', 'rejected', 'server_not_found'],
      ['disable_server', 'rejected', 'server_not_found'],
    ])
  })

  it('does not audit refusals when auditRejected is false', async () => {
    const h = await withOkta({ overrides: { auditRejected: false } })
    expect((await h.call('DELETE', `${servers}/Nope`)).status).toBe(404)
    expect((await h.call('POST', servers, { token: h.readerToken, body: inlineServer('A', jwk2) })).status).toBe(403)
    expect(h.sink.events).toEqual([])
  })

  it('refuses every change of a suspended organization with 403, but still lists its servers', async () => {
    const h = await harness({ organizations: [makeOrg({ suspension: { reason: 'terms_violation', since: tSeconds - 10 }, authorizationServers: [], revision: 4 })] })
    const list = await h.call('GET', servers)
    expect(list.status).toBe(200)
    expect(list.body.revision).toBe(4)
    for (const [method, path, body] of [
      ['POST', servers, inlineServer('A', jwk)],
      ['POST', `${servers}/validate`, { jwksUrl: 'https://idp.example.com/keys' }],
      ['POST', `${servers}/A/enable`, undefined],
      ['DELETE', `${servers}/A`, undefined],
    ] as const) {
      const r = await h.call(method, path, body === undefined ? {} : { body })
      expect([method, path, r.status, r.body.error]).toEqual([method, path, 403, 'organization_suspended'])
    }
    expect(await revisionOf(h)).toBe(4)
  })

  it('refuses every change once the subscription expired with 403, and lists servers as subscription_expired', async () => {
    const h = await withOkta()
    h.now = t0 + 366 * 86400 * 1000
    const list = await h.call('GET', servers)
    expect(list.status).toBe(200)
    expect(list.body.authorizationServers).toEqual([expect.objectContaining({ name: 'Okta1', status: 'subscription_expired', enabled: true })])
    const r = await h.call('POST', `${servers}/Okta1/disable`)
    expect([r.status, r.body.error]).toEqual([403, 'subscription_expired'])
    expect(await revisionOf(h)).toBe(3)
  })

  it('shows a suspended organization’s servers as suspended', async () => {
    const h = await withOkta()
    const org = (await h.store.get(orgId)) as Organization
    await h.store.put({ ...org, suspension: { reason: 'api_call_threshold_exceeded', since: tSeconds }, revision: 4 }, 3)
    const list = await h.call('GET', servers)
    expect(list.body.authorizationServers[0]).toMatchObject({ status: 'suspended', enabled: true })
  })
})

describe('If-Match', () => {
  it('answers 412 when If-Match names another revision, and writes when it names the current one', async () => {
    const h = await withOkta()
    const stale = await h.call('POST', `${servers}/Okta1/disable`, { headers: { 'if-match': '"2"' } })
    expect(stale.status).toBe(412)
    expect(stale.body).toMatchObject({ error: 'precondition_failed', actual: 3 })
    expect(stale.headers.get('etag')).toBe('"3"')
    const weak = await h.call('POST', `${servers}/Okta1/disable`, { headers: { 'if-match': 'W/"3"' } })
    expect(weak.status).toBe(412)
    const malformed = await h.call('POST', `${servers}/Okta1/disable`, { headers: { 'if-match': '3' } })
    expect([malformed.status, malformed.body.error, paths(malformed)]).toEqual([400, 'invalid_request', ['headers.if-match']])
    expect(await revisionOf(h)).toBe(3)

    const fresh = await h.call('PUT', `${servers}/Okta1`, { body: inlineServer('Okta1', jwk, { description: 'new' }), headers: { 'if-match': '"1", "3"' } })
    expect(fresh.status).toBe(200)
    expect(fresh.headers.get('etag')).toBe('"4"')
    const any = await h.call('POST', `${servers}/Okta1/disable`, { headers: { 'if-match': '*' } })
    expect(any.status).toBe(200)
    expect(h.sink.events.every((e) => e.result === 'accepted')).toBe(true)
  })
})

/** A store whose first `n` reads wait for each other, so `n` concurrent requests read the same revision. */
function barrierStore(n: number): (store: OrganizationStore) => OrganizationStore {
  return (store) => {
    let waiting: (() => void)[] = []
    let remaining = n
    return {
      ...store,
      async get(id) {
        const org = await store.get(id)
        if (remaining <= 0) return org
        remaining--
        await new Promise<void>((resolve) => {
          waiting.push(resolve)
          if (waiting.length === n) {
            for (const release of waiting) release()
            waiting = []
          }
        })
        return org
      },
    }
  }
}

describe('concurrent writes on one organization', () => {
  it('lets exactly one of two concurrent PUTs win; the other gets 409 conflict and nothing is lost', async () => {
    const h = await withOkta({ wrapStore: barrierStore(2) })
    const [a, b] = await Promise.all([
      h.call('PUT', `${servers}/Okta1`, { body: inlineServer('Okta1', jwk, { description: 'from A' }) }),
      h.call('PUT', `${servers}/Okta1`, { body: inlineServer('Okta1', jwk, { description: 'from B' }) }),
    ])
    expect([a.status, b.status].sort()).toEqual([200, 409])
    const loser = a.status === 409 ? a : b
    const winner = a.status === 200 ? a : b
    expect(loser.body).toMatchObject({ error: 'conflict', expected: 3, actual: 4 })
    const stored = (await h.store.get(orgId)) as Organization
    expect(stored.revision).toBe(4)
    expect(stored.authorizationServers[0]?.description).toBe(winner.body.server.description)
    expect(h.sink.events.filter((e) => e.result === 'accepted')).toHaveLength(1)
  })

  it('lets exactly one of two concurrent adds win, so the second server is never silently dropped or doubled', async () => {
    const h = await withOkta({ wrapStore: barrierStore(2) })
    const [a, b] = await Promise.all([
      h.call('POST', servers, { body: inlineServer('Entra1', jwk2) }),
      h.call('POST', servers, { body: inlineServer('Ping1', jwk2) }),
    ])
    expect([a.status, b.status].sort()).toEqual([201, 409])
    const winner = a.status === 201 ? a : b
    const stored = (await h.store.get(orgId)) as Organization
    expect(stored.authorizationServers.map((s) => s.name)).toEqual(['Okta1', winner.body.server.name])
    expect(stored.revision).toBe(4)
  })

  it('retries an idempotent enable once after losing the race: both answer 200, one change is written', async () => {
    const h = await withOkta()
    expect((await h.call('POST', `${servers}/Okta1/disable`)).status).toBe(200)
    const raced = await startHarness({ organizations: [(await h.store.get(orgId)) as Organization], wrapStore: barrierStore(2) })
    open.push(raced)
    const [a, b] = await Promise.all([raced.call('POST', `${servers}/Okta1/enable`), raced.call('POST', `${servers}/Okta1/enable`)])
    expect([a.status, b.status]).toEqual([200, 200])
    expect([a.body.changed, b.body.changed].sort()).toEqual([false, true])
    expect(await revisionOf(raced)).toBe(5)
    expect(raced.sink.events).toHaveLength(1)
  })

  it('does not retry when If-Match pins the revision', async () => {
    const h = await withOkta({ wrapStore: barrierStore(2) })
    const [a, b] = await Promise.all([
      h.call('POST', `${servers}/Okta1/disable`, { headers: { 'if-match': '"3"' } }),
      h.call('PUT', `${servers}/Okta1`, { body: inlineServer('Okta1', jwk, { description: 'x' }), headers: { 'if-match': '"3"' } }),
    ])
    expect([a.status, b.status].sort()).toEqual([200, 409])
    expect(await revisionOf(h)).toBe(4)
  })
})

describe('failures after the rules', () => {
  it('answers 500 audit_failed (the change is saved) when the audit sink fails after the write', async () => {
    const h = await withOkta({ overrides: { audit: { record: async () => Promise.reject(new Error('disk full')), close: async () => undefined } } })
    const r = await h.call('POST', `${servers}/Okta1/disable`)
    expect(r.status).toBe(500)
    expect(r.body).toMatchObject({ error: 'audit_failed', committed: true, revision: 4 })
    expect(await revisionOf(h)).toBe(4)
    expect(h.errors).toEqual([new Error('disk full')])
  })

  // Behaviour change (one outage model): a store that throws is an outage, 503 store_unavailable
  // with Retry-After, no longer a 500; still without details, the cause reported to onError.
  it('answers 503 store_unavailable without details when the store throws, 503 with retry-after 1 on a lock timeout', async () => {
    const { StoreLockTimeoutError } = await import('../errors.ts')
    let failure: Error = new Error('secret connection string')
    const h = await withOkta({ wrapStore: (store) => ({ ...store, get: async () => Promise.reject(failure) }) })
    const r = await h.call('GET', servers)
    expect(r.status).toBe(503)
    expect(r.headers.get('retry-after')).toBe('5')
    expect(r.body).toEqual({ error: 'store_unavailable', message: expect.not.stringContaining('secret') })
    expect(h.errors).toEqual([failure])
    const write = await h.call('POST', `${servers}/Okta1/disable`)
    expect([write.status, write.body.error]).toEqual([503, 'store_unavailable'])
    failure = new StoreLockTimeoutError('/var/lib/orgs/acme.lock', 10_000)
    const busy = await h.call('POST', `${servers}/Okta1/disable`)
    expect(busy.status).toBe(503)
    expect(busy.headers.get('retry-after')).toBe('1')
    expect(busy.body.error).toBe('store_unavailable')
  })

  it('answers 503 when the store fails during a write: nothing saved, nothing audited, the receipt kept', async () => {
    const outage = new Error('EIO: write failed')
    const h = await withOkta({ wrapStore: (store) => ({ ...store, get: (id) => store.get(id), put: async () => Promise.reject(outage) }) })
    const validationId = crypto.randomUUID()
    const jwksUrl = 'https://idp.example.com/keys'
    const receipt = { validationId, orgId, jwksUrl, jwksCertificateValidation: true, trustedCertificates: [], validatedAt: tSeconds }
    await h.receipts.save(receipt)
    const r = await h.call('POST', servers, { body: { name: 'Entra1', jwksUrl, issuer: 'https://entra.example.com', audience: 'api://acme', clientId: 'c2', validationId } })
    expect([r.status, r.body.error, r.headers.get('retry-after')]).toEqual([503, 'store_unavailable', '5'])
    expect(await revisionOf(h)).toBe(3)
    expect(h.sink.events).toEqual([])
    expect(h.errors).toEqual([outage])
    expect(await h.receipts.take(orgId, validationId)).toEqual(receipt)
  })

  it('answers 503 when the receipt store fails, before anything is read or written', async () => {
    const outage = new Error('ECONNREFUSED')
    const h = await withOkta({ overrides: { receipts: { save: async () => undefined, take: async () => Promise.reject(outage) } } })
    const body = { name: 'Entra1', jwksUrl: 'https://idp.example.com/keys', issuer: 'https://entra.example.com', audience: 'api://acme', clientId: 'c2', validationId: crypto.randomUUID() }
    const r = await h.call('POST', servers, { body })
    expect([r.status, r.body.error, r.headers.get('retry-after')]).toEqual([503, 'store_unavailable', '5'])
    expect(await revisionOf(h)).toBe(3)
    expect(h.sink.events).toEqual([])
    expect(h.errors).toEqual([outage])
  })

  it('shows lastSuccessfulFetchAt as null when keyStatus fails, and reports the failure', async () => {
    const h = await harness({ overrides: { keyStatus: async () => Promise.reject(new Error('verifier closed')) } })
    const jwksUrl = 'https://idp.example.com/keys'
    const org = (await h.store.get(orgId)) as Organization
    const remote = { name: 'Okta1', description: '', enabled: true, jwksUrl, jwks: undefined, jwksCertificateValidation: true, trustedCertificates: [],
      issuer: undefined, audience: undefined, clientId: undefined, algorithms: ['RS256'], clockToleranceSeconds: 30, requireAccessTokenType: false, maxTokenLength: 16384 } as const
    await h.store.put({ ...org, authorizationServers: [remote], revision: 2 }, 1)
    const r = await h.call('GET', servers)
    expect(r.status).toBe(200)
    expect(r.body.authorizationServers[0]).toMatchObject({ lastSuccessfulFetchAt: null, issuer: null, audience: null, clientId: null })
    expect(r.body.authorizationServers[0].warnings.map((w: { code: string }) => w.code)).toEqual(['no_issuer', 'no_audience', 'no_client_id'])
    expect(h.errors).toEqual([new Error('verifier closed')])
  })
})

describe('private key material (hole 6/7): refused on the way in, never shown on the way out', () => {
  const privateJwk = async (kid: string) => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true })
    return { ...(await exportJWK(privateKey)), kid, alg: 'ES256', use: 'sig' }
  }
  const secretPem = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n'

  it('answers a private or secret key pasted as inline jwks (refused by core) with 400 invalid_config, naming each key, echoing none', async () => {
    const h = await withOkta()
    const ec = await privateJwk('pasted-private')
    const oct = { kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0', kid: 'hs', alg: 'HS256' }
    const body = inlineServer('Entra1', jwk, { jwks: { keys: [jwk, ec, oct] }, trustedCertificates: [secretPem] })
    for (const [method, path] of [['POST', servers], ['PUT', `${servers}/Okta1`]] as const) {
      const r = await h.call(method, path, { body })
      expect([method, r.status, r.body.error]).toEqual([method, 400, 'invalid_config'])
      expect(paths(r)).toEqual(['jwks.keys[1]', 'jwks.keys[2]', 'trustedCertificates[0]'])
      expect(r.body.issues[0].message).toMatch(/private key \(it has d\): paste the public key/)
      expect(r.body.issues[1].message).toMatch(/symmetric \(oct\) keys are never used/)
      const text = JSON.stringify(r.body)
      for (const secret of [ec.d as string, oct.k, 'MIGHAgEA']) expect(text).not.toContain(secret)
    }
    expect(await revisionOf(h)).toBe(3)
    // The refusals are audited, without the keys.
    expect(h.sink.events.map((e) => [e.action, e.result])).toEqual([['add_server', 'rejected'], ['edit_server', 'rejected']])
    for (const secret of [ec.d as string, oct.k, 'MIGHAgEA']) expect(JSON.stringify(h.sink.events)).not.toContain(secret)
  })

  it('never shows private members of a document already stored with them, in list, get or a change', async () => {
    const h = await withOkta()
    const ec = await privateJwk('stored-private')
    const org = (await h.store.get(orgId)) as Organization
    const okta = org.authorizationServers[0] as Organization['authorizationServers'][number]
    const leaky = { ...okta, jwks: { keys: [ec] }, trustedCertificates: [secretPem] } as never
    await h.store.put({ ...org, authorizationServers: [leaky], revision: 4 }, 3)
    const answers = [await h.call('GET', servers), await h.call('GET', `${servers}/Okta1`), await h.call('POST', `${servers}/Okta1/disable`)]
    for (const r of answers) {
      expect(r.status).toBe(200)
      const text = JSON.stringify(r.body)
      expect(text).not.toContain(ec.d as string)
      expect(text).not.toContain('MIGHAgEA')
      expect(text).toContain(ec.x as string) // the public part is still shown
    }
    expect(answers[1]?.body.server.config.jwks.keys[0]).toEqual({ kty: 'EC', crv: 'P-256', x: ec.x, y: ec.y, kid: 'stored-private', alg: 'ES256', use: 'sig' })
  })
})

describe('a stored server with discovery and tokenEndpoint', () => {
  it('round-trips through the store and the admin API: discovery, tokenEndpoint and an introspection section without endpoint are kept, and it validates to itself', async () => {
    const { validateAuthorizationServer } = await import('@tokenward/core')
    const built = validateAuthorizationServer({
      name: 'Ping1', issuer: 'https://ping.example.com', audience: 'api://acme', clientId: 'c1', discovery: true, tokenEndpoint: 'https://ping.example.com/as/token.oauth2',
      introspection: { clientId: 'tokenward', clientAuthentication: { method: 'client_secret_basic', clientSecret: 'stored-secret-0123456789' } },
    })
    if (!built.ok) throw new Error(JSON.stringify(built.issues))
    const h = await harness({ organizations: [makeOrg({ authorizationServers: [built.config], revision: 3 })] })
    const stored = (await h.store.get(orgId))?.authorizationServers[0]
    expect(stored).toMatchObject({ discovery: true, tokenEndpoint: 'https://ping.example.com/as/token.oauth2' })
    const again = validateAuthorizationServer(JSON.parse(JSON.stringify(stored)))
    expect(again.ok && { discovery: again.config.discovery, tokenEndpoint: again.config.tokenEndpoint, endpoint: again.config.introspection?.endpoint }).toEqual({
      discovery: true,
      tokenEndpoint: 'https://ping.example.com/as/token.oauth2',
      endpoint: undefined,
    })
    const shown = await h.call('GET', `${servers}/Ping1`)
    expect(shown.status).toBe(200)
    expect(shown.body.server.config).toMatchObject({ discovery: true, tokenEndpoint: 'https://ping.example.com/as/token.oauth2' })
    const disabled = await h.call('POST', `${servers}/Ping1/disable`)
    expect(disabled.status).toBe(200)
    expect((await h.store.get(orgId))?.authorizationServers[0]).toMatchObject({ enabled: false, discovery: true, tokenEndpoint: 'https://ping.example.com/as/token.oauth2' })
  })
})
