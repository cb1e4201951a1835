// DPoP-Nonce on success (RFC 9449 §8.2) through the Lambda wrapper: added to a structured result's
// headers (or multiValueHeaders), with Cache-Control: no-store; a bare HTTP API result is returned as is.
import { createDpopNonces, createVerifier, type Jwk, type Verifier } from '@tokenward/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeKey, mint, now, type TestKey } from '../../core/src/testing/mint.test-support.ts'
import { makeDpopKey, signProof, type DpopKey } from '../../core/src/testing/dpop-proof.test-support.ts'
import { jwkThumbprint } from '../../core/src/jose/jwk-thumbprint.ts'
import { albEvent, httpApiEvent } from './fixtures/aws-events.test-support.ts'
import { withTokenward } from './index.ts'

const nonceSecret = 'a lambda-adapter nonce secret of 32+ chars'
const origin = 'https://api.example.com'
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

/** DPoP headers whose proof carries a nonce made `age` seconds ago (120 s: its last accepted step). */
const dpopHeaders = async (method: string, url: string, age: number) => {
  if (now() % 60 >= 58) await new Promise((resolve) => setTimeout(resolve, 2500))
  const nonce = await createDpopNonces({ secrets: [nonceSecret] }).issue(now() - age)
  return { authorization: `DPoP ${token}`, dpop: await signProof(dpopKey, { method, url, accessToken: token, iat: now() }, { payload: { nonce } }) }
}
type Run = (event: unknown, context: unknown) => Promise<unknown>

describe('withTokenward: DPoP-Nonce on success', () => {
  it('HTTP API: added to headers, replacing the handler cache-control', async () => {
    const run = withTokenward(async () => ({ statusCode: 200, headers: { 'Cache-Control': 'max-age=60', 'x-app': '1' }, body: 'ok' }), { guard: verifier, publicOrigin: origin }) as Run
    const headers = await dpopHeaders('POST', `${origin}/my/path`, 120)
    const result = (await run({ ...structuredClone(httpApiEvent), rawQueryString: '', headers }, {})) as { statusCode: number; headers: Record<string, string> }
    expect(result.statusCode).toBe(200)
    expect(result.headers).toEqual({ 'x-app': '1', 'dpop-nonce': expect.stringMatching(/^[0-9]+\.[A-Za-z0-9_-]+$/), 'cache-control': 'no-store' })
  })

  it('ALB with multi-value headers: added to multiValueHeaders', async () => {
    const run = withTokenward(async () => ({ statusCode: 200, statusDescription: '200 OK', multiValueHeaders: { 'set-cookie': ['a=1', 'b=2'] }, body: 'ok' }), { guard: verifier, publicOrigin: origin }) as Run
    const headers = await dpopHeaders('GET', `${origin}/lambda?query=1234ABCD`, 120)
    const event = { ...structuredClone(albEvent), headers: undefined, multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])) }
    const result = (await run(event, {})) as { multiValueHeaders: Record<string, string[]> }
    expect(result.multiValueHeaders).toEqual({ 'set-cookie': ['a=1', 'b=2'], 'dpop-nonce': [expect.any(String)], 'cache-control': ['no-store'] })
  })

  it('a current nonce, or a bare result, is returned unchanged', async () => {
    const structured = { statusCode: 200, headers: { 'cache-control': 'max-age=60' }, body: 'ok' }
    const run = withTokenward(async () => structured, { guard: verifier, publicOrigin: origin }) as Run
    expect(await run({ ...structuredClone(httpApiEvent), rawQueryString: '', headers: await dpopHeaders('POST', `${origin}/my/path`, 0) }, {})).toBe(structured)
    const bare = withTokenward(async () => 'hello', { guard: verifier, publicOrigin: origin }) as Run
    expect(await bare({ ...structuredClone(httpApiEvent), rawQueryString: '', headers: await dpopHeaders('POST', `${origin}/my/path`, 120) }, {})).toBe('hello')
  })
})
