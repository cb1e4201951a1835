// DPoP benchmark (RFC 9449): the CPU cost of accepting one DPoP request whose access token is
// already known, on one pinned core, in one process, three ways in the same run:
//
//   hand-written          the minimal check a careful developer would write with node:crypto and
//                         a verified-token Map: look the token up, split and parse the proof,
//                         import its key, verify its ES256 signature, compare htm/htu/iat, hash the
//                         access token for `ath`, hash the key for the thumbprint, remember the jti.
//                         The baseline every ratio is taken against.
//   tokenward             `createVerifier({ server: { dpop: { mode: 'enabled' } } }).verifyRequest`
//                         with the token in its verified-token cache (a cache hit), so what is left
//                         is the proof: the budget is one proof-signature verification and
//                         one hash beyond a cache hit. Its replay store and key memo are the defaults.
//   express-oauth2-jwt-bearer
//                         auth0's `auth({ dpop: { enabled: true } })` middleware, called with the
//                         request fields it reads. It has no verified-token cache, so it verifies the
//                         access token's signature on every request too, and it does not remember
//                         jtis (no replay check): context, not a like-for-like peer.
//
// Each request carries a fresh proof (new jti) for the same key and token. All three run on the
// same list of proofs in each round (each keeps its own replay state), interleaved with the order
// reversed every other round; the figure is requests per CPU second of this process, and the
// ratios are per round against the hand-written check.
import { createHash, createPublicKey, generateKeyPairSync, randomUUID, sign, verify } from 'node:crypto'
import { createVerifier } from '@tokenward/core'
import { auth } from 'express-oauth2-jwt-bearer'
import { settings } from '../lib/mode.mjs'
import { runAsChild } from '../lib/processes.mjs'
import { inRoundOrder, ratioSummary, summarize } from '../lib/sampling.mjs'
import { accessTokenClaims, audience, createSigningKey, issuer } from '../lib/tokens.mjs'

const host = 'api.bench.test'
const path = '/orders'
const url = `https://${host}${path}`
const b64url = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')
const sha256 = (input) => createHash('sha256').update(input).digest('base64url')

/** The client's DPoP key pair (ES256) and its RFC 7638 thumbprint. */
function makeDpopKey() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const { crv, kty, x, y } = publicKey.export({ format: 'jwk' })
  return { privateKey, jwk: { kty, crv, x, y }, jkt: sha256(JSON.stringify({ crv, kty, x, y })) }
}

/** An RFC 9068 access token bound to `jkt`, signed by the AS key. */
function boundAccessToken(asKey, jkt) {
  const input = `${b64url({ alg: 'ES256', kid: asKey.kid, typ: 'at+jwt' })}.${b64url({ ...accessTokenClaims(randomUUID()), cnf: { jkt } })}`
  return `${input}.${sign('sha256', Buffer.from(input), { key: asKey.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`
}

function proofs(dpopKey, accessToken, count) {
  const ath = sha256(accessToken)
  const header = b64url({ typ: 'dpop+jwt', alg: 'ES256', jwk: dpopKey.jwk })
  const iat = Math.floor(Date.now() / 1000)
  return Array.from({ length: count }, () => {
    const input = `${header}.${b64url({ jti: randomUUID(), htm: 'GET', htu: url, iat, ath })}`
    return `${input}.${sign('sha256', Buffer.from(input), { key: dpopKey.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`
  })
}

/** The hand-written minimal check: a Map of verified tokens, then the proof. */
function handWritten(accessToken, claims) {
  const verified = new Map([[accessToken, claims]])
  const seen = new Set()
  return (token, proof) => {
    const known = verified.get(token)
    const now = Math.floor(Date.now() / 1000)
    if (known === undefined || known.exp <= now) return false
    const [h, p, s] = proof.split('.')
    const header = JSON.parse(Buffer.from(h, 'base64url').toString())
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString())
    if (header.typ !== 'dpop+jwt' || header.alg !== 'ES256' || payload.htm !== 'GET' || payload.htu !== url || Math.abs(now - payload.iat) > 120) return false
    const key = createPublicKey({ key: header.jwk, format: 'jwk' })
    if (!verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'))) return false
    if (payload.ath !== sha256(token)) return false
    const { crv, kty, x, y } = header.jwk
    if (sha256(JSON.stringify({ crv, kty, x, y })) !== known.cnf.jkt) return false
    if (seen.has(payload.jti)) return false
    seen.add(payload.jti)
    return true
  }
}

