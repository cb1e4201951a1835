// The build every adapter package shares: one entry, ESM + CJS + declarations, its dependencies
// and the frameworks it adapts left external.
import type { Options } from 'tsup'

export const adapterBuild: Options = {
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  target: 'es2023',
  dts: true,
  clean: true,
  // No source maps: the output is unminified and readable, and maps would double what users install.
  sourcemap: false,
  tsconfig: 'tsconfig.build.json',
  external: ['@tokenward/core', '@tokenward/registry', 'express', 'effect', 'jose'],
}
