// Micro benchmark: verifications per second on one pinned core, in one process, per algorithm.
//
// What it measures: the CPU cost of accepting one valid access token, for tokenward (cache off,
// cache hit on one token, cache hits across 1,000 distinct tokens) and its peers, against the
// hand-written verifier (the physical limit) and `crypto.verify` alone. All cases are interleaved
// within each round, and every ratio is taken per round against the hand-written verifier of the
// same round, so machine noise cancels out.
//
// For EdDSA (cheap to mint in bulk) two more cases verify tokens that never repeat, with the
// default cache and with `cache: false`: what the cache costs when it never hits (its misses, its
// admission bookkeeping and whatever it retains). Each verifier gets its own stream of fresh
// tokens; a stream that runs dry fails the scenario rather than measure repeats.
import { createPublicKey, verify as cryptoVerify } from 'node:crypto'
import { startJwksServer } from '../lib/jwks-server.mjs'
import { settings } from '../lib/mode.mjs'
import { startIntrospectionServer } from '../lib/introspection-server.mjs'
import { awsVerifier, fastJwtVerifier, joseLocalVerifier, joseRemoteVerifier, tokenwardIntrospectionVerifier, tokenwardVerifier } from '../lib/peers.mjs'
import { mintInParallel } from '../lib/mint-pool.mjs'
import { runAsChild } from '../lib/processes.mjs'
import { createRawVerifier } from '../lib/raw-verifier.mjs'
import { ratioSummary, sampleInterleaved, summarize } from '../lib/sampling.mjs'
import { algorithms, audience, createSigningKey, issuer, mintAccessToken, nodeAlgorithms } from '../lib/tokens.mjs'

const baselineCase = 'hand-written verifier'
const cryptoVerifyCase = 'crypto.verify alone'
const freshTokensAlgorithm = 'EdDSA'
const freshOffCase = 'tokenward, cache off, every token new'
const freshOnCase = 'tokenward, default cache, every token new'
const introspectionHitCase = 'tokenward introspection cache hit, opaque token'
const introspectionAlgorithm = 'RS256'

let sink = 0
const consume = (value) => {
  sink = (sink + (value === undefined ? 0 : 1)) | 0
}

/** `crypto.verify` of one token's signature with a pre-imported KeyObject: nothing else. */
function cryptoVerifyAlone(key, token) {
  const { hash, dsaEncoding } = nodeAlgorithms[key.alg]
  const publicKey = createPublicKey({ key: key.jwk, format: 'jwk' })
  const verifyKey = dsaEncoding === undefined ? publicKey : { key: publicKey, dsaEncoding }
  const cut = token.lastIndexOf('.')
  const signingInput = Buffer.from(token.slice(0, cut))
  const signature = Buffer.from(token.slice(cut + 1), 'base64url')
  return () => {
    if (!cryptoVerify(hash, signingInput, verifyKey, signature)) throw new Error('crypto.verify failed')
  }
}

/** Each token of `tokens` once, one per call; throws when they run out (a repeat is not a miss). */
function once(tokens, verify) {
  let i = 0
  return () => {
    if (i === tokens.length) throw new Error(`the ${tokens.length} fresh tokens ran out: raise settings.micro.freshTokens`)
    return verify(tokens[i++])
  }
}

/** Cycles through `tokens`, one per call. */
function cycling(tokens, verify) {
  let i = 0
  return () => verify(tokens[i++ % tokens.length])
}

/** The status of the default-cache verifier fed only new tokens (what its cache kept). */
let freshCacheStatus

