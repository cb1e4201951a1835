// How long each scenario runs. `--quick` runs every scenario briefly so CI can prove the suite
// still works (CI asserts only that it completes, well under a minute on 2 cores); the full run
// is what RESULTS.md is written from. Scenario children receive the flag on their command line.

/** True when this process was started with `--quick`. */
export const quick = process.argv.includes('--quick')

const full = {
  // Many short rounds rather than a few long ones: each ratio pairs two cases measured closer in
  // time, and the median of more ratios is steadier on a noisy machine.
  micro: { rounds: 27, roundMs: 100, distinctTokens: 1000, freshTokens: 150_000 },
  // 160,000 distinct tokens cover 10,000 verifications per second for the warm-up and every round,
  // so an app that verifies every request never sees a token twice.
  http: { rounds: 8, durationSeconds: 2, warmupSeconds: 1, connections: 16, repeatedTokens: 50, distinctPool: 160_000 },
  herd: {
    concurrency: 500,
    rotationDelayMs: 3000,
    jwksLatencyMs: 50,
    settleTimeoutMs: 5000,
    promptMs: 1000,
    // (d): forged kids in bursts every tick for `durationMs`; the provider rotates `rotateAfterMs` in.
    flood: { durationMs: 16_000, rotateAfterMs: 1000, burst: 25, tickMs: 50 },
  },
  coldStart: { rounds: 7 },
  memory: { validTokens: 1_000_000, forgedTokens: 1_000_000, checkpoints: [10_000, 100_000, 1_000_000], revisitEvery: 10 },
  issuer: { rounds: 6, seconds: 2, concurrency: 16, hashSamples: 5 },
  dpop: { rounds: 12, perRound: 2000 },
}

const brief = {
  micro: { rounds: 3, roundMs: 30, distinctTokens: 1000, freshTokens: 10_000 },
  // A small distinct pool: quick runs prove the scenario works, their numbers mean nothing.
  http: { rounds: 1, durationSeconds: 1, warmupSeconds: 0, connections: 16, repeatedTokens: 50, distinctPool: 4_000 },
  herd: {
    concurrency: 500,
    rotationDelayMs: 1500,
    jwksLatencyMs: 50,
    settleTimeoutMs: 5000,
    promptMs: 1000,
    // Long enough to cross one 5 s cooldown; every library floods at once, so it costs ~6.5 s.
    flood: { durationMs: 6500, rotateAfterMs: 500, burst: 10, tickMs: 50 },
  },
  coldStart: { rounds: 1 },
  memory: { validTokens: 15_000, forgedTokens: 5_000, checkpoints: [10_000, 15_000], revisitEvery: 1 },
  issuer: { rounds: 1, seconds: 0.5, concurrency: 16, hashSamples: 1 },
  dpop: { rounds: 2, perRound: 200 },
}

/** The settings of the current mode. */
export const settings = quick ? brief : full
