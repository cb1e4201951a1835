// Post-build step of each platform build: makes `require('@tokenward/core/effect')` say what to
// install when the application has no `effect` package.
//
// Why: `effect` is an optional peer dependency. The Promise door never loads it (its runtime engine
// carries a private copy, see private-runtime-engine.ts), so Express, Lambda and CLI users do not
// install it. The Effect door composes with the application's own `effect`, so it imports it.
//
// CJS: a `require.resolve` of `effect` runs before the first `require`, and its failure becomes an
// error naming the package and the version range to install.
//
// ESM is left as built, on purpose: its imports are resolved before any code of the door runs, so
// only a top-level await around a dynamic import could catch the failure, and a top-level await in
// the door would break every application that bundles it into CommonJS (esbuild `format: 'cjs'`).
// Node's own ESM error already names the package: "Cannot find package 'effect' imported from
// …/@tokenward/core/dist/node/…". The README says to install `effect` for the Effect door.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Rewrites `effect/index.cjs` in `outDir` so that requiring the Effect door without `effect`
 * installed fails with a message naming the package to install.
 */
export function guardEffectDoor(outDir: string, peerRange: string): void {
  const message =
    `@tokenward/core/effect needs the \`effect\` package (${peerRange}), an optional peer dependency of @tokenward/core. ` +
    `Install it beside @tokenward/core (npm install effect@"${peerRange}"), or use the Promise door, \`@tokenward/core\`, which does not need it.`
  guardCjs(join(outDir, 'effect/index.cjs'), message)
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
