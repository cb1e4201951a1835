// Memory: the heap of one long-lived tokenward verifier after it has accepted a million distinct
// valid tokens, and then refused a million forged ones. Run with --expose-gc; every figure is
// `heapUsed` after full garbage collections.
//
// What it shows: the verified-token cache (default `cache: { maxEntries: 10000 }`) is the only
// thing that grows with traffic, it stops growing once full, and refused tokens are never kept.
// The cache takes a token only on its second verification, so every tenth token (every token in
// --quick mode, to fill it within the short run) is verified twice: once full, the cache keeps
// taking tokens (and evicting others) all through the run.
// Valid tokens are EdDSA (the cheapest to sign), minted by a worker thread — whose heap is not
// this one — in batches of 5,000 while the previous batch is verified. Forged tokens alternate
// between the real kid with a random signature and a random unknown kid.
import { mintedBatches } from '../lib/mint-pool.mjs'
import { settings } from '../lib/mode.mjs'
import { tokenwardVerifier } from '../lib/peers.mjs'
import { runAsChild } from '../lib/processes.mjs'
import { createSigningKey, forgeToken, mintAccessToken } from '../lib/tokens.mjs'

const batchSize = 5000
/** Every this many tokens, one is verified a second time (which admits it into the cache). */
const revisitEvery = settings.memory.revisitEvery

/** Heap used after full collections (several passes so weak references and finalizers settle). */
async function settledHeap() {
  for (let pass = 0; pass < 3; pass++) {
    globalThis.gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
  return process.memoryUsage().heapUsed
}

runAsChild(async () => {
  if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc')
  const { validTokens, forgedTokens, checkpoints } = settings.memory
  const key = createSigningKey('EdDSA')
  const { verifier, close } = tokenwardVerifier({ jwk: key.jwk })
  try {
    await verifier.verify(mintAccessToken(key, 'warm-up'))
    await verifier.clearCache()
    const baselineBytes = await settledHeap()
    const maxEntries = 10_000

    const snapshot = async (phase, count, started) => ({
      phase,
      tokens: count,
      heapBytes: await settledHeap(),
      rssBytes: process.memoryUsage().rss,
      cachedTokens: (await verifier.status()).cachedTokens,
      seconds: (performance.now() - started) / 1000,
    })

    const points = []
    let started = performance.now()
    let verified = 0
    for await (const batch of mintedBatches(key, validTokens, { batchSize, prefix: 'memory' })) {
      // Rejects (and fails the scenario) if refused.
      for (let i = 0; i < batch.length; i++) {
        await verifier.verify(batch[i])
        if (i % revisitEvery === 0) await verifier.verify(batch[i])
      }
      verified += batch.length
      if (checkpoints.includes(verified)) points.push(await snapshot('valid', verified, started))
    }
    const afterValid = await snapshot('valid', verified, started)
    if (!checkpoints.includes(verified)) points.push(afterValid)

    started = performance.now()
    let refused = 0
    for (let i = 0; i < forgedTokens; i++) {
      try {
        await verifier.verify(forgeToken(key, `forged-${i}`, { unknownKid: i % 2 === 1 }))
      } catch {
        refused += 1
      }
      if (checkpoints.includes(i + 1)) points.push(await snapshot('forged', i + 1, started))
    }
    if (refused !== forgedTokens) throw new Error(`${forgedTokens - refused} forged tokens were accepted`)
    const afterForged = await snapshot('forged', forgedTokens, started)
    if (!checkpoints.includes(forgedTokens)) points.push(afterForged)

    const cacheFull = points.find((p) => p.phase === 'valid' && p.cachedTokens >= maxEntries) ?? afterValid
    return {
      settings: settings.memory,
      algorithm: key.alg,
      tokenBytes: mintAccessToken(key, 'memory-500000').length,
      maxEntries,
      baselineBytes,
      points,
      cacheFullBytes: cacheFull.heapBytes,
      afterValidBytes: afterValid.heapBytes,
      afterForgedBytes: afterForged.heapBytes,
      bytesPerCachedToken: (cacheFull.heapBytes - baselineBytes) / cacheFull.cachedTokens,
      revisitEvery,
    }
  } finally {
    await close()
  }
})
