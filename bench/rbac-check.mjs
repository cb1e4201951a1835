// RBAC check cost on the hot path: verifyRequestNow for a cached token (the common case), in the
// same process and alternating rounds, (a) any API role (the default answer, the baseline),
// (b) a per-route resource category, (c) a 12-route API resource table matched on every request.
// The answer is the median ratio of CPU time per request against (a).
// Run: npm run build:packages && node bench/rbac-check.mjs
import { SignJWT, exportJWK, generateKeyPair } from 'jose'
import { createVerifier, defineApiResources } from '@tokenward/core'

const { privateKey, publicKey } = await generateKeyPair('ES256')
const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }
const apiRoleCategories = { ReadOnly: ['reports'], Admin: ['reports', 'policies', 'users', 'audit'] }
const organization = { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: Object.keys(apiRoleCategories), apiRoleCategories }
const rows = ['reports', 'policies', 'users', 'audit'].map((category) => ({
  category,
  routes: [
    { method: 'GET', path: `/orgs/{orgId}/${category}` },
    { method: 'GET', path: `/orgs/{orgId}/${category}/{id}` },
    { method: 'DELETE', path: `/orgs/{orgId}/${category}/{id}` },
  ],
}))
const resources = defineApiResources(rows)
const server = { name: 'Bench', jwks: { keys: [jwk] }, issuer: 'https://idp.test' }
const now = Math.floor(Date.now() / 1000)
const token = await new SignJWT({ client_id: 'c1', scope: 'zscloud::12345::ReadOnly', iss: 'https://idp.test', iat: now, exp: now + 3600 })
  .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
  .sign(privateKey)
const request = { method: 'GET', url: 'https://api.example.com/orgs/12345/reports/42?x=1', headers: { authorization: `Bearer ${token}` } }

const variants = {
  anyRole: { verifier: createVerifier({ server, organization }), options: undefined },
  resource: { verifier: createVerifier({ server, organization }), options: { resource: 'reports' } },
  table: { verifier: createVerifier({ server, organization, resources }), options: undefined },
}
for (const { verifier, options } of Object.values(variants)) {
  for (let i = 0; i < 5; i++) {
    const v = await verifier.verifyRequest(request, options)
    if (!v.ok) throw new Error(`refused: ${v.error.code}`)
  }
}
const perRound = 50_000
const rounds = 9
const times = { anyRole: [], resource: [], table: [] }
for (let r = 0; r < rounds; r++) {
  for (const [name, { verifier, options }] of Object.entries(variants)) {
    const start = process.cpuUsage()
    for (let i = 0; i < perRound; i++) {
      const v = verifier.verifyRequestNow(request, options)
      if (v instanceof Promise || !v.ok) throw new Error('not a synchronous acceptance')
    }
    const used = process.cpuUsage(start)
    times[name].push(((used.user + used.system) * 1000) / perRound)
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const base = median(times.anyRole)
console.log(JSON.stringify({
  nsPerRequest: { anyRole: Math.round(base), resource: Math.round(median(times.resource)), table: Math.round(median(times.table)) },
  ratioToAnyRole: { resource: +(median(times.resource) / base).toFixed(2), table: +(median(times.table) / base).toFixed(2) },
}))
await Promise.all(Object.values(variants).map(({ verifier }) => verifier.close()))
