// DPoP-bound tokens of the built-in issuer (cnf.jkt) through the registry verifier: the same
// binding stage as the organizations' own servers (proof checks, nonce when configured, proofs
// spent in the registry's shared replay store under keys namespaced for the built-in issuer per
// organization), and resource_metadata on every refusal of an issuer token.
import { createMemoryReplayStore, type ReplayStore, type TokenRequest } from '@tokenward/core'
import { apiKeyManagementPermission, applyCommand, type Organization, type OrganizationCommand } from '@tokenward/core/organization'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { jwkThumbprint } from '../../core/src/jose/jwk-thumbprint.ts'
import { makeDpopKey, signProof, type DpopKey } from '../../core/src/testing/dpop-proof.test-support.ts'
import { makeKey, mint, type TestKey } from '../../core/src/testing/mint.test-support.ts'
import { RegistryConfigError } from './errors.ts'
import { createRegistryVerifier, type RegistryVerifier, type RegistryVerifierOptions } from './registry-verifier.ts'
import { createInMemoryOrganizationStore } from './store/in-memory-organization-store.ts'

const issuerId = 'https://auth.tokenward.test'
const url = 'https://api.example.test/reports'
const metadataUrl = 'https://api.example.test/.well-known/oauth-protected-resource'
const t0 = Math.floor(Date.now() / 1000)
const alice = { id: 'alice', permissions: [apiKeyManagementPermission] }

let issuerKey: TestKey
let holder: DpopKey
let jkt: string
beforeAll(async () => {
  issuerKey = await makeKey('ES256', 'issuer-1')
  holder = await makeDpopKey('ES256')
  jkt = (await jwkThumbprint(holder.publicJwk as Record<string, unknown>))!
})

const organization = (orgId: string, clientRoles: readonly string[]): Organization => {
  const blank: Organization = {
    orgId,
    cloud: 'zscloud',
    cloudDomain: 'zscloud.net',
    apiRoles: { ReadOnly: ['reports'], Admin: ['reports', 'policies'] },
    subscriptionValidUntil: t0 + 86_400,
    suspension: undefined,
    authorizationServers: [],
    revision: 1,
  }
  const add: OrganizationCommand = {
    type: 'add_api_client',
    client: { clientId: 'ci', name: 'CI', roles: clientRoles, authentication: { method: 'private_key_jwt', publicKey: { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' } } },
    receipt: undefined,
  }
  const r = applyCommand(blank, add, alice, t0)
  if (!r.ok) throw new Error(r.error.message)
  return r.value.organization
}

const open: RegistryVerifier[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.close()))
})
function registry(options: Partial<RegistryVerifierOptions> = {}, dpop?: NonNullable<RegistryVerifierOptions['issuer']>['dpop']): RegistryVerifier {
  const r = createRegistryVerifier({
    store: createInMemoryOrganizationStore([organization('acme', ['ReadOnly']), organization('globex', ['ReadOnly'])]),
    issuer: { issuer: issuerId, jwks: { keys: [issuerKey.publicJwk as never] }, ...(dpop === undefined ? {} : { dpop }) },
    keyRefresh: false,
    cache: false,
    resourceMetadataUrl: metadataUrl,
    ...options,
  })
  open.push(r)
  return r
}

/** A token as `@tokenward/issuer` mints it for a client that sent a DPoP proof. */
const boundToken = (orgId = 'acme', claims: Record<string, unknown> = {}) =>
  mint(issuerKey, { claims: { iss: issuerId, sub: 'ci', client_id: 'ci', aud: issuerId, scope: `zscloud::${orgId}::ReadOnly`, iat: t0, exp: t0 + 600, jti: crypto.randomUUID(), cnf: { jkt }, ...claims } })
const proof = (token: string, payload: Record<string, unknown> = {}) => signProof(holder, { method: 'GET', url, accessToken: token, iat: Math.floor(Date.now() / 1000) }, { payload })
const asDpop = (token: string, dpop?: string): TokenRequest => ({ method: 'GET', url, headers: { authorization: `DPoP ${token}`, ...(dpop === undefined ? {} : { dpop }) } })
const outcome = async (r: RegistryVerifier, request: TokenRequest, orgId = 'acme') => {
  const v = await r.verifyRequest(request, { orgId })
  return v.ok ? 'accepted' : `${v.response.status} ${v.error.code}`
}