function tokenward(asKey) {
  const verifier = createVerifier({ server: { name: 'BenchDpop', jwks: { keys: [asKey.jwk] }, issuer, audience, dpop: { mode: 'enabled' } } })
  return {
    check: async (token, proof) => (await verifier.verifyRequest({ method: 'GET', url, headers: { authorization: `DPoP ${token}`, dpop: proof } })).ok,
    close: () => verifier.close(),
  }
}

function auth0(asKey) {
  const middleware = auth({
    issuer,
    audience,
    publicKey: createPublicKey({ key: asKey.jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }),
    tokenSigningAlg: 'ES256',
    dpop: { enabled: true },
  })
  return (token, proof) => {
    const headers = { host, authorization: `DPoP ${token}`, dpop: proof }
    const req = { headers, query: {}, body: undefined, method: 'GET', protocol: 'https', originalUrl: path, get: (name) => headers[name.toLowerCase()], is: () => false }
    return new Promise((resolve) => middleware(req, {}, (error) => resolve(error === undefined && req.auth !== undefined)))
  }
}

/** Requests per CPU second of this process over `list`, every one awaited; a refusal fails the run. */
async function perCpuSecond(name, check, token, list) {
  const start = process.cpuUsage()
  for (const proof of list) if (!(await check(token, proof))) throw new Error(`${name} refused a sound DPoP request`)
  const used = process.cpuUsage(start)
  return list.length / ((used.user + used.system) / 1e6)
}

runAsChild(async () => {
  const { rounds, perRound } = settings.dpop
  const asKey = createSigningKey('ES256', 'bench-dpop-as')
  const dpopKey = makeDpopKey()
  const accessToken = boundAccessToken(asKey, dpopKey.jkt)
  const claims = JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString())
  const tw = tokenward(asKey)
  const candidates = { 'hand-written': handWritten(accessToken, claims), tokenward: tw.check, 'express-oauth2-jwt-bearer': auth0(asKey) }
  try {
    // Warm-up: every candidate's code paths compiled; tokenward's token cached.
    const warm = proofs(dpopKey, accessToken, perRound)
    for (const [name, check] of Object.entries(candidates)) await perCpuSecond(name, check, accessToken, warm)
    const samples = Object.fromEntries(Object.keys(candidates).map((name) => [name, []]))
    for (let round = 0; round < rounds; round++) {
      const list = proofs(dpopKey, accessToken, perRound)
      for (const [name, check] of inRoundOrder(Object.entries(candidates), round)) samples[name].push(await perCpuSecond(name, check, accessToken, list))
    }
    // Refusals are real: a replayed proof and another key's proof are refused by tokenward.
    const replayed = await tw.check(accessToken, warm[0])
    const other = makeDpopKey()
    const otherKey = await tw.check(accessToken, proofs(other, accessToken, 1)[0])
    if (replayed || otherKey) throw new Error('tokenward accepted a replayed proof or another key')
    // Recorded, not assumed: whether auth0's middleware accepts a proof it has already seen.
    const auth0AcceptsReplay = await candidates['express-oauth2-jwt-bearer'](accessToken, warm[0])
    return {
      settings: { rounds, perRound },
      auth0AcceptsReplay,
      requestsPerCpuSecond: Object.fromEntries(Object.entries(samples).map(([name, s]) => [name, summarize(s)])),
      tokenwardVsHandWritten: ratioSummary(samples.tokenward, samples['hand-written']),
      auth0VsHandWritten: ratioSummary(samples['express-oauth2-jwt-bearer'], samples['hand-written']),
      tokenwardVsAuth0: ratioSummary(samples.tokenward, samples['express-oauth2-jwt-bearer']),
    }
  } finally {
    await tw.close()
  }
})
