// Throughput sampling and the statistics every table reports (median, min, max over rounds).

/** Median, min and max of a list of numbers. */
export function summarize(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
  return { median, min: sorted[0], max: sorted.at(-1), samples: values }
}

/**
 * Per-round ratios `a[i] / b[i]`, summarized: rounds interleave, so each pair shares machine load.
 * A round whose baseline completed nothing (a starved `--quick` round on a loaded machine) has no
 * ratio and is left out; with no round left, every figure is `NaN` (reported as "n/a").
 */
export const ratioSummary = (a, b) => {
  const ratios = a.map((x, i) => x / b[i]).filter((r) => Number.isFinite(r))
  return ratios.length === 0 ? { median: Number.NaN, min: Number.NaN, max: Number.NaN, samples: [] } : summarize(ratios)
}

const batch = 50

/**
 * Operations per second of `fn` over about `durationMs`. `fn` is called in batches of 50; when it
 * is async every call is awaited before the next (one request at a time, like a handler).
 *
 * @param {{ fn: () => unknown, async: boolean }} operation
 */
export async function opsPerSecond({ fn, async }, durationMs) {
  let count = 0
  const start = performance.now()
  const end = start + durationMs
  // Bounded: stops at the deadline (each batch is a few milliseconds at most).
  while (performance.now() < end) {
    if (async) for (let k = 0; k < batch; k++) await fn()
    else for (let k = 0; k < batch; k++) fn()
    count += batch
  }
  return (count * 1000) / (performance.now() - start)
}

/**
 * `items` in the order of `round`: as given in even rounds, reversed in odd ones. Counterbalancing
 * keeps a fixed position in the round (always first, always right after a heavy case) from
 * favouring one item over the rounds.
 */
export const inRoundOrder = (items, round) => (round % 2 === 0 ? items : [...items].reverse())

/**
 * Runs every operation for `rounds` rounds, interleaved within each round (in {@link inRoundOrder})
 * so drift in machine load hits them all alike. Returns ops/s samples per operation name.
 */
export async function sampleInterleaved(operations, { rounds, roundMs }) {
  const samples = Object.fromEntries(Object.keys(operations).map((name) => [name, []]))
  for (let round = 0; round < rounds; round++) {
    for (const [name, operation] of inRoundOrder(Object.entries(operations), round)) samples[name].push(await opsPerSecond(operation, roundMs))
  }
  return samples
}
