// DPoP check cost: tokenward's checkSenderConstraint against a hand-written minimal DPoP check
// (split, JSON.parse, import the proof's key, verify, ath and thumbprint hashes, a jti set), both
// on WebCrypto, measured in the same process as CPU time per proof, in alternating rounds; the
// answer is the median ratio (tokenward / minimal), with and without tokenward's key memo.
// Run: npm run build:packages && node bench/dpop-check.mjs
import { CompactSign, exportJWK, generateKeyPair } from 'jose'
import { checkSenderConstraint, createDpopKeyMemo, createMemoryReplayStore, defineDpopConfig, jwkThumbprint } from '@tokenward/core'

const url = 'https://api.example.test/orders'
const accessToken = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'
const now = Math.floor(Date.now() / 1000)
const te = new TextEncoder()
const b64u = (bytes) => Buffer.from(bytes).toString('base64url')
const { privateKey, publicKey } = await generateKeyPair('ES256')
const jwk = await exportJWK(publicKey)
const jkt = await jwkThumbprint(jwk)
const ath = b64u(await crypto.subtle.digest('SHA-256', te.encode(accessToken)))
const rounds = 8
const perRound = 300
const proofs = []
for (let i = 0; i < (rounds + 1) * perRound * 2 * 2; i++) {
  const payload = { jti: `j${i}`, htm: 'GET', htu: url, iat: now, ath }
  proofs.push(await new CompactSign(te.encode(JSON.stringify(payload))).setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk }).sign(privateKey))
}
let next = 0
const take = () => proofs.slice(next, (next += perRound))

const webSignature = {
  name: 'bench-webcrypto',
  async importKey(key, alg) {
    return { alg, handle: await crypto.subtle.importKey('jwk', { kty: key.kty, crv: key.crv, x: key.x, y: key.y }, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']) }
  },
  verify: (key, data, signature) => crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key.handle, signature, data),
}

const seen = new Set()
async function minimal(proof) {
  const [h, p, s] = proof.split('.')
  const header = JSON.parse(Buffer.from(h, 'base64url').toString())
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString())
  if (header.typ !== 'dpop+jwt' || header.alg !== 'ES256' || claims.htm !== 'GET' || claims.htu !== url || Math.abs(now - claims.iat) > 120) return false
  const key = await crypto.subtle.importKey('jwk', header.jwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify'])
  if (!(await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, Buffer.from(s, 'base64url'), te.encode(`${h}.${p}`)))) return false
  if (claims.ath !== b64u(await crypto.subtle.digest('SHA-256', te.encode(accessToken)))) return false
  const { crv, kty, x, y } = header.jwk
  if (b64u(await crypto.subtle.digest('SHA-256', te.encode(JSON.stringify({ crv, kty, x, y })))) !== jkt) return false
  if (seen.has(claims.jti)) return false
  seen.add(claims.jti)
  return true
}

const tokenward = (keyMemo) => {
  const config = { dpop: defineDpopConfig({ mode: 'enabled' }) }
  const replayStore = createMemoryReplayStore()
  return async (proof) =>
    (await checkSenderConstraint({ config, request: { method: 'GET', url, headers: { dpop: proof } }, scheme: 'DPoP', accessToken, cnf: { jkt }, now, replayStore, signature: webSignature, keyMemo })).ok
}

async function perSecond(check, list) {
  const start = process.cpuUsage()
  for (const proof of list) if (!(await check(proof))) throw new Error('a sound proof was refused')
  const used = process.cpuUsage(start)
  return list.length / ((used.user + used.system) / 1e6)
}

async function compare(name, candidate) {
  await perSecond(minimal, take())
  await perSecond(candidate, take())
  const ratios = []
  for (let r = 0; r < rounds; r++) {
    const [a, b] = [take(), take()]
    if (r % 2 === 0) {
      const m = await perSecond(minimal, a)
      ratios.push((await perSecond(candidate, b)) / m)
    } else {
      const t = await perSecond(candidate, b)
      ratios.push(t / (await perSecond(minimal, a)))
    }
  }
  ratios.sort((x, y) => x - y)
  console.log(JSON.stringify({ case: name, medianRatio: +((ratios[rounds / 2 - 1] + ratios[rounds / 2]) / 2).toFixed(2), ratios: ratios.map((x) => +x.toFixed(2)) }))
}

await compare('tokenward with key memo / minimal', tokenward(createDpopKeyMemo(64)))
await compare('tokenward without key memo / minimal', tokenward(undefined))
