import { fileURLToPath } from 'node:url'
import { defineConfig, type Options } from 'tsup'
import packageJson from './package.json' with { type: 'json' }
import { guardEffectDoor } from './scripts/effect-door-guard.ts'
import { bundlePrivateRuntimeEngine } from './scripts/private-runtime-engine.ts'

// Two builds of the same sources, differing only in the `#platform` seam: `node` (node:crypto key
// objects, node:https) and `web` (WebCrypto, fetch). package.json's export conditions pick one.
// Declarations are emitted once: both builds expose the same types.
// Subpaths: `effect` (the Effect door), `organization` (the pure organization rules) and `jose` (the
// low-level JOSE helpers).
const entry = {
  index: 'src/index.ts',
  'effect/index': 'src/effect/index.ts',
  'organization/index': 'src/organization/index.ts',
  'jose/index': 'src/jose/index.ts',
}
const platformBuild = (name: 'node' | 'web'): Options => ({
  entry,
  outDir: `dist/${name}`,
  format: ['esm', 'cjs'],
  target: 'es2023',
  platform: name === 'node' ? 'node' : 'neutral',
  splitting: true,
  sourcemap: false,
  // Each platform build cleans only its own folder: the three builds run in parallel.
  clean: true,
  dts: false,
  treeshake: true,
  external: ['effect', 'jose'],
  esbuildOptions(options) {
    options.alias = { '#platform': fileURLToPath(new URL(`./src/platform/${name}.ts`, import.meta.url)) }
  },
  // The Promise door's runtime engine gets a private copy of Effect, and the Effect door names the
  // package to install when `effect` (an optional peer) is missing (see the scripts for why).
  onSuccess: async () => {
    await bundlePrivateRuntimeEngine(`dist/${name}`, name === 'node' ? 'node' : 'neutral')
    guardEffectDoor(`dist/${name}`, packageJson.peerDependencies.effect)
  },
})

export default defineConfig([
  {
    entry,
    outDir: 'dist',
    format: ['esm', 'cjs'],
    dts: { only: true },
    // Only the top-level declarations: dist/node and dist/web belong to the other two builds.
    clean: ['*.d.ts', '*.d.cts', ...['effect', 'organization', 'jose'].flatMap((subpath) => [`${subpath}/*.d.ts`, `${subpath}/*.d.cts`])],
    tsconfig: 'tsconfig.build.json',
  },
  platformBuild('node'),
  platformBuild('web'),
])
