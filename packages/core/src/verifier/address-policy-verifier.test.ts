import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../errors.ts'
import { makeKey, mint, startJwksServer, type JwksServer, type TestKey } from '../testing/mint.test-support.ts'
import { createVerifier } from './create-verifier.ts'
import type { VerifierEvent } from './types.ts'

// A real JWKS server on http://127.0.0.1: what a tenant could save to probe the loopback interface.
let key: TestKey
let jwks: JwksServer
beforeAll(async () => {
  key = await makeKey('ES256', 'k1')
  jwks = await startJwksServer([key.publicJwk])
})
afterAll(() => jwks.close())

const server = () => ({ name: 'Tenant', jwksUrl: jwks.url, issuer: 'https://idp.test' })

describe('createVerifier with jwks.addressPolicy', () => {
  it('without a policy, fetches a loopback JWKS as before (the operator’s own config)', async () => {
    const verifier = createVerifier({ server: server() })
    await expect(verifier.verify(await mint(key))).resolves.toMatchObject({ claims: { iss: 'https://idp.test' } })
    await verifier.close()
  })

  it('with the strict policy, never connects and answers 503 jwks_unavailable (not 401)', async () => {
    const events: VerifierEvent[] = []
    const before = jwks.fetches
    const verifier = createVerifier({ server: server(), jwks: { addressPolicy: {} }, onEvent: (e) => events.push(e) })
    const verdict = await verifier.verifyRequest({ method: 'GET', url: 'https://api.test/', headers: { authorization: `Bearer ${await mint(key)}` } })
    expect(verdict).toMatchObject({ ok: false, error: { code: 'jwks_unavailable', status: 503 } })
    expect(events).toContainEqual(expect.objectContaining({ type: 'jwks_fetch_failed', kind: 'address_not_allowed' }))
    expect(jwks.fetches).toBe(before)
    await verifier.close()
  })

  it('with developmentLoopback, the loopback JWKS works again', async () => {
    const verifier = createVerifier({ server: server(), jwks: { addressPolicy: { developmentLoopback: true } } })
    await expect(verifier.verify(await mint(key))).resolves.toBeDefined()
    await verifier.close()
  })

  it('checks the policy when the verifier is built, naming the bad entry by path', () => {
    expect(() => createVerifier({ server: server(), jwks: { addressPolicy: { allow: ['10.0.0.0/8', 'bad entry'] } } })).toThrow(ConfigError)
    try {
      createVerifier({ server: server(), jwks: { addressPolicy: { allow: ['bad entry'] } } })
    } catch (error) {
      expect((error as ConfigError).issues).toEqual([{ path: 'jwks.addressPolicy.allow[0]', message: expect.stringContaining('CIDR') }])
    }
  })
})
