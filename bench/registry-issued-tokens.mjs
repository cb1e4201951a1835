// Registry verifier hot path with the built-in issuer option: cached bearer tokens of an
// organization's own server, without and with `issuer` set (the per-request routing by `iss`),
// and built-in-issuer tokens; µs per call in alternating rounds, the median round's ratios.
// Run: npm run build:packages && node bench/registry-issued-tokens.mjs
import { createRegistryVerifier, createInMemoryOrganizationStore } from '@tokenward/registry'
import { defineAuthorizationServer } from '@tokenward/core'
import { SignJWT, exportJWK, generateKeyPair } from 'jose'

const { privateKey, publicKey } = await generateKeyPair('ES256')
const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }
const issuerKey = await generateKeyPair('ES256')
const issuerJwk = { ...(await exportJWK(issuerKey.publicKey)), kid: 'i1', alg: 'ES256', use: 'sig' }
const now = Math.floor(Date.now() / 1000)
const org = {
  orgId: 'acme', cloud: 'zscloud', cloudDomain: 'zscloud.net', apiRoles: { ReadOnly: ['r'] }, subscriptionValidUntil: now + 86400, suspension: undefined,
  authorizationServers: [defineAuthorizationServer({ name: 'Okta1', jwks: { keys: [jwk] }, issuer: 'https://okta.test', audience: 'api://x' })], revision: 1,
  apiClients: [{ clientId: 'ci', name: 'CI', description: '', enabled: true, roles: ['ReadOnly'], authentication: { method: 'private_key_jwt', publicKey: issuerJwk }, createdAt: now, updatedAt: now }],
}
const serverToken = await new SignJWT({ scope: 'zscloud::acme::ReadOnly', client_id: 'c' }).setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' }).setIssuer('https://okta.test').setAudience('api://x').setIssuedAt(now).setExpirationTime(now + 3600).sign(privateKey)
const issuedToken = await new SignJWT({ scope: 'zscloud::acme::ReadOnly', client_id: 'ci', sub: 'ci', jti: 'x' }).setProtectedHeader({ alg: 'ES256', kid: 'i1', typ: 'at+jwt' }).setIssuer('https://auth.test').setAudience('https://auth.test').setIssuedAt(now).setExpirationTime(now + 3600).sign(issuerKey.privateKey)
const make = (withIssuer) => createRegistryVerifier({ store: createInMemoryOrganizationStore([org]), keyRefresh: false, ...(withIssuer ? { issuer: { issuer: 'https://auth.test', jwks: { keys: [issuerJwk] } } } : {}) })
const run = async (v, token, n) => {
  const req = { method: 'GET', url: 'https://api.test/r', headers: { authorization: `Bearer ${token}` } }
  const t = performance.now()
  for (let i = 0; i < n; i++) { const r = await v.verifyRequest(req, { orgId: 'acme' }); if (!r.ok) throw new Error(r.error.code) }
  return (performance.now() - t) / n
}
const base = make(false), withIssuer = make(true)
for (const v of [base, withIssuer]) await run(v, serverToken, 2000)
const rounds = []
for (let round = 0; round < 5; round++) {
  const a = await run(base, serverToken, 20000)
  const b = await run(withIssuer, serverToken, 20000)
  const c = await run(withIssuer, issuedToken, 20000)
  rounds.push([a, b, c])
}
rounds.sort((x, y) => x[1] / x[0] - y[1] / y[0])
const [a, b, c] = rounds[2]
console.log(JSON.stringify({ usPerCall: { serverTokenNoIssuerOption: +(a * 1000).toFixed(2), serverTokenWithIssuerOption: +(b * 1000).toFixed(2), issuedTokenWithIssuerOption: +(c * 1000).toFixed(2) }, ratioServerWithVsWithout: +(b / a).toFixed(2), ratioIssuedVsServerBaseline: +(c / a).toFixed(2) }))
await base.close(); await withIssuer.close()
