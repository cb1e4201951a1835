// Hole 2 of issue 12 through the admin API: a tenant's "Validate" cannot make the service fetch
// loopback, metadata or private addresses, learns nothing from the answer beyond a coarse class,
// is throttled per organization, and cannot evict another organization's receipts.
import { afterEach, describe, expect, it } from 'vitest'
import { createInMemoryReceiptStore } from '../store/in-memory-receipt-store.ts'
import { RegistryConfigError } from '../errors.ts'
import { makeOrg, makePublicJwk, orgId, startHarness, t0, type Harness, type HarnessOptions } from './admin-fixture.test-support.ts'
import { serveJson, serveWebHandler } from './http-bridge.test-support.ts'
import { createAdminApi } from './create-admin-api.ts'

const validate = `orgs/${orgId}/authorization-servers/validate`
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
/** The API as an operator deploys it: no addressPolicy given, so the default applies. */
const defaults: HarnessOptions = { overrides: { addressPolicy: undefined } }

describe('Validate under the default address policy', () => {
  it('refuses a JWKS on http://127.0.0.1 without fetching it; the development flag opens it', async () => {
    const jwks = await serveJson({ keys: [await makePublicJwk('k1')] })
    open.push(jwks)
    const strict = await harness(defaults)
    const refused = await strict.call('POST', validate, { body: { jwksUrl: jwks.url } })
    expect(refused.status).toBe(200)
    expect(refused.body.report).toMatchObject({ ok: false, reachable: false, problems: ['address not allowed: a JWKS URL must be https and reach public addresses only'] })
    expect(refused.body.validationId).toBeUndefined()
    expect(jwks.hits).toBe(0)

    const dev = await harness({ overrides: { addressPolicy: { developmentLoopback: true } } })
    const allowed = await dev.call('POST', validate, { body: { jwksUrl: jwks.url } })
    expect(allowed.body.report.ok).toBe(true)
    expect(typeof allowed.body.validationId).toBe('string')
    expect(jwks.hits).toBe(1)
  })

  it('refuses loopback names and metadata addresses in every spelling', async () => {
    const h = await harness({ overrides: { addressPolicy: undefined, validateThrottle: false } })
    for (const jwksUrl of [
      'https://localhost/keys',
      'https://jwks.localhost/keys',
      'https://127.1/keys',
      'https://2852039166/latest/meta-data/',
      'https://0251.0376.0251.0376/latest/meta-data/',
      'https://0xa9.0xfe.0xa9.0xfe/latest/meta-data/',
      'https://[::ffff:169.254.169.254]/latest/meta-data/',
      'https://[::ffff:a9fe:a9fe]/latest/meta-data/',
      'https://[64:ff9b::a9fe:a9fe]/latest/meta-data/',
      'https://[fe80::1]/keys',
      'https://[fd00::1]/keys',
      'https://10.0.0.1/keys',
      'https://172.16.0.1/keys',
      'https://192.168.0.1/keys',
      'https://100.64.0.1/keys',
      'https://0.0.0.0/keys',
      'https://[::]/keys',
      'https://224.0.0.1/keys',
      'https://255.255.255.255/keys',
      'https://192.0.2.1/keys',
    ]) {
      const r = await h.call('POST', validate, { body: { jwksUrl } })
      expect([jwksUrl, r.status, r.body.report?.problems]).toEqual([jwksUrl, 200, ['address not allowed: a JWKS URL must be https and reach public addresses only']])
    }
  })

  it('an operator allow-list opens chosen ranges (https only: plain http needs the development flag)', async () => {
    const jwks = await serveJson({ keys: [await makePublicJwk('k1')] })
    open.push(jwks)
    const h = await harness({ overrides: { addressPolicy: { allow: ['127.0.0.0/8'] } } })
    const r = await h.call('POST', validate, { body: { jwksUrl: jwks.url } })
    expect(r.body.report.problems).toEqual(['address not allowed: a JWKS URL must be https and reach public addresses only'])
    expect(jwks.hits).toBe(0)
  })
})

