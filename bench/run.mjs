// tokenward benchmark suite. Every figure that matters is a ratio against a baseline measured in
// the same run (this machine is shared and noisy, so absolute numbers are context only).
//
//   npm run bench                         full run (~10 min): writes bench/RESULTS.md and
//                                         bench/results/latest.raw.json
//   npm run bench -- --quick              every scenario briefly (CI: must complete, exit 0);
//                                         writes bench/results/quick.raw.json only
//   npm run bench -- --only=micro,herd    a subset (scenario names below); no RESULTS.md
//
// `npm run bench` at the root builds the packages first. Each scenario runs in its own child
// process (see scenarios/*.mjs for what each one measures and why); this file only runs them in
// order, evaluates the targets (lib/targets.mjs) and writes the report (lib/report.mjs). A scenario
// that crashes or times out is reported, the others still run, and the exit code is 1.
import { mkdirSync, writeFileSync } from 'node:fs'
import { machineFacts } from './lib/machine.mjs'
import { quick } from './lib/mode.mjs'
import { runNodeForResult } from './lib/processes.mjs'
import { renderReport } from './lib/report.mjs'
import { evaluateTargets } from './lib/targets.mjs'

const minutes = (n) => n * 60_000

/** The scenarios, in run order; `cpu` pins the scenario process itself. */
const scenarios = [
  { name: 'micro', script: './scenarios/micro.mjs', cpu: 0, timeoutMs: minutes(8) },
  { name: 'http', script: './scenarios/http.mjs', timeoutMs: minutes(10) },
  { name: 'registry', script: './scenarios/registry.mjs', timeoutMs: minutes(6) },
  { name: 'fleet', script: './scenarios/fleet.mjs', cpu: 1, nodeArgs: ['--expose-gc'], timeoutMs: minutes(6) },
  { name: 'herd', script: './scenarios/herd.mjs', timeoutMs: minutes(3) },
  { name: 'coldStart', script: './scenarios/cold-start.mjs', cpu: 0, timeoutMs: minutes(5) },
  { name: 'memory', script: './scenarios/memory.mjs', nodeArgs: ['--expose-gc'], timeoutMs: minutes(15) },
  { name: 'size', script: './scenarios/size.mjs', timeoutMs: minutes(3) },
  { name: 'issuer', script: './scenarios/issuer.mjs', cpu: 0, timeoutMs: minutes(4) },
  { name: 'dpop', script: './scenarios/dpop.mjs', cpu: 0, timeoutMs: minutes(3) },
]

const onlyArg = process.argv.find((arg) => arg.startsWith('--only='))
const only = onlyArg?.slice('--only='.length).split(',')
const unknown = only?.filter((name) => !scenarios.some((s) => s.name === name)) ?? []
if (unknown.length > 0) {
  console.error(`Unknown scenario(s): ${unknown.join(', ')}. Known: ${scenarios.map((s) => s.name).join(', ')}`)
  process.exit(2)
}
const selected = scenarios.filter((s) => only === undefined || only.includes(s.name))

const facts = machineFacts()
console.log(`tokenward bench${quick ? ' --quick' : ''}: Node ${facts.node}, ${facts.cpu}, ${facts.cores} cores, load ${facts.loadAverage.join('/')}`)

const suiteStarted = performance.now()
const results = {}
const failures = []
const timings = {}
for (const scenario of selected) {
  const started = performance.now()
  console.log(`\n▶ ${scenario.name}`)
  try {
    const timeoutMs = quick ? minutes(2) : scenario.timeoutMs
    const options = { cpu: scenario.cpu, nodeArgs: scenario.nodeArgs ?? [] }
    results[scenario.name] = await runNodeForResult(new URL(scenario.script, import.meta.url), quick ? ['--quick'] : [], options, timeoutMs)
  } catch (error) {
    failures.push({ name: scenario.name, error: error.message })
    console.error(`✖ ${scenario.name} failed: ${error.message}`)
  }
  timings[scenario.name] = (performance.now() - started) / 1000
  console.log(`  ${scenario.name}: ${timings[scenario.name].toFixed(1)} s`)
}
const durationSeconds = (performance.now() - suiteStarted) / 1000

const targets = evaluateTargets(results)
const report = renderReport({ facts, mode: quick ? 'quick' : 'full', durationSeconds, targets, results, failures })
console.log(`\n${report}`)

mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
const rawFile = new URL(quick ? './results/quick.raw.json' : './results/latest.raw.json', import.meta.url)
writeFileSync(rawFile, `${JSON.stringify({ facts, mode: quick ? 'quick' : 'full', durationSeconds, timings, targets, failures, results }, null, 2)}\n`)
if (!quick && only === undefined) writeFileSync(new URL('./RESULTS.md', import.meta.url), report)
console.log(`Raw results: ${rawFile.pathname}${!quick && only === undefined ? '; report: bench/RESULTS.md' : ''}`)

if (failures.length > 0) {
  console.error(`\n${failures.length} scenario(s) failed: ${failures.map((f) => f.name).join(', ')}`)
  process.exit(1)
}
