// DPoP-Nonce on success (RFC 9449 §8.2): when the proof's nonce is in its last step, the core hands
// out the next one and the adapter adds it, with Cache-Control: no-store, to the handler's response.
import { createDpopNonces, createVerifier, type Jwk, type Verifier } from '@tokenward/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeKey, mint, now, type TestKey } from '../../core/src/testing/mint.test-support.ts'
import { makeDpopKey, signProof, type DpopKey } from '../../core/src/testing/dpop-proof.test-support.ts'
import { jwkThumbprint } from '../../core/src/jose/jwk-thumbprint.ts'
import { withTokenward } from './index.ts'

const nonceSecret = 'a web-adapter nonce secret of 32+ chars'
const url = 'https://api.example.com/orders'
let key: TestKey
let dpopKey: DpopKey
let verifier: Verifier
let token: string
beforeAll(async () => {
  key = await makeKey('ES256', 'k1')
  dpopKey = await makeDpopKey('ES256')
  verifier = createVerifier({ server: { name: 'Dpop', jwks: { keys: [key.publicJwk as Jwk] }, issuer: 'https://idp.test', dpop: { mode: 'enabled', requireNonce: true, nonceSecret } } })
  token = await mint(key, { claims: { cnf: { jkt: await jwkThumbprint(dpopKey.publicJwk as Record<string, unknown>) } } })
})
afterAll(() => verifier.close())

/** A request whose proof carries a nonce made `age` seconds ago (60 s steps, 3 accepted: 120 s is the last step). */
const requestWithNonce = async (age: number) => {
  if (now() % 60 >= 58) await new Promise((resolve) => setTimeout(resolve, 2500))
  const nonce = await createDpopNonces({ secrets: [nonceSecret] }).issue(now() - age)
  const proof = await signProof(dpopKey, { method: 'GET', url, accessToken: token, iat: now() }, { payload: { nonce } })
  return new Request(url, { headers: { authorization: `DPoP ${token}`, dpop: proof } })
}

describe('withTokenward: DPoP-Nonce on success', () => {
  it('adds the next nonce and no-store to the handler response when the used one is about to expire', async () => {
    const handler = withTokenward(() => new Response('ok', { headers: { 'cache-control': 'max-age=60', 'x-app': '1' } }), { guard: verifier })
    const response = await handler(await requestWithNonce(120))
    expect(response.status).toBe(200)
    expect(response.headers.get('dpop-nonce')).toMatch(/^[0-9]+\.[A-Za-z0-9_-]+$/)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(response.headers.get('x-app')).toBe('1')
    expect(await response.text()).toBe('ok')
  })

  it('leaves a response alone while the nonce is current', async () => {
    const handler = withTokenward(() => new Response('ok', { headers: { 'cache-control': 'max-age=60' } }), { guard: verifier })
    const response = await handler(await requestWithNonce(0))
    expect(response.status).toBe(200)
    expect(response.headers.has('dpop-nonce')).toBe(false)
    expect(response.headers.get('cache-control')).toBe('max-age=60')
  })

  it('copies a response whose headers are immutable (Response.redirect) instead of failing', async () => {
    const handler = withTokenward(() => Response.redirect('https://api.example.com/elsewhere', 302), { guard: verifier })
    const response = await handler(await requestWithNonce(120))
    expect(response.status).toBe(302)
    expect(response.headers.get('location')).toBe('https://api.example.com/elsewhere')
    expect(response.headers.get('dpop-nonce')).not.toBeNull()
  })
})
