// JWKS herd: what a burst of concurrent verifications does to the authorization server's JWKS
// endpoint, and whether valid requests get through, for every library that fetches keys itself.
//
//   (a) cold       a fresh verifier receives N concurrent valid tokens: one fetch is enough.
//   (b) rotation   the provider publishes a new key a few seconds after the verifier's last fetch
//                  and starts signing with it: N concurrent tokens with the new kid. One fetch is
//                  enough, and every one of them is valid.
//   (c) forged     N concurrent forged tokens, each with a distinct unknown kid: at most one fetch
//                  per cooldown window, and every request answered promptly.
//   (d) flood, then rotation
//                  forged tokens with distinct unknown kids arrive in bursts for several seconds;
//                  shortly after the flood starts the provider rotates to a new key, and a token
//                  signed with it is tried every tick until accepted. The JWKS server sends ETags
//                  and answers 304 to a matching If-None-Match (as most providers' CDNs do). Target:
//                  the rotation accepted within 5 s while the flood costs at most one fetch per
//                  5 s, and the new key's token refused at once (never held) until then. Every
//                  library floods its own server at the same time, to keep the run short.
//
// Each library gets its own JWKS server (which counts requests and answers after a network-like
// delay) and a fresh verifier per case. Every verification is bounded by a timeout; one that has
// not settled by then counts as "hung".
import { startJwksServer } from '../lib/jwks-server.mjs'
import { settings } from '../lib/mode.mjs'
import { auth0Verifier, awsVerifier, joseRemoteVerifier, tokenwardVerifier } from '../lib/peers.mjs'
import { runAsChild } from '../lib/processes.mjs'
import { createSigningKey, forgeToken, mintAccessToken } from '../lib/tokens.mjs'

const libraries = {
  tokenward: (url) => tokenwardVerifier({ jwksUrl: url }),
  'jose createRemoteJWKSet': (url) => joseRemoteVerifier(url),
  'aws-jwt-verify': (url) => awsVerifier({ jwksUrl: url }),
  'express-oauth2-jwt-bearer': (url) => auth0Verifier(url),
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Settles `verify(token)` within `timeoutMs`: accepted, refused (with the error's name) or hung. */
async function settle(verify, token, timeoutMs) {
  const started = performance.now()
  let timer
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ outcome: 'hung' }), timeoutMs)
  })
  const attempt = Promise.resolve()
    .then(() => verify(token))
    .then(
      () => ({ outcome: 'accepted' }),
      (error) => ({ outcome: 'refused', reason: error?.code ?? error?.constructor?.name ?? 'Error' }),
    )
  const settled = await Promise.race([attempt, timeout])
  clearTimeout(timer)
  return { ...settled, ms: performance.now() - started }
}

/** Fires every token at once and tallies the outcomes. */
async function burst(verify, tokens) {
  const outcomes = await Promise.all(tokens.map((token) => settle(verify, token, settings.herd.settleTimeoutMs)))
  const count = (outcome) => outcomes.filter((o) => o.outcome === outcome).length
  const reasons = {}
  for (const o of outcomes) if (o.reason !== undefined) reasons[o.reason] = (reasons[o.reason] ?? 0) + 1
  return {
    accepted: count('accepted'),
    refused: count('refused'),
    hung: count('hung'),
    reasons,
    slowestMs: Math.max(...outcomes.map((o) => o.ms)),
  }
}

/**
 * (d) for one library: forged bursts every tick for `durationMs`, the server rotating to `newKey`
 * `rotateAfterMs` in, and `rotatedToken` tried once per tick until it is accepted.
 */
