import type { JwksValidationReport, ValidateJwksOptions } from '@tokenward/core'
import { afterEach, describe, expect, it } from 'vitest'
import { makePublicJwk, orgId, revisionOf, startHarness, t0, type Harness, type HarnessOptions } from './admin-fixture.test-support.ts'
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

const goodReport = (url: string): JwksValidationReport => ({
  url, reachable: true, tls: 'ok', httpStatus: 200, validJwkSet: true, keys: [], usableSigningKeyCount: 1, problems: [], warnings: [], ok: true, checkedAt: new Date(t0).toISOString(),
})
/** A validateJwks that records its calls and reports every URL as good. */
function fakeValidateJwks(): { calls: ValidateJwksOptions[]; validateJwks: (o: ValidateJwksOptions) => Promise<JwksValidationReport> } {
  const calls: ValidateJwksOptions[] = []
  return { calls, validateJwks: async (o) => (calls.push(o), goodReport(o.url)) }
}
const remote = (jwksUrl: string, extra: Record<string, unknown> = {}) => ({ name: 'Okta1', jwksUrl, issuer: 'https://okta.example.com', audience: 'api://acme', clientId: 'c1', ...extra })

describe('POST …/authorization-servers/validate', () => {
  it('reports a broken JWKS with 200 and no validationId (nothing to save)', async () => {
    const broken = await serveJson({ error: 'nope' }, 404)
    open.push(broken)
    const h = await harness()
    const r = await h.call('POST', `${servers}/validate`, { body: { jwksUrl: broken.url } })
    expect(r.status).toBe(200)
    // A tenant's report gives the status class only (hole 2 of issue 12: no probing through Validate).
    expect(r.body.report).toMatchObject({ ok: false, reachable: true })
    expect(r.body.report.httpStatus).toBeUndefined()
    expect(r.body.report.problems[0]).toContain('HTTP 4xx')
    expect(r.body.validationId).toBeUndefined()
  })

  it('checks its body like a config: unknown fields, wrong types and bad URLs, every one named', async () => {
    const fake = fakeValidateJwks()
    const h = await harness({ overrides: { validateJwks: fake.validateJwks } })
    const cases: [unknown, string[]][] = [
      [{}, ['jwksUrl']],
      [{ jwksUrl: 'http://idp.example.com/keys' }, ['jwksUrl']],
      [{ jwksUrl: 'https://idp.example.com/keys', jwksCertificateValidation: 'no', trustedCertificates: ['pem'], name: 'x' }, ['jwksCertificateValidation', 'name', 'trustedCertificates[0]']],
      [{ jwksUrl: 'http://127.0.0.1:1/keys', jwksCertificateValidation: false }, ['jwksCertificateValidation']],
      [{ jwksUrl: `https://idp.example.com/${'k'.repeat(3000)}` }, ['jwksUrl']],
    ]
    for (const [body, expected] of cases) {
      const r = await h.call('POST', `${servers}/validate`, { body })
      expect([body, r.status, r.body.error, r.body.issues.map((i: { path: string }) => i.path).sort()]).toEqual([body, 400, 'invalid_request', expected])
    }
    expect(fake.calls).toEqual([])
  })

  it('passes the TLS settings to validateJwks and binds the receipt to them', async () => {
    const fake = fakeValidateJwks()
    const h = await harness({ overrides: { validateJwks: fake.validateJwks } })
    const r = await h.call('POST', `${servers}/validate`, { body: { jwksUrl: 'https://IDP.example.com/keys', jwksCertificateValidation: false } })
    expect(r.status).toBe(200)
    expect(fake.calls).toEqual([
      { url: 'https://idp.example.com/keys', certificateValidation: false, trustedCertificates: [], detail: 'tenant', addressPolicy: expect.objectContaining({ _tag: 'AddressPolicy' }) },
    ])
    // The receipt is for certificate validation off: saving with it on is a mismatch.
    const mismatch = await h.call('POST', servers, { body: { ...remote('https://idp.example.com/keys'), validationId: r.body.validationId } })
    expect([mismatch.status, mismatch.body.error, mismatch.body.field]).toEqual([400, 'validation_mismatch', 'receipt.jwksCertificateValidation'])
  })
})

