// Cold start: what a fresh process (a new Lambda container, a scaled-out pod) pays before its
// first verified request, and how much code a minimal Lambda handler ships.
//
//   timings   fresh child processes pinned to core 1, one per sample and interleaved across
//             libraries: time to import the library, and time from before the import to the
//             first accepted token (import + verifier construction + key import or JWKS fetch
//             from a local server + one verification). Two key sources: inline JWK and remote JWKS.
//             Both again with each library's imports pre-bundled into one file by esbuild (as
//             Lambda handlers are usually deployed): module loading then reads one file; and
//             bundled with code splitting, where a dynamic import keeps its own file.
//   bundles   esbuild (bundle, minify, node, esm) of the same minimal Lambda handler written with
//             each library: bytes and gzipped bytes.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'
import { startJwksServer } from '../lib/jwks-server.mjs'
import { settings } from '../lib/mode.mjs'
import { runNodeForResult, runAsChild } from '../lib/processes.mjs'
import { summarize } from '../lib/sampling.mjs'
import { audience, createSigningKey, issuer, mintAccessToken } from '../lib/tokens.mjs'

const coldStartLibraries = ['tokenward', 'jose', 'aws-jwt-verify']
const modes = ['inline', 'remote', 'inline-bundled', 'remote-bundled', 'inline-split', 'remote-split']
const probeCpu = 1
const probeTimeoutMs = 20_000

/** Minified bundle size of each library's minimal Lambda handler. */
async function bundleSizes() {
  const sizes = {}
  for (const library of coldStartLibraries) {
    const result = await build({
      entryPoints: [new URL(`./cold-start/handlers/${library}.mjs`, import.meta.url).pathname],
      bundle: true,
      minify: true,
      platform: 'node',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    })
    const code = result.outputFiles[0].contents
    sizes[library] = { bytes: code.length, gzipBytes: gzipSync(code).length, inputFiles: Object.keys(result.metafile.inputs).length }
  }
  return sizes
}

/**
 * Each library's probe imports bundled (bundle, minify, node, ESM) under `dir`, twice: into one file
 * (`bundled`), and with code splitting (`split`), where a dynamically imported module gets its own
 * file and loads only when used. Returns the entry file of each, per library.
 */
async function bundleProbeImports(dir) {
  const files = { bundled: {}, split: {} }
  for (const library of coldStartLibraries) {
    const entryPoints = [new URL(`./cold-start/bundled/${library}.mjs`, import.meta.url).pathname]
    const common = { entryPoints, bundle: true, minify: true, platform: 'node', format: 'esm', logLevel: 'silent' }
    files.bundled[library] = join(dir, `${library}.mjs`)
    await build({ ...common, outfile: files.bundled[library] })
    const splitDir = join(dir, `${library}-split`)
    await build({ ...common, splitting: true, outdir: splitDir, outExtension: { '.js': '.mjs' } })
    files.split[library] = join(splitDir, `${library}.mjs`)
  }
  return files
}

runAsChild(async () => {
  const key = createSigningKey('RS256')
  const token = mintAccessToken(key, 'cold-start')
  const jwksServer = await startJwksServer({ keys: [key.jwk] })
  try {
    const env = { BENCH_PROBE: JSON.stringify({ token, jwk: key.jwk, jwksUrl: jwksServer.url, issuer, audience }) }
    const samples = {}
    const bundleDir = mkdtempSync(join(tmpdir(), 'tokenward-bench-cold-'))
    try {
      const bundled = await bundleProbeImports(bundleDir)
      for (let round = 0; round < settings.coldStart.rounds; round++) {
        for (const mode of modes) {
          for (const library of coldStartLibraries) {
            const probe = new URL('./cold-start/probe.mjs', import.meta.url)
            const [keys, packaging] = mode.split('-')
            const args = packaging === undefined ? [library, keys] : [library, keys, bundled[packaging][library]]
            const sample = await runNodeForResult(probe, args, { cpu: probeCpu, env }, probeTimeoutMs)
            ;(samples[`${mode}|${library}`] ??= []).push(sample)
          }
        }
      }
    } finally {
      rmSync(bundleDir, { recursive: true, force: true })
    }
    const timings = {}
    for (const mode of modes) {
      timings[mode] = coldStartLibraries.map((library) => {
        const runs = samples[`${mode}|${library}`]
        return {
          library,
          importMs: summarize(runs.map((r) => r.importMs)),
          firstVerificationMs: summarize(runs.map((r) => r.firstVerificationMs)),
          nodeStartMs: summarize(runs.map((r) => r.processStartToImportMs)),
        }
      })
    }
    return { settings: settings.coldStart, timings, bundles: await bundleSizes(), jwksFetches: jwksServer.fetches }
  } finally {
    await jwksServer.close()
  }
})
