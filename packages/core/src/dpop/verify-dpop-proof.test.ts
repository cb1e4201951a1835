import { describe, expect, it } from 'vitest'
import { defineDpopConfig } from '../config/dpop.ts'
import { nodeSignatureProvider } from '../platform/node-signature.ts'
import { webSignatureProvider } from '../platform/web-signature.ts'
import { accessTokenHash, forgeProof, makeDpopKey, signProof, type DpopKey, type ProofOptions } from '../testing/dpop-proof.test-support.ts'
import { createDpopNonces } from './dpop-nonce.ts'
import { createDpopKeyMemo, normaliseHtu, verifyDpopProof } from './verify-dpop-proof.ts'

// RFC 9449 §7.1 Figure 13: a proof for GET https://resource.example.org/protectedresource.
const rfcProof =
  'eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19' +
  '.eyJqdGkiOiJlMWozVl9iS2ljOC1MQUVCIiwiaHRtIjoiR0VUIiwiaHR1IjoiaHR0cHM6Ly9yZXNvdXJjZS5leGFtcGxlLm9yZy9wcm90ZWN0ZWRyZXNvdXJjZSIsImlhdCI6MTU2MjI2MjYxOCwiYXRoIjoiZlVIeU8ycjJaM0RaNTNFc05yV0JiMHhXWG9hTnk1OUlpS0NBcWtzbVFFbyJ9' +
  '.2oW9RP35yRqzhrtNP86L-Ey71EOptxRimPPToA1plemAgR6pxHF8y6-yqyVnmcw6Fy1dqd-jfxSYoMxhAJpLjA'
const rfcAccessToken = 'Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU'
const rfcJkt = '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I'

const config = defineDpopConfig({ mode: 'enabled' })
const signature = webSignatureProvider
const now = 1_700_000_000
const url = 'https://api.example.test/orders'
const accessToken = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'

describe('verifyDpopProof: RFC 9449 example', () => {
  it.each([['WebCrypto', webSignatureProvider], ['node:crypto', nodeSignatureProvider]] as const)('accepts Figure 13 at its own time, with its ath and jkt (%s)', async (_, provider) => {
    const r = await verifyDpopProof(
      { method: 'GET', url: 'https://resource.example.org/protectedresource', headers: { dpop: rfcProof } },
      { config, accessToken: rfcAccessToken, now: 1562262618, signature: provider },
    )
    expect(r.ok && r.value).toMatchObject({ jkt: rfcJkt, jti: 'e1j3V_bKic8-LAEB', iat: 1562262618, alg: 'ES256' })
  })

  it('refuses Figure 13 later than its lifetime, for another token and at another URL', async () => {
    const base = { method: 'GET', url: 'https://resource.example.org/protectedresource', headers: { dpop: rfcProof } }
    const late = await verifyDpopProof(base, { config, accessToken: rfcAccessToken, now: 1562262618 + 126, signature })
    expect(!late.ok && late.error.claim).toBe('iat')
    const other = await verifyDpopProof(base, { config, accessToken: 'other', now: 1562262618, signature })
    expect(!other.ok && other.error.claim).toBe('ath')
    const elsewhere = await verifyDpopProof({ ...base, url: 'https://resource.example.org/other' }, { config, accessToken: rfcAccessToken, now: 1562262618, signature })
    expect(!elsewhere.ok && elsewhere.error.claim).toBe('htu')
  })
})

