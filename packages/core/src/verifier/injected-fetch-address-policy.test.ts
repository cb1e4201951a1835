// An injected fetch resolves host names itself, so tokenward cannot check the addresses it
// connects to. Under an address policy, a host name is therefore refused before the fetch is
// called — unless the policy allows it by name, or says the injected fetch resolves safely.
// The injected fetch here sends every name to a server on 127.0.0.1: exactly what a name
// pointing at an internal address would do.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decideUrlUnresolved, defineAddressPolicy } from '../network/address-policy.ts'
import { makeKey, mint, startJwksServer, type JwksServer, type TestKey } from '../testing/mint.test-support.ts'
import { createVerifier } from './create-verifier.ts'
import type { VerifierEvent } from './types.ts'

let key: TestKey
let jwks: JwksServer
const called: string[] = []
// Every request goes to the local JWKS server, whatever host the URL names.
const injectedFetch: typeof fetch = (input, init) => {
  const url = new URL(input instanceof Request ? input.url : String(input))
  called.push(url.host)
  return fetch(jwks.url, { ...init, method: 'GET', body: null })
}

beforeAll(async () => {
  key = await makeKey('ES256', 'k1')
  jwks = await startJwksServer([key.publicJwk])
})
afterAll(() => jwks.close())

const server = { name: 'Tenant', jwksUrl: 'https://jwks.tenant.example/keys', issuer: 'https://idp.test' }

describe('an injected fetch under an address policy', () => {
  it('refuses a JWKS host name the policy does not name: 503 jwks_unavailable, the fetch never called', async () => {
    called.length = 0
    const events: VerifierEvent[] = []
    const verifier = createVerifier({ server, fetch: injectedFetch, jwks: { addressPolicy: {} }, onEvent: (e) => events.push(e) })
    await expect(verifier.verify(await mint(key))).rejects.toMatchObject({ code: 'jwks_unavailable', status: 503 })
    expect(called).toEqual([])
    expect(events).toContainEqual(expect.objectContaining({ type: 'jwks_fetch_failed', kind: 'address_not_allowed' }))
    await verifier.close()
  })

  it('refuses an introspection endpoint host name the same way: 503, never 401, nothing sent', async () => {
    called.length = 0
    const verifier = createVerifier({
      server: { name: 'Tenant', issuer: 'https://idp.test', introspection: { endpoint: 'https://as.internal.example/introspect', clientId: 'rs', clientAuthentication: { method: 'client_secret_basic', clientSecret: 'injected-fetch-secret-0123' } } },
      fetch: injectedFetch,
      jwks: { addressPolicy: {} },
    })
    await expect(verifier.verify('opaque-token')).rejects.toMatchObject({ code: 'introspection_unavailable', status: 503 })
    expect(called).toEqual([])
    await verifier.close()
  })

  it('refuses a discovery metadata host name the same way: 503 discovery_unavailable, nothing fetched', async () => {
    called.length = 0
    const verifier = createVerifier({ server: { name: 'Tenant', issuer: 'https://idp.tenant.example', discovery: true }, fetch: injectedFetch, jwks: { addressPolicy: {} } })
    await expect(verifier.verify(await mint(key))).rejects.toMatchObject({ code: 'discovery_unavailable', status: 503 })
    expect(called).toEqual([])
    await verifier.close()
  })

  it('lets the host through when the policy allows it by name, or says the injected fetch resolves safely', async () => {
    for (const addressPolicy of [{ allow: ['jwks.tenant.example'] }, { allow: ['*.tenant.example'] }, { injectedFetchResolvesSafely: true }]) {
      called.length = 0
      const verifier = createVerifier({ server, fetch: injectedFetch, jwks: { addressPolicy } })
      await expect(verifier.verify(await mint(key))).resolves.toMatchObject({ claims: { iss: 'https://idp.test' } })
      expect(called).toEqual(['jwks.tenant.example'])
      await verifier.close()
    }
  })

  it('without an address policy nothing changes: the injected fetch is the operator’s own', async () => {
    called.length = 0
    const verifier = createVerifier({ server, fetch: injectedFetch })
    await expect(verifier.verify(await mint(key))).resolves.toBeDefined()
    expect(called).toEqual(['jwks.tenant.example'])
    await verifier.close()
  })

  it('decideUrlUnresolved: names refused unless allowed; literals, schemes and loopback names as decideUrl; the option is checked by path', () => {
    const strict = defineAddressPolicy({})
    expect(decideUrlUnresolved(strict, new URL('https://idp.example/keys'))).toMatchObject({ allowed: false, reason: expect.stringContaining('injectedFetchResolvesSafely') })
    expect(decideUrlUnresolved(strict, new URL('https://203.0.113.9/keys'))).toMatchObject({ allowed: false, addressClass: 'documentation' })
    expect(decideUrlUnresolved(strict, new URL('https://8.8.8.8/keys'))).toEqual({ allowed: true })
    expect(decideUrlUnresolved(defineAddressPolicy({ injectedFetchResolvesSafely: true }), new URL('https://169.254.169.254/'))).toMatchObject({ allowed: false, addressClass: 'link_local' })
    expect(decideUrlUnresolved(defineAddressPolicy({ injectedFetchResolvesSafely: true }), new URL('http://idp.example/'))).toMatchObject({ allowed: false })
    expect(() => createVerifier({ server, jwks: { addressPolicy: { injectedFetchResolvesSafely: 'yes' as unknown as boolean } } })).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ path: 'jwks.addressPolicy.injectedFetchResolvesSafely' })] }),
    )
  })
})
