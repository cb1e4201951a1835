// The binding stage through createVerifier().verifyRequest: DPoP-bound tokens with real proofs
// (RFC 9449), certificate-bound tokens with real X.509 certificates (RFC 8705), the scheme rules
// per mode, and the verified-token cache never letting a bound token skip its per-request proof.
import { createHash, X509Certificate } from 'node:crypto'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { jwkThumbprint } from '../jose/jwk-thumbprint.ts'
import { createTestCertificateAuthority } from '../platform/tls-fixture.test-support.ts'
import type { ReplayStore } from '../state/replay-store.ts'
import { makeDpopKey, signProof, type DpopKey } from '../testing/dpop-proof.test-support.ts'
import { makeKey, mint, startJwksServer, type TestKey } from '../testing/mint.test-support.ts'
import { startFakeAs } from '../introspection/fake-as.test-support.ts'
import { createVerifier, type Verifier } from './create-verifier.ts'

const url = 'https://api.example.test/orders'
let key: TestKey
let client: DpopKey
let otherClient: DpopKey
let jkt: string
let certDer: Uint8Array
let otherCertDer: Uint8Array
let x5t: string

beforeAll(async () => {
  key = await makeKey('ES256', 'k1')
  client = await makeDpopKey('ES256')
  otherClient = await makeDpopKey('ES256')
  jkt = (await jwkThumbprint(client.publicJwk as Record<string, unknown>))!
  const ca = createTestCertificateAuthority('tokenward binding stage CA')
  certDer = new X509Certificate(ca.issue({ dnsNames: ['client.example.test'] }).certificatePem).raw
  otherCertDer = new X509Certificate(ca.issue({ dnsNames: ['other.example.test'] }).certificatePem).raw
  x5t = createHash('sha256').update(certDer).digest('base64url')
})

const open: Verifier[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((v) => v.close()))
})

