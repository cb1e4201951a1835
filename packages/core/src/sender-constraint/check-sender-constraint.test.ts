import { createHash, X509Certificate } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { defineDpopConfig, type DpopConfig } from '../config/dpop.ts'
import type { MtlsConfig } from '../config/mtls.ts'
import { createDpopNonces } from '../dpop/dpop-nonce.ts'
import { isUnavailableError, isVerificationError } from '../errors.ts'
import { jwkThumbprint } from '../jose/jwk-thumbprint.ts'
import { webSignatureProvider } from '../platform/web-signature.ts'
import { createTestCertificateAuthority } from '../platform/tls-fixture.test-support.ts'
import { createMemoryReplayStore, ReplayStoreFullError, type ReplayStore } from '../state/replay-store.ts'
import { makeDpopKey, signProof, type DpopKey } from '../testing/dpop-proof.test-support.ts'
import { checkSenderConstraint, type SenderConstraintInput } from './check-sender-constraint.ts'

const now = 1_700_000_000
const url = 'https://api.example.test/orders'
const accessToken = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'
const enabled = defineDpopConfig({ mode: 'enabled' })
const required = defineDpopConfig({ mode: 'required' })
const off = defineDpopConfig({ mode: 'off' })

let key: DpopKey
let otherKey: DpopKey
let jkt: string
let certPem: string
let otherCertPem: string
let x5t: string

beforeAll(async () => {
  key = await makeDpopKey('ES256')
  otherKey = await makeDpopKey('ES256')
  jkt = (await jwkThumbprint(key.publicJwk as Record<string, unknown>))!
  const ca = createTestCertificateAuthority('tokenward binding test CA')
  certPem = ca.issue({ dnsNames: ['client.example.test'] }).certificatePem
  otherCertPem = ca.issue({ dnsNames: ['other.example.test'] }).certificatePem
  x5t = createHash('sha256').update(new X509Certificate(certPem).raw).digest('base64url')
})

const proofFor = (k: DpopKey = key, payload: Record<string, unknown> = {}) => signProof(k, { method: 'GET', url, accessToken, iat: now }, { payload })

async function check(overrides: Partial<SenderConstraintInput> & { dpopHeader?: string; dpop?: DpopConfig; mtls?: MtlsConfig; certificate?: string }) {
  const { dpopHeader, dpop, mtls, certificate, ...rest } = overrides
  return checkSenderConstraint({
    config: { dpop: dpop ?? enabled, ...(mtls === undefined ? {} : { mtls }) },
    request: { method: 'GET', url, headers: dpopHeader === undefined ? {} : { dpop: dpopHeader }, clientCertificate: certificate },
    scheme: 'Bearer',
    accessToken,
    cnf: undefined,
    now,
    replayStore: createMemoryReplayStore({ now: () => now * 1000 }),
    signature: webSignatureProvider,
    ...rest,
  })
}