describe('verifyDpopProof: every check', () => {
  let key: DpopKey
  let otherKey: DpopKey
  const proof = (options: ProofOptions = {}, claims: Partial<{ method: string; url: string; accessToken: string; iat: number }> = {}) =>
    signProof(key, { method: 'GET', url, accessToken, iat: now, ...claims }, options)
  const verify = (dpop: string | string[], request: Partial<{ method: string; url: string }> = {}, at = now, token = accessToken) =>
    verifyDpopProof({ method: 'GET', url, headers: { dpop }, ...request }, { config, accessToken: token, now: at, signature })

  it('accepts a sound proof and reports its thumbprint, replay key and window', async () => {
    key = await makeDpopKey('ES256')
    otherKey = await makeDpopKey('ES256')
    const r = await verify(await proof())
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.value.jkt).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(r.value.replayKey).toBe(`dpop:${JSON.stringify([r.value.jkt, 'GET', url, r.value.jti])}`)
    const long = await verify(await proof({ payload: { htu: `${url}/${'a'.repeat(600)}` } }), { url: `${url}/${'a'.repeat(600)}` })
    expect(long.ok && long.value.replayKey).toMatch(/^dpop#[A-Za-z0-9_-]{43}$/)
    expect(r.value.replayTtlSeconds).toBe(130)
    expect(r.value.htu).toBe(url)
  })

  it.each(['RS256', 'PS256', 'EdDSA'])('accepts a %s proof', async (alg) => {
    const k = await makeDpopKey(alg)
    expect((await verify(await signProof(k, { method: 'GET', url, accessToken, iat: now }))).ok).toBe(true)
  })

  it.each([
    ['normalisation-equal host case and default port', 'https://API.example.test:443/orders'],
    ['a query and fragment in htu', 'https://api.example.test/orders?a=1#frag'],
    ['dot segments', 'https://api.example.test/x/../orders'],
  ])('accepts %s', async (_, htu) => {
    expect((await verify(await proof({ payload: { htu } }))).ok).toBe(true)
  })

  it('accepts a request URL with a query against a proof without one', async () => {
    expect((await verify(await proof(), { url: `${url}?page=2` })).ok).toBe(true)
  })

  const refusals: ReadonlyArray<[string, () => Promise<string | string[]>, string, Partial<{ method: string; url: string }>?, number?, string?]> = [
    ['no DPoP header', async () => [], 'DPoP'],
    ['two DPoP headers', async () => [await proof(), await proof()], 'DPoP'],
    ['two DPoP headers joined by Headers', async () => `${await proof()}, ${await proof()}`, 'DPoP'],
    ['a proof that is not a JWS', async () => 'not-a-jws', 'DPoP'],
    ['typ JWT', async () => proof({ header: { typ: 'JWT' } }), 'header.typ'],
    ['no typ', async () => proof({ header: { typ: undefined } }), 'header.typ'],
    ['alg none', async () => forgeProof({ typ: 'dpop+jwt', alg: 'none', jwk: key.publicJwk }, { jti: 'a', htm: 'GET', htu: url, iat: now, ath: accessTokenHash(accessToken) }), 'header.alg'],
    ['alg HS256', async () => forgeProof({ typ: 'dpop+jwt', alg: 'HS256', jwk: { kty: 'oct', k: 'c2VjcmV0' } }, { jti: 'a', htm: 'GET', htu: url, iat: now, ath: accessTokenHash(accessToken) }), 'header.alg'],
    ['an alg the configuration does not allow', async () => signProof(await makeDpopKey('ES384'), { method: 'GET', url, accessToken, iat: now }), 'header.alg'],
    ['a private jwk', async () => proof({ header: { jwk: key.privateJwk } }), 'header.jwk'],
    ['a symmetric jwk', async () => proof({ header: { jwk: { kty: 'oct', k: 'c2VjcmV0' } } }), 'header.jwk'],
    ['no jwk', async () => proof({ header: { jwk: undefined } }), 'header.jwk'],
    ['an RSA key under 2048 bits', async () => signProof(await makeDpopKey('RS256', { modulusLength: 1024 }), { method: 'GET', url, accessToken, iat: now }), 'header.jwk'],
    ['a jwk that did not sign it', async () => proof({ header: { jwk: otherKey.publicJwk } }), 'signature'],
    ['no jti', async () => proof({ omit: ['jti'] }), 'jti'],
    ['a jti too long', async () => proof({ payload: { jti: 'x'.repeat(257) } }), 'jti'],
    ['another method', async () => proof({ payload: { htm: 'POST' } }), 'htm'],
    ['a lower-case method', async () => proof({ payload: { htm: 'get' } }), 'htm'],
    ['another host', async () => proof({ payload: { htu: 'https://evil.example.test/orders' } }), 'htu'],
    ['another port', async () => proof({ payload: { htu: 'https://api.example.test:8443/orders' } }), 'htu'],
    ['another path', async () => proof({ payload: { htu: 'https://api.example.test/orders/1' } }), 'htu'],
    ['another scheme', async () => proof({ payload: { htu: 'http://api.example.test/orders' } }), 'htu'],
    ['no htu', async () => proof({ omit: ['htu'] }), 'htu'],
    ['a relative request URL', async () => proof(), 'htu', { url: '/orders' }],
    ['a stale iat', async () => proof({}, { iat: now - 126 }), 'iat'],
    ['a future iat', async () => proof({}, { iat: now + 6 }), 'iat'],
    ['a string iat', async () => proof({ payload: { iat: String(now) } }), 'iat'],
    ['no ath', async () => proof({ omit: ['ath'] }), 'ath'],
    ['an ath of another token', async () => proof({ payload: { ath: accessTokenHash('another token') } }), 'ath'],
  ]

  it.each(refusals)('refuses %s with invalid_dpop_proof', async (_, make, claim, request, at) => {
    const r = await verify(await make(), request, at)
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.error).toMatchObject({ code: 'invalid_dpop_proof', oauthError: 'invalid_dpop_proof', status: 401, claim })
  })

  it('ignores a Host header: a proof for the injected host is refused, the configured URL decides', async () => {
    const evil = await proof({ payload: { htu: 'https://evil.example.test/orders' } })
    const r = await verifyDpopProof({ method: 'GET', url, headers: { dpop: evil, host: 'evil.example.test', 'x-forwarded-host': 'evil.example.test' } }, { config, accessToken, now, signature })
    expect(!r.ok && r.error.claim).toBe('htu')
  })

  it('checks no ath for a token-endpoint proof (accessToken null), every other member still', async () => {
    const key = await makeDpopKey('ES256')
    const tokenEndpoint = 'https://as.example.test/token'
    const make = (payload: Record<string, unknown> = {}) => signProof(key, { method: 'POST', url: tokenEndpoint, accessToken: 'unused', iat: now }, { omit: ['ath'], payload })
    const atEndpoint = async (p: string) => verifyDpopProof({ method: 'POST', url: tokenEndpoint, headers: { dpop: p } }, { config, accessToken: null, now, signature })
    expect((await atEndpoint(await make())).ok).toBe(true)
    expect(await atEndpoint(await make({ htu: url }))).toMatchObject({ ok: false, error: { claim: 'htu' } })
    // The same proof presented with an access token still needs its ath.
    expect(await verifyDpopProof({ method: 'POST', url: tokenEndpoint, headers: { dpop: await make() } }, { config, accessToken, now, signature })).toMatchObject({ ok: false, error: { claim: 'ath' } })
  })

  it('accepts iat at the edges of the window (lifetime plus tolerance; tolerance ahead)', async () => {
    expect((await verify(await proof({}, { iat: now - 125 }))).ok).toBe(true)
    expect((await verify(await proof({}, { iat: now + 5 }))).ok).toBe(true)
  })
})