const verifierFor = (server: Record<string, unknown>, extra: { replayStore?: ReplayStore } = {}) => {
  const verifier = createVerifier({
    server: { name: 'Bound', jwks: { keys: [key.publicJwk] }, issuer: 'https://idp.test', audience: 'api://orders', ...server } as never,
    organization: { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly'] },
    ...extra,
  })
  open.push(verifier)
  return verifier
}

const nowSeconds = () => Math.floor(Date.now() / 1000)
const proof = (token: string, options: { key?: DpopKey | undefined; method?: string; url?: string; nonce?: string | undefined } = {}) =>
  signProof(options.key ?? client, { method: options.method ?? 'GET', url: options.url ?? url, accessToken: token, iat: nowSeconds() }, { payload: options.nonce === undefined ? {} : { nonce: options.nonce } })
const dpopRequest = (token: string, dpop: string | undefined, method = 'GET') => ({
  method,
  url,
  headers: { authorization: `DPoP ${token}`, ...(dpop === undefined ? {} : { dpop }) },
})

describe('DPoP-bound tokens through verifyRequest', () => {
  it('accepts a request with a valid proof; the verdict carries the binding and the authorization', async () => {
    const verifier = verifierFor({ dpop: { mode: 'enabled' } })
    const token = await mint(key, { claims: { cnf: { jkt } } })
    const verdict = await verifier.verifyRequest(dpopRequest(token, await proof(token)))
    expect(verdict).toMatchObject({ ok: true, token: { binding: { type: 'dpop', jkt }, clientId: 'client-1', authorization: { apiRole: { role: 'ReadOnly' } } } })
  })

  it('refuses a replayed proof, and a cached token still needs a fresh proof on every request', async () => {
    const verifier = verifierFor({ dpop: { mode: 'enabled' } })
    const token = await mint(key, { claims: { cnf: { jkt } } })
    const first = await proof(token)
    expect((await verifier.verifyRequest(dpopRequest(token, first))).ok).toBe(true)
    const replayed = await verifier.verifyRequest(dpopRequest(token, first))
    expect(replayed).toMatchObject({ ok: false, error: { code: 'invalid_dpop_proof', status: 401, stage: 'binding' } })
    if (!replayed.ok) expect(replayed.response.headers['www-authenticate']).toMatch(/DPoP error="invalid_dpop_proof"/)
    const withoutProof = await verifier.verifyRequest(dpopRequest(token, undefined))
    expect(withoutProof).toMatchObject({ ok: false, error: { code: 'invalid_dpop_proof' } })
    const fresh = await verifier.verifyRequest(dpopRequest(token, await proof(token)))
    expect(fresh).toMatchObject({ ok: true, token: { fromCache: true, binding: { type: 'dpop', jkt } } })
  })

  it.each([
    ['another method', { method: 'POST' }],
    ['another URL', { url: 'https://api.example.test/other' }],
    ['another host', { url: 'https://evil.example.test/orders' }],
    ['another key than cnf.jkt', { key: undefined as DpopKey | undefined, other: true }],
  ])('refuses a proof for %s', async (_name, options) => {
    const verifier = verifierFor({ dpop: { mode: 'enabled' } })
    const token = await mint(key, { claims: { cnf: { jkt } } })
    const made = await proof(token, 'other' in options ? { key: otherClient } : options)
    const verdict = await verifier.verifyRequest(dpopRequest(token, made))
    expect(verdict.ok).toBe(false)
    if (!verdict.ok) expect(['invalid_dpop_proof', 'invalid_binding']).toContain(verdict.error.code)
  })

  it('with requireNonce: 401 use_dpop_nonce with a DPoP-Nonce and no-store, then the proof with that nonce is accepted', async () => {
    const verifier = verifierFor({ dpop: { mode: 'required', requireNonce: true, nonceSecret: 'a shared nonce secret of at least 32 characters' } })
    const token = await mint(key, { claims: { cnf: { jkt } } })
    const asked = await verifier.verifyRequest(dpopRequest(token, await proof(token)))
    expect(asked).toMatchObject({ ok: false, error: { code: 'use_dpop_nonce', status: 401 } })
    if (asked.ok) return
    const nonce = asked.response.headers['dpop-nonce']
    expect(nonce).toEqual(expect.any(String))
    expect(asked.response.headers['cache-control']).toBe('no-store')
    expect(asked.response.headers['www-authenticate']).toMatch(/^DPoP error="use_dpop_nonce"/)
    const answered = await verifier.verifyRequest(dpopRequest(token, await proof(token, { nonce })))
    expect(answered).toMatchObject({ ok: true, token: { binding: { type: 'dpop', jkt } } })
  })

  it('fails closed (503) when the replay store cannot answer', async () => {
    const broken: ReplayStore = {
      remember: async () => {
        throw new Error('store down')
      },
    } as unknown as ReplayStore
    const verifier = verifierFor({ dpop: { mode: 'enabled' } }, { replayStore: broken })
    const token = await mint(key, { claims: { cnf: { jkt } } })
    const verdict = await verifier.verifyRequest(dpopRequest(token, await proof(token)))
    expect(verdict).toMatchObject({ ok: false, error: { code: 'replay_unavailable', status: 503 } })
    if (!verdict.ok) expect(verdict.response.headers['retry-after']).toBeDefined()
  })

  it.each([
    ['off', { mode: 'off' }, 'token_bound'],
    ['enabled', { mode: 'enabled' }, 'invalid_binding'],
    ['required', { mode: 'required' }, 'invalid_binding'],
  ])('%s: refuses a cnf.jkt token presented as Bearer, even with a valid proof', async (_mode, dpop, code) => {
    const verifier = verifierFor({ dpop })
    const token = await mint(key, { claims: { cnf: { jkt } } })
    const verdict = await verifier.verifyRequest({ method: 'GET', url, headers: { authorization: `Bearer ${token}`, dpop: await proof(token) } })
    expect(verdict).toMatchObject({ ok: false, error: { code, status: 401 } })
    // Twice: the second answer comes after the first put the token in the verified-token cache (when it did).
    const again = await verifier.verifyRequest({ method: 'GET', url, headers: { authorization: `Bearer ${token}`, dpop: await proof(token) } })
    expect(again).toMatchObject({ ok: false, error: { code } })
  })

  it('enabled: a plain bearer token is accepted with binding null; required: refused', async () => {
    const token = await mint(key)
    const enabled = await verifierFor({ dpop: { mode: 'enabled' } }).verifyRequest({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } })
    expect(enabled).toMatchObject({ ok: true, token: { binding: null } })
    const required = await verifierFor({ dpop: { mode: 'required' } }).verifyRequest({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } })
    expect(required).toMatchObject({ ok: false, error: { code: 'invalid_binding' } })
    if (!required.ok) expect(required.response.headers['www-authenticate']).toMatch(/^DPoP /)
  })

  it('enabled: a cached plain bearer token is answered synchronously with the same object each time (no per-request allocation)', async () => {
    const verifier = verifierFor({ dpop: { mode: 'enabled' } })
    const request = { method: 'GET', url, headers: { authorization: `Bearer ${await mint(key)}` } }
    // The verified-token cache admits a token once it is seen again; then every hit is the same answer.
    for (let i = 0; i < 3; i++) await verifier.verifyRequest(request)
    const second = verifier.verifyRequestNow(request)
    const third = verifier.verifyRequestNow(request)
    expect(second).not.toBeInstanceOf(Promise)
    expect(second).toMatchObject({ ok: true, token: { fromCache: true, binding: null, authorization: { apiRole: { role: 'ReadOnly' } } } })
    if (!(second instanceof Promise) && !(third instanceof Promise) && second.ok && third.ok) expect(third.token).toBe(second.token)
    else expect.unreachable('both answers are synchronous and accepted')
  })

  it('verify(token) without a request refuses a DPoP-bound token (no proof can come with it)', async () => {
    const verifier = verifierFor({ dpop: { mode: 'enabled' } })
    await expect(verifier.verify(await mint(key, { claims: { cnf: { jkt } } }))).rejects.toMatchObject({ code: 'invalid_binding' })
    await expect(verifier.verify(await mint(key))).resolves.toMatchObject({ binding: null, authorization: { apiRole: { role: 'ReadOnly' } } })
  })

  it('without dpop or mtls the verdict has no binding field (nothing changes for plain bearer tokens)', async () => {
    const verdict = await verifierFor({}).verifyRequest({ method: 'GET', url, headers: { authorization: `Bearer ${await mint(key)}` } })
    expect(verdict.ok).toBe(true)
    if (verdict.ok) expect('binding' in verdict.token).toBe(false)
  })
})

