import { defineConfig } from 'tsup'

export default defineConfig({
  entry: { bin: 'src/bin.ts', main: 'src/main.ts' },
  format: ['esm'],
  target: 'node22',
  platform: 'node',
  dts: { entry: { main: 'src/main.ts' } },
  tsconfig: 'tsconfig.build.json',
  clean: true,
  sourcemap: false,
  external: ['@tokenward/core', '@tokenward/issuer'],
})
