import { fileURLToPath } from 'node:url'
import { defineConfig, type Options } from 'tsup'

// Two builds of the same sources, differing only in the `#issuer-platform` seam: `node` hashes client
// secrets with scrypt (node:crypto), `web` with PBKDF2-SHA-256 (WebCrypto). package.json's export
// conditions pick one. Declarations are emitted once: both builds expose the same types.
const entry = { index: 'src/index.ts' }
const platformBuild = (name: 'node' | 'web'): Options => ({
  entry,
  outDir: `dist/${name}`,
  format: ['esm', 'cjs'],
  target: 'es2023',
  platform: name === 'node' ? 'node' : 'neutral',
  splitting: true,
  sourcemap: false,
  clean: true,
  dts: false,
  treeshake: true,
  external: ['@tokenward/core'],
  esbuildOptions(options) {
    options.alias = { '#issuer-platform': fileURLToPath(new URL(`./src/platform/${name}.ts`, import.meta.url)) }
  },
})

export default defineConfig([
  {
    entry,
    outDir: 'dist',
    format: ['esm', 'cjs'],
    dts: { only: true },
    clean: ['*.d.ts', '*.d.cts'],
    tsconfig: 'tsconfig.build.json',
    external: ['@tokenward/core'],
  },
  platformBuild('node'),
  platformBuild('web'),
])