describe('certificate-bound tokens through verifyRequest', () => {
  const certRequest = (token: string, raw: Uint8Array | undefined) => ({
    method: 'GET',
    url,
    headers: { authorization: `Bearer ${token}` },
    ...(raw === undefined ? {} : { clientCertificate: { raw } }),
  })

  it('accepts the right certificate (binding mtls), refuses another one and none, every time', async () => {
    const verifier = verifierFor({ mtls: { mode: 'enabled' } })
    const token = await mint(key, { claims: { cnf: { 'x5t#S256': x5t } } })
    expect(await verifier.verifyRequest(certRequest(token, certDer))).toMatchObject({ ok: true, token: { binding: { type: 'mtls', 'x5t#S256': x5t } } })
    expect(await verifier.verifyRequest(certRequest(token, otherCertDer))).toMatchObject({ ok: false, error: { code: 'invalid_binding', status: 401 } })
    expect(await verifier.verifyRequest(certRequest(token, undefined))).toMatchObject({ ok: false, error: { code: 'invalid_binding', status: 401 } })
    expect(await verifier.verifyRequest(certRequest(token, certDer))).toMatchObject({ ok: true, token: { fromCache: true, binding: { type: 'mtls' } } })
  })

  it('a thumbprint vouched for by the TLS terminator (XFCC Hash, Cloudflare fingerprint) proves the binding; a certificate, when given, wins', async () => {
    const verifier = verifierFor({ mtls: { mode: 'enabled' } })
    const token = await mint(key, { claims: { cnf: { 'x5t#S256': x5t } } })
    const withThumbprint = (thumbprint: string, raw?: Uint8Array) => ({ ...certRequest(token, raw), clientCertificateThumbprint: thumbprint })
    expect(await verifier.verifyRequest(withThumbprint(x5t))).toMatchObject({ ok: true, token: { binding: { type: 'mtls', 'x5t#S256': x5t } } })
    const other = createHash('sha256').update(otherCertDer).digest('base64url')
    expect(await verifier.verifyRequest(withThumbprint(other))).toMatchObject({ ok: false, error: { code: 'invalid_binding' } })
    expect(await verifier.verifyRequest(withThumbprint(`${x5t}=`))).toMatchObject({ ok: false, error: { code: 'invalid_binding' } })
    // The presented certificate is what counts when both are there.
    expect(await verifier.verifyRequest(withThumbprint(x5t, otherCertDer))).toMatchObject({ ok: false, error: { code: 'invalid_binding' } })
  })

  it('mtls required: an unbound token is refused; without mtls a certificate-bound token stays token_bound', async () => {
    const token = await mint(key)
    expect(await verifierFor({ mtls: { mode: 'required' } }).verifyRequest(certRequest(token, certDer))).toMatchObject({ ok: false, error: { code: 'invalid_binding' } })
    const bound = await mint(key, { claims: { cnf: { 'x5t#S256': x5t } } })
    expect(await verifierFor({}).verifyRequest(certRequest(bound, certDer))).toMatchObject({ ok: false, error: { code: 'token_bound' } })
  })

  it('a 403 for a missing API role comes only after the binding is proven', async () => {
    const verifier = verifierFor({ mtls: { mode: 'enabled' } })
    const token = await mint(key, { claims: { cnf: { 'x5t#S256': x5t }, scope: 'zscloud::12345::Admin' } })
    expect(await verifier.verifyRequest(certRequest(token, otherCertDer))).toMatchObject({ ok: false, error: { code: 'invalid_binding', status: 401 } })
    expect(await verifier.verifyRequest(certRequest(token, certDer))).toMatchObject({ ok: false, error: { code: 'insufficient_scope', status: 403 } })
  })
})

