// RFC 9728 §5.1: with resourceMetadataUrl, every challenge verifyRequest renders names the
// protected-resource metadata (Bearer-only and DPoP servers alike); a 503 never carries one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../errors.ts'
import { renderChallenge } from '../http/challenge.ts'
import { JwksUnavailableError } from '../errors.ts'
import type { Jwk } from '../jose/jwk.ts'
import { isResourceMetadataUrl, protectedResourceMetadataUrl } from '../metadata/protected-resource-metadata.ts'
import { makeKey, mint, type TestKey } from '../testing/mint.test-support.ts'
import { createVerifier, type Verifier } from './create-verifier.ts'

const metadata = protectedResourceMetadataUrl('https://api.example.com')
let key: TestKey
const verifiers: Verifier[] = []
const make = (server: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Verifier => {
  const v = createVerifier({ server: { name: 'Rm', jwks: { keys: [key.publicJwk as Jwk] }, issuer: 'https://idp.test', ...server }, resourceMetadataUrl: metadata, ...extra })
  verifiers.push(v)
  return v
}
beforeAll(async () => {
  key = await makeKey('ES256', 'k1')
})
afterAll(() => Promise.all(verifiers.map((v) => v.close())))

const challengeOf = async (v: Verifier, authorization?: string) => {
  const verdict = await v.verifyRequest({ method: 'GET', url: 'https://api.example.com/orders', headers: authorization === undefined ? {} : { authorization } })
  if (verdict.ok) throw new Error('expected a refusal')
  return verdict.response.headers['www-authenticate']
}

describe('resource_metadata in challenges', () => {
  it('a Bearer-only server: on the bare 401 and on an invalid_token 401', async () => {
    const v = make({}, { realm: 'orders' })
    expect(await challengeOf(v)).toBe(`Bearer realm="orders", resource_metadata="${metadata}"`)
    expect(await challengeOf(v, `Bearer ${await mint(key, { claims: { exp: 1 } })}`)).toMatch(/^Bearer realm="orders", error="invalid_token", error_description="[^"]*", resource_metadata="https:\/\/api\.example\.com\/\.well-known\/oauth-protected-resource"$/)
  })

  it('a DPoP-enabled server: on both the Bearer and the DPoP challenge', async () => {
    const v = make({ dpop: { mode: 'enabled' } })
    expect(await challengeOf(v)).toBe(`Bearer resource_metadata="${metadata}", DPoP algs="ES256 RS256 PS256 EdDSA", resource_metadata="${metadata}"`)
  })

  it('absent without the option, and never on a 503', async () => {
    const v = createVerifier({ server: { name: 'Plain', jwks: { keys: [key.publicJwk as Jwk] } } })
    verifiers.push(v)
    expect(await challengeOf(v)).toBe('Bearer')
    const outage = renderChallenge(new JwksUnavailableError('down', { retryAfterSeconds: 5 }), { resourceMetadata: metadata })
    expect(outage.headers['www-authenticate']).toBeUndefined()
  })

  it('the option is checked when the verifier is built', () => {
    for (const bad of ['http://api.example.com/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource', 'https://u:p@api.example.com/x', 'https://api.example.com/x#f', 'https://api.example.com/"x"', 42]) {
      expect(() => make({}, { resourceMetadataUrl: bad })).toThrow(ConfigError)
    }
    expect(isResourceMetadataUrl('http://127.0.0.1:8080/.well-known/oauth-protected-resource')).toBe(true)
  })
})
