import { defineConfig } from 'tsup'

export default defineConfig({
  entry: { index: 'src/index.ts', 'node/index': 'src/node/index.ts', 'testing/index': 'src/testing/index.ts' },
  format: ['esm', 'cjs'],
  target: 'es2023',
  dts: true,
  clean: true,
  sourcemap: false,
  splitting: true,
  tsconfig: 'tsconfig.build.json',
  external: ['@tokenward/core', 'effect', 'jose'],
})