async function floodThenRotation({ server, verifier }, { oldKey, newKey, rotatedToken }) {
  const { durationMs, rotateAfterMs, burst: perTick, tickMs } = settings.herd.flood
  const timeoutMs = settings.herd.settleTimeoutMs
  const started = performance.now()
  let rotatedAt
  let acceptedAfterMs
  let forged = 0
  let forgedAccepted = 0
  let hung = 0
  let slowestForgedMs = 0
  const refusals = { count: 0, slowestMs: 0, reasons: {} }
  while (performance.now() - started < durationMs) {
    const tickStarted = performance.now()
    if (rotatedAt === undefined && tickStarted - started >= rotateAfterMs) {
      server.setKeys([newKey.jwk, oldKey.jwk])
      rotatedAt = tickStarted
    }
    const tokens = Array.from({ length: perTick }, () => forgeToken(oldKey, `flood-${forged++}`, { unknownKid: true }))
    const probe = rotatedAt !== undefined && acceptedAfterMs === undefined ? settle(verifier.verify, rotatedToken, timeoutMs) : undefined
    for (const o of await Promise.all(tokens.map((token) => settle(verifier.verify, token, timeoutMs)))) {
      if (o.outcome === 'accepted') forgedAccepted++
      if (o.outcome === 'hung') hung++
      slowestForgedMs = Math.max(slowestForgedMs, o.ms)
    }
    const answer = await probe
    if (answer !== undefined) {
      if (answer.outcome === 'accepted') acceptedAfterMs = tickStarted + answer.ms - rotatedAt
      else {
        if (answer.outcome === 'hung') hung++
        refusals.count++
        refusals.slowestMs = Math.max(refusals.slowestMs, answer.ms)
        refusals.reasons[answer.reason ?? 'hung'] = (refusals.reasons[answer.reason ?? 'hung'] ?? 0) + 1
      }
    }
    await sleep(Math.max(0, tickMs - (performance.now() - tickStarted)))
  }
  const floodSeconds = (performance.now() - started) / 1000
  return {
    floodSeconds,
    rotatedAfterSeconds: (rotatedAt - started) / 1000,
    acceptedAfterSeconds: acceptedAfterMs === undefined ? undefined : acceptedAfterMs / 1000,
    fetches: server.fetches,
    notModified: server.notModified,
    forged,
    forgedAccepted,
    hung,
    slowestForgedMs,
    rotatedRefusals: refusals,
  }
}

runAsChild(async () => {
  const { concurrency, rotationDelayMs, jwksLatencyMs } = settings.herd
  const oldKey = createSigningKey('RS256', 'bench-rs256-1')
  const newKey = createSigningKey('RS256', 'bench-rs256-2')
  const valid = Array.from({ length: concurrency }, (_, i) => mintAccessToken(oldKey, `cold-${i}`))
  const rotated = Array.from({ length: concurrency }, (_, i) => mintAccessToken(newKey, `rotated-${i}`))
  const forged = Array.from({ length: concurrency }, (_, i) => forgeToken(oldKey, `forged-${i}`, { unknownKid: true }))
  const warmToken = mintAccessToken(oldKey, 'warm')

  // One JWKS server and verifier per library and case; all closed at the end.
  const opened = []
  const setUp = async (library, { etag = false } = {}) => {
    const server = await startJwksServer({ keys: [oldKey.jwk], latencyMs: jwksLatencyMs, etag })
    const verifier = libraries[library](server.url)
    opened.push({ server, verifier })
    return { server, verifier }
  }
  /** A verifier that has fetched the keys once (through a valid token), with the count reset. */
  const warmed = async (library, options) => {
    const setup = await setUp(library, options)
    await setup.verifier.verify(warmToken)
    setup.server.resetCount()
    setup.warmedAt = performance.now()
    return setup
  }

  try {
    const results = {}
    for (const library of Object.keys(libraries)) results[library] = {}

    for (const library of Object.keys(libraries)) {
      const { server, verifier } = await setUp(library)
      results[library].cold = { ...(await burst(verifier.verify, valid)), fetches: server.fetches }
    }

    // Rotation: warm every library, wait once, then rotate and burst each in turn.
    const rotations = {}
    for (const library of Object.keys(libraries)) rotations[library] = await warmed(library)
    await sleep(rotationDelayMs)
    for (const library of Object.keys(libraries)) {
      const { server, verifier, warmedAt } = rotations[library]
      server.setKeys([newKey.jwk, oldKey.jwk])
      const secondsAfterFetch = (performance.now() - warmedAt) / 1000
      results[library].rotation = { ...(await burst(verifier.verify, rotated)), fetches: server.fetches, secondsAfterFetch }
    }

    for (const library of Object.keys(libraries)) {
      const { server, verifier } = await warmed(library)
      results[library].forged = { ...(await burst(verifier.verify, forged)), fetches: server.fetches }
    }

    const floods = {}
    for (const library of Object.keys(libraries)) floods[library] = await warmed(library, { etag: true })
    const rotatedToken = mintAccessToken(newKey, 'rotated-flood')
    const outcomes = await Promise.all(Object.keys(libraries).map((library) => floodThenRotation(floods[library], { oldKey, newKey, rotatedToken })))
    Object.keys(libraries).forEach((library, i) => {
      results[library].floodThenRotation = outcomes[i]
    })
    return { settings: settings.herd, libraries: results }
  } finally {
    for (const { server, verifier } of opened) {
      await verifier.close?.()
      await server.close()
    }
  }
})
