// Post-build step of each platform build: gives the Promise door's runtime engine its own copy of
// Effect, bundled into the engine's chunk.
//
// Why: a verifier with a JWKS URL loads the engine (the Effect runtime that fetches and caches
// keys) on creation. Loading `effect` from node_modules is ~70 files through the module loader,
// which cost ~60 ms of a cold start; read as one file it costs a fraction of that. The engine is
// internal: no Effect value or type crosses the Promise door, so its copy of Effect is private.
// The Effect door (`@tokenward/core/effect`) keeps importing the application's `effect`, because
// its services and layers are composed with the application's own.
//
// What stays shared: every chunk the main entry imports statically (errors, the verification
// pipeline, the platform). The engine imports those from the same files the application does, so
// `instanceof TokenwardError` and friends hold for errors the engine produces. Everything else the
// engine reaches (Effect, the Effect-based key set and verifier) is bundled into it.
//
// The CJS engine is made from the bundled ESM engine, with each shared ESM chunk swapped for the
// CJS chunk that exports the same names: bundling tsup's CJS engine directly would pull in whole
// Effect modules (a `require` of an ES module cannot be tree-shaken), more than twice the code.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { build, type Plugin } from 'esbuild'

const esmImports = /^\s*(?:import|export)\b([^'"();]*?)['"](\.\/[^'"]+)['"]/gm
const cjsRequires = /\brequire\(['"](\.\/[^'"]+)['"]\)/g
const enginePrefix = 'runtime-engine-'

/**
 * Rebundles `runtime-engine-*.{js,cjs}` in `outDir` with Effect inside, importing the main entry's
 * chunks from their own files. Fails the build when a result still imports `effect` or a chunk
 * the main entry does not share.
 */
export async function bundlePrivateRuntimeEngine(outDir: string, platform: 'node' | 'neutral'): Promise<void> {
  const esmShared = chunksImportedBy(outDir, 'index.js', esmImports, 2)
  const cjsShared = chunksImportedBy(outDir, 'index.cjs', cjsRequires, 1)
  const esmEngine = engineFile(outDir, '.js')
  const cjsEngine = engineFile(outDir, '.cjs')

  // ESM: tsup's engine, with Effect and the Effect-based chunks bundled in.
  await bundle(esmEngine, esmEngine, 'esm', platform, (path) => (esmShared.has(path) ? path : undefined))
  // CJS: the bundled ESM engine, converted, each shared chunk taken from the CJS build.
  const cjsChunkFor = cjsChunksByExports(outDir, esmEngine, cjsShared)
  await bundle(esmEngine, cjsEngine, 'cjs', platform, (path) => cjsChunkFor.get(path))

  for (const [file, pattern, group, shared] of [
    [esmEngine, esmImports, 2, esmShared],
    [cjsEngine, cjsRequires, 1, cjsShared],
  ] as const) {
    const code = readFileSync(file, 'utf8')
    if (/\b(?:from|require\()\s*['"]effect[/'"]/.test(code)) throw new Error(`${file} still imports effect`)
    for (const match of code.matchAll(pattern)) {
      const imported = match[group]!.slice(2)
      if (!shared.has(imported)) throw new Error(`${file} imports ${imported}, which the main entry does not share`)
    }
  }
}

async function bundle(
  entry: string,
  outfile: string,
  format: 'esm' | 'cjs',
  platform: 'node' | 'neutral',
  sharedPath: (chunk: string) => string | undefined,
): Promise<void> {
  const keepShared: Plugin = {
    name: 'keep-shared-chunks',
    setup(b) {
      b.onResolve({ filter: /^\.\// }, (args) => {
        const shared = sharedPath(args.path.slice(2))
        return shared === undefined ? undefined : { path: `./${shared}`, external: true }
      })
    },
  }
  const result = await build({
    entryPoints: [entry],
    outfile,
    write: false,
    bundle: true,
    format,
    platform,
    target: 'es2023',
    sourcemap: false,
    // Effect ships ES modules only.
    conditions: ['import'],
    mainFields: ['module', 'main'],
    plugins: [keepShared],
    banner: { js: '/*! Bundles parts of effect (MIT License): see THIRD-PARTY-NOTICES.md in this package. */' },
    logLevel: 'warning',
  })
  for (const file of result.outputFiles) writeFileSync(file.path, withoutBareChunkImports(file.text))
}

/**
 * Blanks `import "./chunk-….js"` lines (the package has no side effects, so they only order
 * evaluation, and the engine imports the same chunk by name). Bundlers warn about each one in a
 * `sideEffects: false` package.
 */
function withoutBareChunkImports(code: string): string {
  return code.replace(/^import "\.\/chunk-[A-Z0-9]+\.js";$/gm, '')
}

function engineFile(outDir: string, extension: string): string {
  const engines = readdirSync(outDir).filter((f) => f.startsWith(enginePrefix) && f.endsWith(extension))
  if (engines.length !== 1) throw new Error(`Expected one ${enginePrefix}*${extension} in ${outDir}, found ${engines.length}`)
  return join(outDir, engines[0]!)
}

/** The chunk files `entry` imports statically, transitively (the dynamic engine import is not followed). */
function chunksImportedBy(outDir: string, entry: string, pattern: RegExp, group: number): Set<string> {
  const seen = new Set<string>()
  const visit = (file: string) => {
    for (const match of readFileSync(join(outDir, file), 'utf8').matchAll(pattern)) {
      const imported = match[group]!.slice(2)
      if (imported.startsWith(enginePrefix) || seen.has(imported)) continue
      seen.add(imported)
      visit(imported)
    }
  }
  visit(entry)
  return seen
}

/** For each ESM chunk the engine imports, the one shared CJS chunk exporting every name it takes from it. */
function cjsChunksByExports(outDir: string, esmEngine: string, cjsShared: ReadonlySet<string>): Map<string, string> {
  const names = new Map<string, Set<string>>()
  for (const match of readFileSync(esmEngine, 'utf8').matchAll(esmImports)) {
    const chunk = match[2]!.slice(2)
    const taken = names.get(chunk) ?? new Set<string>()
    const list = /\{([^}]*)\}/.exec(match[1]!)?.[1] ?? ''
    for (const item of list.split(',')) if (item.trim() !== '') taken.add(item.trim().split(/\s+/)[0]!)
    names.set(chunk, taken)
  }
  const cjsExports = [...cjsShared].map((chunk) => ({ chunk, code: readFileSync(join(outDir, chunk), 'utf8') }))
  const map = new Map<string, string>()
  for (const [chunk, taken] of names) {
    const matches = cjsExports.filter(({ code }) => [...taken].every((name) => code.includes(`\nexports.${name} = `)))
    if (taken.size === 0 || matches.length !== 1) throw new Error(`No single CJS chunk exports what the engine imports from ${chunk}`)
    map.set(chunk, matches[0]!.chunk)
  }
  return map
}