describe('verifyDpopProof: nonces', () => {
  const nonceConfig = defineDpopConfig({ mode: 'required', requireNonce: true, nonceSecret: 'n'.repeat(40) })
  const nonces = createDpopNonces({ secrets: nonceConfig.nonceSecrets })

  it('asks for a nonce when none is given, then accepts the proof that carries it', async () => {
    const key = await makeDpopKey()
    const verify = async (payload: Record<string, unknown>, at = now) =>
      verifyDpopProof(
        { method: 'GET', url, headers: { dpop: await signProof(key, { method: 'GET', url, accessToken, iat: at }, { payload }) } },
        { config: nonceConfig, accessToken, now: at, signature, nonces },
      )
    const first = await verify({})
    expect(first.ok).toBe(false)
    if (first.ok) return
    expect(first.error).toMatchObject({ code: 'use_dpop_nonce', oauthError: 'use_dpop_nonce', status: 401 })
    const nonce = (first.error as { nonce?: string }).nonce!
    expect(await nonces.check(nonce, now)).toBe('current')

    const second = await verify({ nonce })
    expect(second.ok && second.value.nonce).toBe('current')

    const stale = await verify({ nonce }, now + 600)
    expect(!stale.ok && stale.error.code).toBe('use_dpop_nonce')
    const forged = await verify({ nonce: `${nonce.slice(0, -2)}AA` })
    expect(!forged.ok && forged.error.code).toBe('use_dpop_nonce')
  })
})

