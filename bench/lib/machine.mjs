// Facts about the machine and the code under test, for the RESULTS.md header: numbers from
// different machines or different working trees are not comparable.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { availableParallelism, loadavg } from 'node:os'
import { canPin } from './processes.mjs'

const repoRoot = new URL('../../', import.meta.url).pathname

function cpuModel() {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'))
    return line?.split(':')[1]?.trim() ?? 'unknown'
  } catch {
    return 'unknown (no /proc/cpuinfo)'
  }
}

function git(...args) {
  const result = spawnSync('git', args, { cwd: repoRoot, encoding: 'utf8' })
  return result.status === 0 ? result.stdout.trim() : undefined
}

/** Node version, CPU, cores, pinning, date, load, and the commit (and whether packages/ has local changes). */
export function machineFacts() {
  const changed = git('status', '--porcelain', '--', 'packages')
  return {
    node: process.version,
    cpu: cpuModel(),
    cores: availableParallelism(),
    pinning: canPin ? 'taskset (micro on core 0; HTTP apps on core 1, load generator on core 0; cold-start probes on core 1)' : 'not available (taskset missing): processes unpinned',
    date: new Date().toISOString(),
    loadAverage: loadavg().map((x) => Number(x.toFixed(2))),
    commit: git('rev-parse', '--short', 'HEAD') ?? 'unknown',
    packagesChanged: changed === undefined ? undefined : changed.split('\n').filter(Boolean).length,
  }
}
