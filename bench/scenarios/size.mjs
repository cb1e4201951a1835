// Size: what a user downloads, installs and deploys, beside jose and aws-jwt-verify.
//
//   tarballs   `npm pack` of the built workspaces, and of jose's and aws-jwt-verify's installed
//              copies (copied to a temp folder first and packed with --ignore-scripts, so their
//              prepack scripts never run): bytes packed and unpacked.
//   installs   those tarballs installed into empty temp projects with `npm install --offline`
//              (peers left to the application: --legacy-peer-deps, so Express itself is not
//              counted): every file under node_modules, and whether `effect` came along.
//   bundles    the minimal Lambda handler of each library (the cold-start scenario's handlers),
//              bundled from those installs by esbuild (bundle, minify, node, esm): bytes and gzip.
//
// Nothing reaches the network: tarballs come from this checkout and its node_modules, and npm runs
// offline. Sizes do not vary between runs, so quick and full runs measure the same thing.
import { spawnSync } from 'node:child_process'
import { copyFileSync, cpSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'
import { runAsChild } from '../lib/processes.mjs'

const root = fileURLToPath(new URL('../..', import.meta.url))
const handlers = fileURLToPath(new URL('./cold-start/handlers/', import.meta.url))

/** What each library's user installs; the first tokenward set is also the one its Lambda handler is bundled from. */
const installSets = [
  { name: 'tokenward (Lambda)', library: 'tokenward', tarballs: ['@tokenward/core', '@tokenward/lambda'] },
  { name: 'tokenward (Express)', library: 'tokenward', tarballs: ['@tokenward/core', '@tokenward/express'] },
  { name: 'tokenward (CLI)', library: 'tokenward', tarballs: ['@tokenward/core', '@tokenward/issuer', '@tokenward/cli'] },
  { name: 'jose', library: 'jose', tarballs: ['jose'] },
  { name: 'aws-jwt-verify', library: 'aws-jwt-verify', tarballs: ['aws-jwt-verify'] },
]
const workspaces = ['@tokenward/core', '@tokenward/lambda', '@tokenward/express', '@tokenward/issuer', '@tokenward/cli']
const peers = ['jose', 'aws-jwt-verify']

function npm(args, cwd) {
  const result = spawnSync('npm', [...args, '--offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, npm_config_update_notifier: 'false' },
  })
  if (result.status !== 0) throw new Error(`npm ${args.join(' ')} failed: ${result.stderr.trim()}`)
  return result.stdout
}

/** Packs every tarball the install sets use into `dir`: name → { file, bytes, unpackedBytes, files }. */
function packAll(dir) {
  const packed = new Map()
  const record = (entries) => {
    for (const p of entries) packed.set(p.name, { file: join(dir, p.filename), bytes: p.size, unpackedBytes: p.unpackedSize, files: p.entryCount })
  }
  record(JSON.parse(npm(['pack', '--json', '--pack-destination', dir, ...workspaces.flatMap((w) => ['--workspace', w])], root)))
  for (const name of peers) {
    // A copy, so nothing npm does while packing can touch the installed package.
    const copy = join(dir, 'copies', name)
    cpSync(join(root, 'node_modules', name), copy, { recursive: true })
    record(JSON.parse(npm(['pack', '--json', '--pack-destination', dir, copy], dir)))
  }
  return packed
}

/** Bytes and count of every file under `dir` (symlinks not followed). */
function treeSize(dir) {
  let bytes = 0
  let files = 0
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue
    bytes += lstatSync(join(entry.parentPath, entry.name)).size
    files++
  }
  return { bytes, files }
}

/** The packages npm put under `node_modules` (scoped ones as `@scope/name`). */
function installedPackages(nodeModules) {
  return readdirSync(nodeModules)
    .filter((name) => !name.startsWith('.'))
    .flatMap((name) => (name.startsWith('@') ? readdirSync(join(nodeModules, name)).map((inner) => `${name}/${inner}`) : [name]))
    .sort()
}

async function bundle(project, library) {
  const entry = join(project, 'handler.mjs')
  copyFileSync(join(handlers, `${library}.mjs`), entry)
  const result = await build({ entryPoints: [entry], bundle: true, minify: true, platform: 'node', format: 'esm', write: false, metafile: true, logLevel: 'silent' })
  const code = result.outputFiles[0].contents
  return { bytes: code.length, gzipBytes: gzipSync(code).length, inputFiles: Object.keys(result.metafile.inputs).length }
}

runAsChild(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokenward-bench-size-'))
  try {
    const packed = packAll(dir)
    const installs = []
    const bundles = {}
    for (const set of installSets) {
      const project = join(dir, `project-${installs.length}`)
      mkdirSync(project)
      writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'size-probe', private: true, type: 'module' }))
      npm(['install', '--legacy-peer-deps', '--no-package-lock', ...set.tarballs.map((name) => packed.get(name).file)], project)
      const nodeModules = join(project, 'node_modules')
      const packages = installedPackages(nodeModules)
      installs.push({
        name: set.name,
        library: set.library,
        tarballs: set.tarballs,
        tarballBytes: set.tarballs.reduce((sum, name) => sum + packed.get(name).bytes, 0),
        ...treeSize(nodeModules),
        packages,
        effectInstalled: packages.includes('effect'),
      })
      if (bundles[set.library] === undefined) bundles[set.library] = await bundle(project, set.library)
    }
    const tarballs = [...packed].map(([name, p]) => ({ name, bytes: p.bytes, unpackedBytes: p.unpackedBytes, files: p.files }))
    // Context: what the Effect door's optional peer adds, from the copy this checkout installed.
    const effect = treeSize(join(root, 'node_modules', 'effect'))
    return { tarballs, installs, bundles, effectPeerBytes: effect.bytes }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