describe('validation receipts when saving a remote JWKS source', () => {
  it('requires a validationId for a jwksUrl (400 validation_required), and an unknown one counts as none', async () => {
    const h = await harness()
    const none = await h.call('POST', servers, { body: remote('https://idp.example.com/keys') })
    expect([none.status, none.body.error]).toEqual([400, 'validation_required'])
    const unknown = await h.call('POST', servers, { body: { ...remote('https://idp.example.com/keys'), validationId: crypto.randomUUID() } })
    expect([unknown.status, unknown.body.error]).toEqual([400, 'validation_required'])
    expect(await revisionOf(h)).toBe(1)
  })

  it('uses a receipt once: reusing it after a successful save is refused', async () => {
    const fake = fakeValidateJwks()
    const h = await harness({ overrides: { validateJwks: fake.validateJwks } })
    const url = 'https://idp.example.com/keys'
    const { validationId } = (await h.call('POST', `${servers}/validate`, { body: { jwksUrl: url } })).body
    expect((await h.call('POST', servers, { body: { ...remote(url), validationId } })).status).toBe(201)
    const reused = await h.call('PUT', `${servers}/Okta1`, { body: { ...remote(url, { description: 'again' }), validationId } })
    expect([reused.status, reused.body.error]).toEqual([400, 'validation_required'])
    expect(await revisionOf(h)).toBe(2)
  })

  it('keeps the receipt when the save is refused for another reason, so the admin can fix it and save again', async () => {
    const fake = fakeValidateJwks()
    const h = await harness({ overrides: { validateJwks: fake.validateJwks } })
    const url = 'https://idp.example.com/keys'
    const { validationId } = (await h.call('POST', `${servers}/validate`, { body: { jwksUrl: url } })).body
    const refused = await h.call('POST', servers, { body: { ...remote(url), enabled: 'yes', validationId } })
    expect(refused.status).toBe(400)
    expect((await h.call('POST', servers, { body: { ...remote(url), validationId } })).status).toBe(201)
  })

  it('refuses a receipt for another URL (validation_mismatch) and an old one (validation_expired)', async () => {
    const fake = fakeValidateJwks()
    const h = await harness({ overrides: { validateJwks: fake.validateJwks } })
    const a = (await h.call('POST', `${servers}/validate`, { body: { jwksUrl: 'https://a.example.com/keys' } })).body.validationId
    const mismatch = await h.call('POST', servers, { body: { ...remote('https://b.example.com/keys'), validationId: a } })
    expect([mismatch.status, mismatch.body.error, mismatch.body.field]).toEqual([400, 'validation_mismatch', 'receipt.jwksUrl'])

    const b = (await h.call('POST', `${servers}/validate`, { body: { jwksUrl: 'https://b.example.com/keys' } })).body.validationId
    h.now = t0 + 16 * 60 * 1000
    const expired = await h.call('POST', servers, { body: { ...remote('https://b.example.com/keys'), validationId: b } })
    expect([expired.status, expired.body.error]).toEqual([400, 'validation_expired'])
    expect(await revisionOf(h)).toBe(1)
  })

  it('does not let one organization use another organization’s receipt', async () => {
    const { makeOrg } = await import('./admin-fixture.test-support.ts')
    const fake = fakeValidateJwks()
    const h = await harness({ organizations: [makeOrg(), makeOrg({ orgId: 'globex' })], overrides: { validateJwks: fake.validateJwks } })
    const url = 'https://idp.example.com/keys'
    const { validationId } = (await h.call('POST', 'orgs/globex/authorization-servers/validate', { body: { jwksUrl: url } })).body
    const r = await h.call('POST', servers, { body: { ...remote(url), validationId } })
    expect([r.status, r.body.error]).toEqual([400, 'validation_required'])
  })

  it('honours receiptMaxAgeSeconds', async () => {
    const fake = fakeValidateJwks()
    const h = await harness({ overrides: { validateJwks: fake.validateJwks, receiptMaxAgeSeconds: 60 } })
    const url = 'https://idp.example.com/keys'
    const { validationId } = (await h.call('POST', `${servers}/validate`, { body: { jwksUrl: url } })).body
    h.now = t0 + 61_000
    const r = await h.call('POST', servers, { body: { ...remote(url), validationId } })
    expect(r.body.error).toBe('validation_expired')
  })
})
