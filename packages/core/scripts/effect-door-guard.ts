// Post-build step of each platform build: makes `@tokenward/core/effect` say what to install when
// the application has no `effect` package.
//
// Why: `effect` is an optional peer dependency. The Promise door never loads it (its runtime engine
// carries a private copy, see private-runtime-engine.ts), so Express, Lambda and CLI users do not
// install it. The Effect door composes with the application's own `effect`, so it imports it; when
// it is missing, the module loader's own error names a chunk file, not the remedy.
//
// ESM: the built door moves to `effect/door.js`; `effect/index.js` re-exports the Promise door's
// entry statically (it needs no `effect`) and the door's own names from one dynamic import behind a
// top-level await, which turns "cannot find package effect" into a clear error. CJS: a
// `require.resolve` of `effect` runs before the first `require`.
//
// The price of the top-level await: an application that bundles the Effect door's ESM build into
// a CommonJS bundle (esbuild `format: 'cjs'`) gets a build error; ESM bundles (esbuild, Rollup,
// webpack 5) and `require` are unaffected. The Promise door and the other subpaths have no
// top-level await.
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

const exportLists = /^export \{([^}]*)\}/gm

/**
 * Rewrites `effect/index.js` and `effect/index.cjs` in `outDir` so that importing the Effect door
 * without `effect` installed fails with a message naming the package to install.
 */
export function guardEffectDoor(outDir: string, peerRange: string): void {
  const message =
    `@tokenward/core/effect needs the \`effect\` package (${peerRange}), an optional peer dependency of @tokenward/core. ` +
    `Install it beside @tokenward/core (npm install effect@"${peerRange}"), or use the Promise door, \`@tokenward/core\`, which does not need it.`
  guardEsm(join(outDir, 'effect/index.js'), message)
  guardCjs(join(outDir, 'effect/index.cjs'), message)
}

function guardEsm(file: string, message: string): void {
  const door = readFileSync(file, 'utf8')
  const promiseDoor = readFileSync(join(dirname(dirname(file)), 'index.js'), 'utf8')
  if (/^export \*/m.test(door + promiseDoor)) throw new Error(`${file}: an export * line; the guard no longer matches the build`)
  const shared = new Set(exportedNames(promiseDoor).map(([, exported]) => exported))
  const own = exportedNames(door).filter(([, exported]) => !shared.has(exported))
  if (own.length === 0) throw new Error(`${file} exports nothing beyond the Promise door; the guard no longer matches the build`)
  writeFileSync(join(dirname(file), 'door.js'), door)
  writeFileSync(
    file,
    `export * from '../index.js';
const door = await import('./door.js').catch((cause) => {
  throw /['"]effect['"/]/.test(String(cause?.message)) ? new Error(${JSON.stringify(message)}, { cause }) : cause;
});
export const { ${own.map(([, exported]) => exported).join(', ')} } = door;
`,
  )
}

function guardCjs(file: string, message: string): void {
  const code = readFileSync(file, 'utf8')
  const prologue = "'use strict';\n"
  if (!code.startsWith(prologue)) throw new Error(`${file}: expected a 'use strict' prologue; the guard no longer matches the build`)
  const check = `try { require.resolve('effect/Effect'); } catch (cause) {
  if (cause && cause.code === 'MODULE_NOT_FOUND') throw new Error(${JSON.stringify(message)}, { cause });
  throw cause;
}
`
  writeFileSync(file, prologue + check + code.slice(prologue.length))
}

/** The `[local, exported]` names of every `export { … }` list in `code`. */
function exportedNames(code: string): [string, string][] {
  return [...code.matchAll(exportLists)].flatMap((m) =>
    m[1]!
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '')
      .map((item) => {
        const [local, exported] = item.split(/\s+as\s+/)
        return [local!, exported ?? local!] as [string, string]
      }),
  )
}