/** The cases of one algorithm: name → `{ fn, async }`. Each is checked once before sampling. */
async function casesFor(alg, servers, closers) {
  const key = createSigningKey(alg)
  const token = mintAccessToken(key, 'a3f1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d')
  const distinct = Array.from({ length: settings.micro.distinctTokens }, (_, i) => mintAccessToken(key, `distinct-${i}`))
  const jwksServer = await startJwksServer({ keys: [key.jwk] })
  servers.push(jwksServer)

  const raw = createRawVerifier({ jwks: { keys: [key.jwk] }, issuer, audience })
  const joseLocal = await joseLocalVerifier(key.jwk)
  const joseRemote = joseRemoteVerifier(jwksServer.url)
  const aws = awsVerifier({ jwk: key.jwk })
  const fast = fastJwtVerifier(key.jwk)
  // Separate cached instances per case: fast-jwt's cache holds exactly 1,000 tokens, so one shared
  // instance would thrash (1,001 tokens in rotation) and measure misses.
  const fastSame = fastJwtVerifier(key.jwk, { cache: true })
  const fastDistinct = fastJwtVerifier(key.jwk, { cache: true })
  const twOff = tokenwardVerifier({ jwk: key.jwk, cache: false })
  // Holds the 1,000 distinct tokens and the single one: a server's cache is rarely empty.
  const twCached = tokenwardVerifier({ jwk: key.jwk })
  // Holds only the single token: shows what the size of the cache does to a hot token's hits.
  const twOnly = tokenwardVerifier({ jwk: key.jwk })
  closers.push(twOff.close, twCached.close, twOnly.close)

  const sync = (fn) => ({ fn: () => consume(fn()), async: false })
  const async = (fn) => ({ fn: async () => consume(await fn()), async: true })
  const cases = {
    [cryptoVerifyCase]: sync(cryptoVerifyAlone(key, token)),
    [baselineCase]: sync(() => raw(token)),
    'jose jwtVerify, local key': async(() => joseLocal.verify(token)),
    'jose jwtVerify, createRemoteJWKSet': async(() => joseRemote.verify(token)),
    'aws-jwt-verify verify': async(() => aws.verify(token)),
    'aws-jwt-verify verifySync': sync(() => aws.verifySync(token)),
    'fast-jwt, no cache': sync(() => fast.verify(token)),
    'fast-jwt cache, same token': sync(() => fastSame.verify(token)),
    'fast-jwt cache, 1000 distinct': sync(cycling(distinct, fastDistinct.verify)),
    'tokenward, cache off': async(() => twOff.verify(token)),
    'tokenward cache hit, same token': async(() => twCached.verify(token)),
    'tokenward cache hit, same token, only entry': async(() => twOnly.verify(token)),
    'tokenward cache hit, 1000 distinct': async(cycling(distinct, twCached.verify)),
  }
  if (alg === freshTokensAlgorithm) {
    // Two disjoint streams, so neither verifier ever sees a token twice.
    const fresh = await mintInParallel(key, 2 * settings.micro.freshTokens, { prefix: 'fresh' })
    const twFreshOff = tokenwardVerifier({ jwk: key.jwk, cache: false })
    const twFreshOn = tokenwardVerifier({ jwk: key.jwk })
    closers.push(twFreshOff.close, twFreshOn.close)
    cases[freshOffCase] = async(once(fresh.slice(0, settings.micro.freshTokens), twFreshOff.verify))
    cases[freshOnCase] = async(once(fresh.slice(settings.micro.freshTokens), twFreshOn.verify))
    freshCacheStatus = () => twFreshOn.verifier.status()
  }
  if (alg === introspectionAlgorithm) {
    // An opaque token whose introspection answer is cached: what a hit costs (hashing the token
    // with the server's identity, a map lookup, the authorize stage).
    const as = await startIntrospectionServer()
    servers.push(as)
    const twOpaque = tokenwardIntrospectionVerifier({ endpoint: as.url })
    closers.push(twOpaque.close)
    const opaque = 'Zm9vYmFyLW9wYXF1ZS1hY2Nlc3MtdG9rZW4tMDEyMzQ1Njc4OQ'
    await twOpaque.verify(opaque)
    if (!(await twOpaque.verify(opaque)).fromCache || as.requests !== 1) throw new Error('the introspection cache hit case is not served from the cache')
    cases[introspectionHitCase] = async(() => twOpaque.verify(opaque))
  }
  // Fill the caches (tokenward's takes a token on its second verification), then prove every case
  // accepts its token (a refusal would be measured as fast).
  for (const t of distinct) {
    for (const _ of [1, 2]) await twCached.verify(t)
    fastDistinct.verify(t)
  }
  for (const _ of [1, 2]) {
    await twCached.verify(token)
    await twOnly.verify(token)
  }
  for (const [name, { fn }] of Object.entries(cases)) {
    try {
      await fn()
    } catch (error) {
      throw new Error(`${alg} / ${name} refused a valid token`, { cause: error })
    }
  }
  for (const t of [token, distinct[0]]) {
    if (!(await twCached.verify(t)).fromCache) throw new Error(`${alg}: tokenward cache hit case is not served from the cache`)
  }
  return { tokenBytes: token.length, cases }
}

runAsChild(async () => {
  const servers = []
  const closers = []
  try {
    const perAlgorithm = {}
    const operations = {}
    for (const alg of algorithms) {
      perAlgorithm[alg] = await casesFor(alg, servers, closers)
      for (const [name, operation] of Object.entries(perAlgorithm[alg].cases)) operations[`${alg}|${name}`] = operation
    }
    const samples = await sampleInterleaved(operations, settings.micro)

    const result = { settings: settings.micro, algorithms: {} }
    for (const alg of algorithms) {
      const baseline = samples[`${alg}|${baselineCase}`]
      result.algorithms[alg] = {
        tokenBytes: perAlgorithm[alg].tokenBytes,
        rows: Object.keys(perAlgorithm[alg].cases).map((name) => ({
          name,
          opsPerSecond: summarize(samples[`${alg}|${name}`]),
          vsBaseline: ratioSummary(samples[`${alg}|${name}`], baseline),
        })),
      }
    }
    // The cache-hit target compares against one RS256 signature check, whatever the token's algorithm.
    const rs256Verify = samples[`RS256|${cryptoVerifyCase}`]
    result.cacheHitVsRs256CryptoVerify = {
      sameToken: ratioSummary(samples['RS256|tokenward cache hit, same token'], rs256Verify),
      distinct: ratioSummary(samples['RS256|tokenward cache hit, 1000 distinct'], rs256Verify),
      introspection: ratioSummary(samples[`${introspectionAlgorithm}|${introspectionHitCase}`], rs256Verify),
    }
    // What the default cache costs when no token ever repeats: cache on / cache off, per round.
    result.cacheOnVsOffEveryTokenNew = ratioSummary(
      samples[`${freshTokensAlgorithm}|${freshOnCase}`],
      samples[`${freshTokensAlgorithm}|${freshOffCase}`],
    )
    // Deterministic where the ratio is noisy: how many verifications that cache retained.
    result.cacheEntriesKeptEveryTokenNew = (await freshCacheStatus()).cachedTokens
    result.sink = sink
    return result
  } finally {
    await Promise.all(closers.map((close) => close()))
    await Promise.all(servers.map((server) => server.close()))
  }
})
