// tokenward benchmarks. Every figure is a ratio against a baseline measured in the same process
// run: this machine is shared and noisy, so absolute numbers are context only.
//
//   npm run bench            full rounds, writes bench/RESULTS.md
//   npm run bench -- --quick every scenario briefly (CI runs this so the suite never rots)
import { createPublicKey, verify as cryptoVerify } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { SignJWT, exportJWK, generateKeyPair, importJWK, jwtVerify } from 'jose'
import { createVerifier } from '@tokenward/core'

const quick = process.argv.includes('--quick')
const rounds = quick ? 3 : 9
const roundMs = quick ? 150 : 1000

// A realistic RFC 9068 access token (~900 bytes with an RS256 signature, 3 scopes).
const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
const jwk = { ...(await exportJWK(publicKey)), kid: 'bench-key', alg: 'RS256', use: 'sig' }
const now = Math.floor(Date.now() / 1000)
const mint = (jti) =>
  new SignJWT({
    iss: 'https://idp.bench.test/oauth2/default',
    aud: 'https://api.bench.test',
    sub: 'svc-reporting-7f3a9c',
    client_id: 'svc-reporting-7f3a9c',
    scope: 'zscloud::12345::ReadOnly zscloud::12345::Reporting zscloud::12345::Audit',
    jti,
    iat: now,
    exp: now + 3600,
    ver: 1,
    tenant: 'acme-production-eu-west-1',
  })
    .setProtectedHeader({ alg: 'RS256', kid: 'bench-key', typ: 'at+jwt' })
    .sign(privateKey)
const token = await mint('a3f1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d')
const distinct = await Promise.all(Array.from({ length: 1000 }, (_, i) => mint(`jti-${i}`)))

const server = { name: 'Bench', jwks: { keys: [jwk] }, issuer: 'https://idp.bench.test/oauth2/default', audience: 'https://api.bench.test' }
const organization = { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly'] }
const uncached = createVerifier({ server, organization, cache: false })
const cached = createVerifier({ server, organization })
await uncached.verify(token)
await cached.verify(token)
for (const t of distinct) await cached.verify(t)

const [h, p, s] = token.split('.')
const keyObject = createPublicKey({ key: jwk, format: 'jwk' })
const signingInput = Buffer.from(`${h}.${p}`)
const signature = Buffer.from(s, 'base64url')
const joseKey = await importJWK(jwk, 'RS256')

let sink = 0
const scenarios = {
  'crypto.verify RS256 alone (baseline)': () => {
    sink ^= cryptoVerify('sha256', signingInput, keyObject, signature) ? 1 : 0
  },
  'jose jwtVerify, local key': async () => {
    sink ^= (await jwtVerify(token, joseKey)).payload.exp & 1
  },
  'tokenward verify, cache off': async () => {
    sink ^= (await uncached.verify(token)).expiresAt & 1
  },
  'tokenward verify, cache hit (same token)': async () => {
    sink ^= (await cached.verify(token)).expiresAt & 1
  },
  'tokenward verify, cache hit (1000 distinct tokens)': (() => {
    let i = 0
    return async () => {
      sink ^= (await cached.verify(distinct[i++ % 1000])).expiresAt & 1
    }
  })(),
}

async function opsPerSecond(fn) {
  let n = 0
  const end = performance.now() + roundMs
  while (performance.now() < end) {
    for (let k = 0; k < 50; k++) await fn()
    n += 50
  }
  return (n * 1000) / roundMs
}

const samples = Object.fromEntries(Object.keys(scenarios).map((name) => [name, []]))
for (let r = 0; r < rounds; r++) {
  // Interleave scenarios within each round so drift in machine load hits all of them alike.
  for (const [name, fn] of Object.entries(scenarios)) samples[name].push(await opsPerSecond(fn))
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const baselineName = 'crypto.verify RS256 alone (baseline)'
const baseline = samples[baselineName].map((x, i) => x) // per-round baseline for per-round ratios
const rows = Object.entries(samples).map(([name, xs]) => {
  const ratios = xs.map((x, i) => x / baseline[i])
  return { name, median: median(xs), min: Math.min(...xs), max: Math.max(...xs), ratio: median(ratios), ratioMin: Math.min(...ratios), ratioMax: Math.max(...ratios) }
})
const fmt = (x) => Math.round(x).toLocaleString('en-US')
const table = [
  '| scenario | ops/s median | min | max | × crypto.verify (median, min–max) |',
  '| --- | ---: | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.name} | ${fmt(r.median)} | ${fmt(r.min)} | ${fmt(r.max)} | ${r.ratio.toFixed(2)} (${r.ratioMin.toFixed(2)}–${r.ratioMax.toFixed(2)}) |`),
].join('\n')
const hit = rows.find((r) => r.name.startsWith('tokenward verify, cache hit (same'))
const off = rows.find((r) => r.name === 'tokenward verify, cache off')
const hitVsVerify = hit.ratio
const target = `Target (issue 2): a verified-token cache hit costs under a tenth of an RS256 verification, i.e. ≥ 10× crypto.verify. Measured: ${hitVsVerify.toFixed(1)}× — ${hitVsVerify >= 10 ? 'met' : 'MISSED'}. A miss (cache off) runs at ${off.ratio.toFixed(2)}× crypto.verify.`
console.log(table)
console.log(`\n${target}`)
console.log(`(${rounds} rounds of ${roundMs} ms, Node ${process.version}${quick ? ', --quick' : ''}; sink ${sink})`)
if (!quick) {
  writeFileSync(
    new URL('./RESULTS.md', import.meta.url),
    `# Benchmark results\n\nNode ${process.version}, ${rounds} rounds of ${roundMs} ms, scenarios interleaved per round; ratios are per round against \`crypto.verify\` in the same round.\n\n${table}\n\n${target}\n`,
  )
}
await uncached.close()
await cached.close()
