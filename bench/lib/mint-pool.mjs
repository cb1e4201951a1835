// Mints many distinct valid tokens with worker threads (RS256 signing is ~0.3 ms per token, so
// 25,000 of them would take seconds on one core). Only used while nothing is being measured, or,
// for the memory scenario, on a thread whose heap is not the one being measured.
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { transferableKey } from './tokens.mjs'

const workerUrl = new URL('./mint-worker.mjs', import.meta.url)

/** A worker thread that signs ranges of tokens on request. */
function startMinter(key, prefix, nowSeconds) {
  const worker = new Worker(workerUrl, { workerData: { key: transferableKey(key), prefix, nowSeconds } })
  return {
    /** Tokens with jtis `${prefix}-${from}` up to (excluding) `${prefix}-${to}`. */
    mint(from, to) {
      return new Promise((resolve, reject) => {
        const onError = (error) => reject(error)
        worker.once('error', onError)
        worker.once('message', (tokens) => {
          worker.off('error', onError)
          resolve(tokens)
        })
        worker.postMessage({ from, to })
      })
    },
    stop: () => worker.terminate(),
  }
}

/**
 * `count` distinct valid tokens signed with `key`, minted on every core.
 *
 * @returns {Promise<string[]>}
 */
export async function mintInParallel(key, count, { prefix = 'jti', nowSeconds = Math.floor(Date.now() / 1000) } = {}) {
  const workers = Math.max(1, Math.min(availableParallelism(), Math.ceil(count / 1000)))
  const share = Math.ceil(count / workers)
  const minters = Array.from({ length: workers }, () => startMinter(key, prefix, nowSeconds))
  try {
    const parts = await Promise.all(minters.map((m, w) => m.mint(w * share, Math.min(count, (w + 1) * share))))
    return parts.flat()
  } finally {
    await Promise.all(minters.map((m) => m.stop()))
  }
}

/**
 * Batches of fresh valid tokens, minted by one worker thread while the caller consumes the
 * previous batch. At most two batches are alive at a time, so a consumer measuring its own heap is
 * not charged for a backlog of tokens.
 *
 * @returns {AsyncGenerator<string[]>}
 */
export async function* mintedBatches(key, total, { batchSize = 5000, prefix = 'jti', nowSeconds = Math.floor(Date.now() / 1000) } = {}) {
  const minter = startMinter(key, prefix, nowSeconds)
  try {
    let next = total > 0 ? minter.mint(0, Math.min(total, batchSize)) : undefined
    for (let from = 0; from < total; from += batchSize) {
      const batch = await next
      const following = from + batchSize
      next = following < total ? minter.mint(following, Math.min(total, following + batchSize)) : undefined
      yield batch
    }
  } finally {
    await minter.stop()
  }
}