describe('normaliseHtu', () => {
  it('keeps only absolute http(s) URLs, without query and fragment', () => {
    expect(normaliseHtu('HTTPS://API.example.com:443/a/../orders?x=1#f')).toBe('https://api.example.com/orders')
    expect(normaliseHtu('/orders')).toBeUndefined()
    expect(normaliseHtu('ftp://example.com/x')).toBeUndefined()
  })
})

describe('verifyDpopProof: key memo', () => {
  it('imports each client key once and gives the same answers', async () => {
    const key = await makeDpopKey('ES256')
    let imports = 0
    const counting = { ...signature, importKey: (jwk: never, alg: never) => (imports++, signature.importKey(jwk, alg)) }
    const keyMemo = createDpopKeyMemo(8)
    const verify = async (dpop: string, at = now, cfg = config) =>
      verifyDpopProof({ method: 'GET', url, headers: { dpop } }, { config: cfg, accessToken, now: at, signature: counting, keyMemo })
    const first = await verify(await signProof(key, { method: 'GET', url, accessToken, iat: now }))
    const second = await verify(await signProof(key, { method: 'GET', url, accessToken, iat: now }))
    expect(first.ok && second.ok && first.value.jkt === second.value.jkt).toBe(true)
    expect(imports).toBe(1)
    // Every per-proof check still runs on a remembered key: signature, htm, iat, ath...
    const good = await signProof(key, { method: 'GET', url, accessToken, iat: now })
    const tampered = `${good.slice(0, good.lastIndexOf('.'))}.${(await signProof(key, { method: 'GET', url, accessToken, iat: now - 1 })).split('.')[2]}`
    expect(await verify(tampered)).toMatchObject({ ok: false, error: { claim: 'signature' } })
    expect(await verify(await signProof(key, { method: 'POST', url, accessToken, iat: now }))).toMatchObject({ ok: false, error: { claim: 'htm' } })
    expect(await verify(await signProof(key, { method: 'GET', url, accessToken: 'other', iat: now }))).toMatchObject({ ok: false, error: { claim: 'ath' } })
    // ...and a configuration that no longer allows the key's alg refuses it.
    expect(await verify(await signProof(key, { method: 'GET', url, accessToken, iat: now }), now, defineDpopConfig({ mode: 'enabled', algorithms: ['RS256'] }))).toMatchObject({
      ok: false,
      error: { claim: 'header.alg' },
    })
    expect(imports).toBe(1)
  })

  it('remembers only headers whose proof verified', async () => {
    const key = await makeDpopKey('ES256')
    const other = await makeDpopKey('ES256')
    const keyMemo = createDpopKeyMemo(8)
    const forged = await signProof(other, { method: 'GET', url, accessToken, iat: now }, { header: { jwk: key.publicJwk } })
    const options = { config, accessToken, now, signature, keyMemo }
    expect(await verifyDpopProof({ method: 'GET', url, headers: { dpop: forged } }, options)).toMatchObject({ ok: false, error: { claim: 'signature' } })
    expect(keyMemo.get(forged.split('.')[0]!)).toBeUndefined()
  })
})