describe('Validate reports to a tenant', () => {
  it('never echo the body, the status code or the socket error', async () => {
    const secret = 'SECRET-BYTES {"Code":"Success","AccessKeyId":"ASIA"} 10.1.2.3'
    const boom = await serveWebHandler(async () => new Response(secret, { status: 500 }))
    const html = await serveWebHandler(async () => new Response(`<html>${secret}</html>`, { status: 200, headers: { 'content-type': 'application/json' } }))
    const gone = await serveWebHandler(async () => new Response('x'))
    open.push(boom, html)
    await gone.close()
    const h = await harness()
    const answers = await Promise.all([boom, html, gone].map((s) => h.call('POST', validate, { body: { jwksUrl: `${s.origin}/keys` } })))
    expect(answers.map((a) => a.body.report.problems)).toEqual([
      ['the server answered HTTP 5xx; a JWKS URL must answer 200'],
      ['not a JWK Set (the response is not a JSON object with a keys array)'],
      ['unreachable'],
    ])
    for (const answer of answers) {
      const text = JSON.stringify(answer.body)
      expect(['SECRET', 'AccessKeyId', '10.1.2.3', 'HTTP 500', ':500', 'ECONNREFUSED', 'Unexpected'].filter((m) => text.includes(m))).toEqual([])
      expect(answer.body.report.httpStatus).toBeUndefined()
    }
  })

  it('are as detailed as before for an operator-only API (validateReportDetail: operator)', async () => {
    const boom = await serveWebHandler(async () => new Response('x', { status: 503 }))
    open.push(boom)
    const h = await harness({ overrides: { addressPolicy: { developmentLoopback: true }, validateReportDetail: 'operator' } })
    const r = await h.call('POST', validate, { body: { jwksUrl: `${boom.origin}/keys` } })
    expect(r.body.report).toMatchObject({ httpStatus: 503, problems: ['the server answered HTTP 503; a JWKS URL must answer 200'] })
  })
})

describe('Validate is throttled per organization', () => {
  const fakeValidate = async (o: { url: string }) => ({
    url: o.url, reachable: true, tls: 'ok' as const, validJwkSet: true, keys: [], usableSigningKeyCount: 1, problems: [], warnings: [], ok: true, checkedAt: new Date(t0).toISOString(),
  })

  it('answers 429 with Retry-After once the bucket is empty, refills with time, and leaves other organizations alone', async () => {
    let fetched = 0
    const h = await harness({
      organizations: [makeOrg(), makeOrg({ orgId: 'beta' })],
      overrides: { validateThrottle: { burst: 2, refillSeconds: 30 }, validateJwks: async (o) => (fetched++, fakeValidate(o)) },
    })
    const body = { jwksUrl: 'https://idp.example.com/keys' }
    expect((await h.call('POST', validate, { body })).status).toBe(200)
    expect((await h.call('POST', validate, { body })).status).toBe(200)
    const limited = await h.call('POST', validate, { body })
    expect([limited.status, limited.headers.get('retry-after'), limited.body.error, limited.body.retryAfterSeconds]).toEqual([429, '30', 'too_many_requests', 30])
    expect(fetched).toBe(2)
    expect((await h.call('POST', 'orgs/beta/authorization-servers/validate', { body })).status).toBe(200)
    h.now += 15_000
    expect((await h.call('POST', validate, { body })).headers.get('retry-after')).toBe('15')
    h.now += 15_000
    expect((await h.call('POST', validate, { body })).status).toBe(200)
    expect(fetched).toBe(4)
  })

  it('does not spend the bucket on calls refused before the check (bad body, no permission)', async () => {
    const h = await harness({ overrides: { validateThrottle: { burst: 1, refillSeconds: 60 }, validateJwks: fakeValidate } })
    expect((await h.call('POST', validate, { body: { jwksUrl: 'not a url' } })).status).toBe(400)
    expect((await h.call('POST', validate, { body: { jwksUrl: 'https://idp.example.com/keys' }, token: h.readerToken })).status).toBe(403)
    expect((await h.call('POST', validate, { body: { jwksUrl: 'https://idp.example.com/keys' } })).status).toBe(200)
  })

  it("a flood of one organization's validations leaves another's receipt usable", async () => {
    const receipts = createInMemoryReceiptStore({ maxEntries: 30, now: () => new Date(t0) })
    const h = await harness({
      organizations: [makeOrg(), makeOrg({ orgId: 'beta' })],
      overrides: { receipts, validateThrottle: false, validateJwks: fakeValidate },
    })
    const mine = await h.call('POST', validate, { body: { jwksUrl: 'https://idp.example.com/keys' } })
    for (let i = 0; i < 60; i++) await h.call('POST', 'orgs/beta/authorization-servers/validate', { body: { jwksUrl: 'https://idp.example.com/keys' } })
    expect(await receipts.take(orgId, mine.body.validationId)).toMatchObject({ orgId })
  })
})

describe('admin API options for Validate', () => {
  it('names every bad addressPolicy, validateThrottle and validateReportDetail field', () => {
    const base = { store: {} as never, receipts: {} as never, audit: {} as never, authenticate: async () => ({ id: 'x', permissions: [] }), authorizeOrganization: null }
    try {
      createAdminApi({ ...base, addressPolicy: { allow: ['10.0.0.0/8', '999.1.1.1/8'] }, validateThrottle: { burst: 0, refillSeconds: -1 }, validateReportDetail: 'all' as never })
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(RegistryConfigError)
      expect((error as RegistryConfigError).issues.map((i) => i.path)).toEqual(
        expect.arrayContaining(['addressPolicy.allow[1]', 'validateThrottle.burst', 'validateThrottle.refillSeconds', 'validateReportDetail']),
      )
    }
  })
})