describe('checkSenderConstraint: schemes per DPoP mode', () => {
  it('off: accepts an unbound Bearer token, refuses a DPoP-bound one and the DPoP scheme', async () => {
    expect(await check({ dpop: off })).toEqual({ ok: true, value: { binding: null } })
    expect(await check({ dpop: off, scheme: 'DPoP', cnf: { jkt }, dpopHeader: await proofFor() })).toMatchObject({ ok: false, error: { code: 'invalid_binding', status: 401, oauthError: 'invalid_token' } })
    expect(await check({ dpop: off, scheme: 'DPoP' })).toMatchObject({ ok: false, error: { code: 'invalid_binding' } })
  })

  it('enabled: Bearer for unbound tokens, DPoP with a proof for bound ones', async () => {
    expect(await check({})).toEqual({ ok: true, value: { binding: null } })
    expect(await check({ scheme: 'DPoP', cnf: { jkt }, dpopHeader: await proofFor() })).toEqual({ ok: true, value: { binding: { type: 'dpop', jkt } } })
  })

  it('required: refuses unbound Bearer tokens, accepts DPoP-bound ones with a proof', async () => {
    expect(await check({ dpop: required })).toMatchObject({ ok: false, error: { code: 'invalid_binding' } })
    expect(await check({ dpop: required, scheme: 'DPoP', cnf: { jkt }, dpopHeader: await proofFor() })).toMatchObject({ ok: true, value: { binding: { type: 'dpop', jkt } } })
  })

  it.each([['off', off], ['enabled', enabled], ['required', required]] as const)('%s: refuses a cnf.jkt token presented as Bearer, even with a valid proof', async (_, dpop) => {
    const r = await check({ dpop, scheme: 'Bearer', cnf: { jkt }, dpopHeader: await proofFor() })
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid_binding', claim: 'cnf.jkt' } })
  })

  it('refuses the DPoP scheme with an unbound token', async () => {
    expect(await check({ scheme: 'DPoP', dpopHeader: await proofFor() })).toMatchObject({ ok: false, error: { code: 'invalid_binding' } })
  })

  it('refuses a DPoP-bound token without a proof, and a proof made with another key', async () => {
    expect(await check({ scheme: 'DPoP', cnf: { jkt } })).toMatchObject({ ok: false, error: { code: 'invalid_dpop_proof' } })
    expect(await check({ scheme: 'DPoP', cnf: { jkt }, dpopHeader: await proofFor(otherKey) })).toMatchObject({ ok: false, error: { code: 'invalid_binding', claim: 'cnf.jkt' } })
  })

  it('refuses a cnf it does not understand instead of treating the token as a bearer token', async () => {
    for (const cnf of [{ jwk: key.publicJwk }, { kid: 'k1' }, {}, 'jkt', null, [jkt], { jkt: 7 }, { 'x5t#S256': '' }]) {
      expect(await check({ cnf }), JSON.stringify(cnf)).toMatchObject({ ok: false, error: { code: 'invalid_binding' } })
    }
  })
})

describe('checkSenderConstraint: replay', () => {
  it('refuses the same proof twice in one process', async () => {
    const store = createMemoryReplayStore({ now: () => now * 1000 })
    const dpopHeader = await proofFor()
    expect((await check({ scheme: 'DPoP', cnf: { jkt }, dpopHeader, replayStore: store })).ok).toBe(true)
    expect(await check({ scheme: 'DPoP', cnf: { jkt }, dpopHeader, replayStore: store })).toMatchObject({ ok: false, error: { code: 'invalid_dpop_proof', claim: 'jti' } })
  })

  it('accepts the same jti under another key', async () => {
    const store = createMemoryReplayStore({ now: () => now * 1000 })
    const otherJkt = (await jwkThumbprint(otherKey.publicJwk as Record<string, unknown>))!
    expect((await check({ scheme: 'DPoP', cnf: { jkt }, dpopHeader: await proofFor(key, { jti: 'same' }), replayStore: store })).ok).toBe(true)
    expect((await check({ scheme: 'DPoP', cnf: { jkt: otherJkt }, dpopHeader: await proofFor(otherKey, { jti: 'same' }), replayStore: store })).ok).toBe(true)
  })

  it('spends a jti only after every other check passed', async () => {
    const store = createMemoryReplayStore({ now: () => now * 1000 })
    const dpopHeader = await proofFor()
    // Refused for the binding (another token's jkt): the proof's jti is not remembered...
    expect((await check({ scheme: 'DPoP', cnf: { jkt: 'A'.repeat(43) }, dpopHeader, replayStore: store })).ok).toBe(false)
    // ...nor when the certificate the token is also bound to is missing...
    expect((await check({ scheme: 'DPoP', cnf: { jkt, 'x5t#S256': 'A'.repeat(43) }, dpopHeader, replayStore: store })).ok).toBe(false)
    // ...so the rightful request still goes through.
    expect((await check({ scheme: 'DPoP', cnf: { jkt }, dpopHeader, replayStore: store })).ok).toBe(true)
  })

  it('fails closed with 503 replay_unavailable when the store cannot answer', async () => {
    const broken: ReplayStore = { remember: () => Promise.reject(new Error('connection refused')) }
    const r = await check({ scheme: 'DPoP', cnf: { jkt }, dpopHeader: await proofFor(), replayStore: broken })
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(isUnavailableError(r.error)).toBe(true)
    expect(r.error).toMatchObject({ code: 'replay_unavailable', status: 503, retryAfterSeconds: 5 })

    const full: ReplayStore = { remember: () => { throw new ReplayStoreFullError(10, 42) } }
    const r2 = await check({ scheme: 'DPoP', cnf: { jkt }, dpopHeader: await proofFor(), replayStore: full })
    expect(!r2.ok && r2.error).toMatchObject({ code: 'replay_unavailable', retryAfterSeconds: 42 })

    const odd: ReplayStore = { remember: () => 'maybe' as never }
    expect(await check({ scheme: 'DPoP', cnf: { jkt }, dpopHeader: await proofFor(), replayStore: odd })).toMatchObject({ ok: false, error: { code: 'invalid_dpop_proof' } })
  })
})

