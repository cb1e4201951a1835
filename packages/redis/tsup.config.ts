import { defineConfig } from 'tsup'

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  target: 'es2023',
  dts: true,
  clean: true,
  sourcemap: false,
  tsconfig: 'tsconfig.build.json',
  external: ['@tokenward/core', '@tokenward/registry', '@tokenward/issuer', 'redis', 'effect', 'jose'],
})