describe('the binding stage after asynchronous work (key fetch, introspection)', () => {
  it('a DPoP-bound token whose keys are fetched first (NeedsKeys) is still checked against its request', async () => {
    const jwks = await startJwksServer([key.publicJwk])
    try {
      const verifier = createVerifier({ server: { name: 'Fetched', jwksUrl: jwks.url, issuer: 'https://idp.test', audience: 'api://orders', dpop: { mode: 'enabled' } } })
      open.push(verifier)
      const token = await mint(key, { claims: { cnf: { jkt } } })
      const wrongMethod = await verifier.verifyRequest(dpopRequest(token, await proof(token, { method: 'POST' })))
      expect(wrongMethod).toMatchObject({ ok: false, error: { code: 'invalid_dpop_proof' } })
      expect(jwks.fetches).toBe(1)
      expect(await verifier.verifyRequest(dpopRequest(token, await proof(token)))).toMatchObject({ ok: true, token: { binding: { type: 'dpop', jkt } } })
    } finally {
      await jwks.close()
    }
  })

  it('an introspected (opaque) DPoP-bound token needs its proof, before and after the answer is cached', async () => {
    const as = await startFakeAs()
    try {
      as.answers.set('opaque-bound', {
        active: true,
        iss: 'https://as.test',
        aud: 'https://api.test',
        client_id: 'orders',
        scope: 'zscloud::12345::ReadOnly',
        exp: nowSeconds() + 600,
        cnf: { jkt },
      })
      const verifier = createVerifier({
        server: {
          name: 'OpaqueAS',
          issuer: 'https://as.test',
          audience: 'https://api.test',
          dpop: { mode: 'enabled' },
          introspection: { endpoint: as.url, clientId: 'api', clientAuthentication: { method: 'client_secret_basic', clientSecret: 'top-secret-value-0123456789' } },
        },
        organization: { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly'] },
      })
      open.push(verifier)
      expect(await verifier.verifyRequest(dpopRequest('opaque-bound', undefined))).toMatchObject({ ok: false, error: { code: 'invalid_dpop_proof' } })
      expect(await verifier.verifyRequest(dpopRequest('opaque-bound', await proof('opaque-bound')))).toMatchObject({
        ok: true,
        token: { source: 'introspection', binding: { type: 'dpop', jkt }, authorization: { apiRole: { role: 'ReadOnly' } } },
      })
      expect(await verifier.verifyRequest({ method: 'GET', url, headers: { authorization: 'Bearer opaque-bound' } })).toMatchObject({ ok: false, error: { code: 'invalid_binding' } })
      expect(as.requests).toHaveLength(1)
    } finally {
      await as.close()
    }
  })
})