describe('checkSenderConstraint: nonces', () => {
  const dpop = defineDpopConfig({ mode: 'required', requireNonce: true, nonceSecret: 'n'.repeat(40) })
  const nonces = createDpopNonces({ secrets: dpop.nonceSecrets, stepSeconds: 60, acceptedSteps: 3 })

  it('answers use_dpop_nonce with a nonce, accepts it, and hands a fresh one when it is about to expire', async () => {
    const first = await check({ dpop, nonces, scheme: 'DPoP', cnf: { jkt }, dpopHeader: await proofFor() })
    expect(first).toMatchObject({ ok: false, error: { code: 'use_dpop_nonce', status: 401 } })
    const nonce = (!first.ok && (first.error as { nonce?: string }).nonce) as string
    const fresh = await check({ dpop, nonces, scheme: 'DPoP', cnf: { jkt }, dpopHeader: await proofFor(key, { nonce }) })
    expect(fresh).toEqual({ ok: true, value: { binding: { type: 'dpop', jkt } } })
    const later = now + 120
    const expiring = await check({ dpop, nonces, now: later, scheme: 'DPoP', cnf: { jkt }, dpopHeader: await signProof(key, { method: 'GET', url, accessToken, iat: later }, { payload: { nonce } }) })
    expect(expiring.ok && typeof expiring.value.nonce).toBe('string')
    expect(expiring.ok && (await nonces.check(expiring.value.nonce!, later))).toBe('current')
  })
})

describe('checkSenderConstraint: certificate-bound tokens', () => {
  it('accepts the certificate the token is bound to (PEM or DER)', async () => {
    expect(await check({ cnf: { 'x5t#S256': x5t }, certificate: certPem })).toEqual({ ok: true, value: { binding: { type: 'mtls', 'x5t#S256': x5t } } })
    const der = new Uint8Array(new X509Certificate(certPem).raw)
    expect((await check({ cnf: { 'x5t#S256': x5t }, request: { method: 'GET', url, headers: {}, clientCertificate: der } })).ok).toBe(true)
  })

  it('refuses no certificate and another certificate with invalid_token', async () => {
    expect(await check({ cnf: { 'x5t#S256': x5t } })).toMatchObject({ ok: false, error: { code: 'invalid_binding', oauthError: 'invalid_token', status: 401 } })
    expect(await check({ cnf: { 'x5t#S256': x5t }, certificate: otherCertPem })).toMatchObject({ ok: false, error: { code: 'invalid_binding', claim: 'cnf.x5t#S256' } })
  })

  it('mode required refuses tokens that are not certificate-bound', async () => {
    expect(await check({ mtls: { mode: 'required' }, certificate: certPem })).toMatchObject({ ok: false, error: { code: 'invalid_binding' } })
    expect((await check({ mtls: { mode: 'required' }, cnf: { 'x5t#S256': x5t }, certificate: certPem })).ok).toBe(true)
  })

  it('a token bound by both jkt and x5t#S256 must satisfy both', async () => {
    const cnf = { jkt, 'x5t#S256': x5t }
    expect(await check({ scheme: 'DPoP', cnf, dpopHeader: await proofFor(), certificate: certPem })).toEqual({ ok: true, value: { binding: { type: 'dpop', jkt, 'x5t#S256': x5t } } })
    expect((await check({ scheme: 'DPoP', cnf, dpopHeader: await proofFor(), certificate: otherCertPem })).ok).toBe(false)
    expect((await check({ scheme: 'DPoP', cnf, certificate: certPem })).ok).toBe(false)
  })

  it('returns errors the one guard recognises', async () => {
    const r = await check({ cnf: { 'x5t#S256': x5t } })
    expect(!r.ok && isVerificationError(r.error)).toBe(true)
  })
})
