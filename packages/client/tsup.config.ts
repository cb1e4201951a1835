import { defineConfig } from 'tsup'

// One runtime-neutral build: the client speaks Web standards and reaches the network through
// @tokenward/core's HTTP seam, which picks the Node or Web implementation itself.
export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  target: 'es2023',
  dts: true,
  clean: true,
  sourcemap: false,
  tsconfig: 'tsconfig.build.json',
  external: ['@tokenward/core', 'effect', 'jose'],
})