describe('registry verifier: DPoP-bound tokens of the built-in issuer', () => {
  it('accepts a cnf.jkt token sent as DPoP with a valid proof (default dpop mode enabled), and refuses it as Bearer or without a proof', async () => {
    const r = registry()
    const token = await boundToken()
    expect(await outcome(r, asDpop(token, await proof(token)))).toBe('accepted')
    expect(await outcome(r, { method: 'GET', url, headers: { authorization: `Bearer ${token}` } })).toMatch(/^401 /)
    expect(await outcome(r, asDpop(token))).toMatch(/^(400|401) /)
    // A proof for another request, or signed by another key, is refused.
    expect(await outcome(r, asDpop(token, await proof(token, { htm: 'POST' })))).toMatch(/^(400|401) invalid_dpop_proof/)
    const other = await makeDpopKey('ES256')
    const stolen = await signProof(other, { method: 'GET', url, accessToken: token, iat: Math.floor(Date.now() / 1000) })
    expect(await outcome(r, asDpop(token, stolen))).toMatch(/^401 /)
    // Unbound Bearer tokens of the issuer keep working.
    const bearer = await boundToken('acme', { cnf: undefined })
    expect(await outcome(r, { method: 'GET', url, headers: { authorization: `Bearer ${bearer}` } })).toBe('accepted')
  })

  it('spends each proof once in the shared replay store, under keys namespaced for the built-in issuer per organization', async () => {
    const shared = createMemoryReplayStore()
    const keys: string[] = []
    const recording: ReplayStore = { remember: (key, ttl) => (keys.push(key), shared.remember(key, ttl)) }
    const r = registry({ replayStore: recording })
    const token = await boundToken()
    const p = await proof(token)
    expect(await outcome(r, asDpop(token, p))).toBe('accepted')
    expect(await outcome(r, asDpop(token, p))).toMatch(/^(400|401) invalid_dpop_proof/)
    expect(keys.length).toBeGreaterThan(0)
    expect(keys.every((k) => k.startsWith('builtin-issuer:org:acme:'))).toBe(true)
    // Another registry instance over the same store (a fleet) refuses the spent proof too.
    const twin = registry({ replayStore: recording })
    expect(await outcome(twin, asDpop(token, p))).toMatch(/^(400|401) invalid_dpop_proof/)
    // The same token for globex is still the wrong organization's token, whatever the proof.
    const forGlobex = await boundToken('globex')
    expect(await outcome(r, asDpop(forGlobex, await proof(forGlobex)), 'acme')).toBe('403 insufficient_scope')
    expect(keys.at(-1)!.startsWith('builtin-issuer:org:acme:')).toBe(true)
  })

  it('asks for a nonce when issuer.dpop.requireNonce is set, then accepts the proof that carries it', async () => {
    const r = registry({}, { mode: 'enabled', requireNonce: true })
    const token = await boundToken()
    const first = await r.verifyRequest(asDpop(token, await proof(token)), { orgId: 'acme' })
    expect(first.ok).toBe(false)
    if (first.ok) return
    expect(first.error.code).toBe('use_dpop_nonce')
    const nonce = first.response.headers['dpop-nonce'] ?? first.response.headers['DPoP-Nonce']
    expect(typeof nonce).toBe('string')
    expect(await outcome(r, asDpop(token, await proof(token, { nonce })))).toBe('accepted')
  })

  it('dpop: false refuses every bound issuer token; a bad dpop section is a RegistryConfigError naming its path', async () => {
    const r = registry({}, false)
    const token = await boundToken()
    expect(await outcome(r, asDpop(token, await proof(token)))).toMatch(/^(400|401) /)
    expect(() => registry({}, { mode: 'sometimes' as never })).toThrow(RegistryConfigError)
    expect(() => registry({}, { mode: 'sometimes' as never })).toThrow(/issuer\.dpop\.mode/)
  })

  it('puts resource_metadata on refusals of issuer tokens, from the verifier and from the organization rules alike', async () => {
    const r = registry()
    const token = await boundToken()
    const badProof = await r.verifyRequest(asDpop(token, await proof(token, { htm: 'POST' })), { orgId: 'acme' })
    const wrongOrg = await r.verifyRequest(asDpop(token, await proof(token)), { orgId: 'globex' })
    for (const v of [badProof, wrongOrg]) {
      expect(v.ok).toBe(false)
      if (!v.ok) expect(v.response.headers['www-authenticate']).toContain(`resource_metadata="${metadataUrl}"`)
    }
  })
})
