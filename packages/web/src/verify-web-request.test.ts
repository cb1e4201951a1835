// The translation itself: what the guard sees of a Web Request, and how a refused verdict
// becomes a Response.
import { ConfigError, createVerifier, type Jwk, type RequestGuard, type TokenRequest, type Verifier, type VerifyOptions } from '@tokenward/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeKey, mint, type TestKey } from '../../core/src/testing/mint.test-support.ts'
import { challengeResponse, verifyWebRequest } from './index.ts'

let stranger: TestKey
let verifier: Verifier
beforeAll(async () => {
  const key = await makeKey('ES256', 'k1')
  stranger = await makeKey('ES256', 'k2')
  verifier = createVerifier({ server: { name: 'Test', jwks: { keys: [key.publicJwk as Jwk] }, issuer: 'https://idp.test' }, realm: 'orders' })
})
afterAll(() => verifier.close())

describe('verifyWebRequest', () => {
  it('hands the guard the method, the absolute URL and the Headers object itself', async () => {
    const seen: { request: TokenRequest; options: VerifyOptions | undefined }[] = []
    const recording: RequestGuard = {
      verifyRequest: async (request, options) => {
        seen.push({ request, options })
        return verifier.verifyRequest(request, options)
      },
    }
    const request = new Request('https://api.test/orders?x=1', { method: 'DELETE', headers: { authorization: 'Bearer abc' } })
    await verifyWebRequest(request, recording, { requiredRoles: undefined })
    expect(seen).toHaveLength(1)
    expect(seen[0]!.request).toEqual({ method: 'DELETE', url: 'https://api.test/orders?x=1', headers: request.headers })
    expect(seen[0]!.request.headers).toBe(request.headers)
    expect(seen[0]!.options).toEqual({ requiredRoles: undefined })
  })

  it('replaces the origin with publicOrigin, keeps the path and query, and passes only the verify options on', async () => {
    const seen: { request: TokenRequest; options: VerifyOptions | undefined }[] = []
    const recording: RequestGuard = { verifyRequest: async (request, options) => (seen.push({ request, options }), verifier.verifyRequest(request, options)) }
    const request = new Request('http://spoofed-host.example:8080/orders/a%20b?x=1', { headers: { host: 'spoofed-host.example:8080' } })
    await verifyWebRequest(request, recording, { publicOrigin: 'https://api.example.com', requiredRoles: ['Admin'] })
    expect(seen[0]!.request.url).toBe('https://api.example.com/orders/a%20b?x=1')
    expect(seen[0]!.options).toEqual({ requiredRoles: ['Admin'] })
    await expect(async () => verifyWebRequest(request, recording, { publicOrigin: 'https://api.example.com/v1' })).rejects.toThrow(ConfigError)
  })

  it('resolves to the core verdict', async () => {
    // Signed by a key the server does not publish: refused with key_not_found, not thrown.
    const verdict = await verifyWebRequest(new Request('https://api.test/', { headers: { authorization: `Bearer ${await mint(stranger)}` } }), verifier)
    expect(verdict.ok).toBe(false)
    if (!verdict.ok) expect(verdict.error.code).toBe('key_not_found')
  })
})

describe('challengeResponse', () => {
  it('sends the rendered status, headers and JSON body', async () => {
    const verdict = await verifyWebRequest(new Request('https://api.test/'), verifier)
    if (verdict.ok) throw new Error('expected a refusal')
    const response = challengeResponse(verdict)
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="orders"')
    expect(response.headers.get('content-type')).toBe('application/json')
    expect(await response.json()).toEqual(verdict.response.body)
  })

  it('accepts anything carrying a rendered response', async () => {
    const response = challengeResponse({
      response: { status: 503, headers: { 'retry-after': '30', 'content-type': 'application/json' }, body: { error: 'temporarily_unavailable', code: 'jwks_unavailable' } },
    })
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toBe('30')
    expect(await response.json()).toEqual({ error: 'temporarily_unavailable', code: 'jwks_unavailable' })
  })
})
