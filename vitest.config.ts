import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// Source-level tests run under Node, so the `#platform` seam resolves to the Node implementation
// here; the contract tests import both implementations explicitly and run the same table on each.
export default defineConfig({
  resolve: {
    alias: [
      { find: '#platform', replacement: fileURLToPath(new URL('./packages/core/src/platform/node.ts', import.meta.url)) },
      // Workspace packages resolve to their sources, so tests need no build first. The packed
      // tarballs are exercised separately by tests/packaging.
      { find: /^@tokenward\/core\/effect$/, replacement: fileURLToPath(new URL('./packages/core/src/effect/index.ts', import.meta.url)) },
      { find: /^@tokenward\/core\/organization$/, replacement: fileURLToPath(new URL('./packages/core/src/organization/index.ts', import.meta.url)) },
      { find: /^@tokenward\/core\/jose$/, replacement: fileURLToPath(new URL('./packages/core/src/jose/index.ts', import.meta.url)) },
      { find: /^@tokenward\/core$/, replacement: fileURLToPath(new URL('./packages/core/src/index.ts', import.meta.url)) },
      { find: /^@tokenward\/registry\/node$/, replacement: fileURLToPath(new URL('./packages/registry/src/node/index.ts', import.meta.url)) },
      { find: /^@tokenward\/registry\/testing$/, replacement: fileURLToPath(new URL('./packages/registry/src/testing/index.ts', import.meta.url)) },
      { find: /^@tokenward\/registry$/, replacement: fileURLToPath(new URL('./packages/registry/src/index.ts', import.meta.url)) },
      { find: '#issuer-platform', replacement: fileURLToPath(new URL('./packages/issuer/src/platform/node.ts', import.meta.url)) },
      { find: /^@tokenward\/issuer$/, replacement: fileURLToPath(new URL('./packages/issuer/src/index.ts', import.meta.url)) },
      { find: /^@tokenward\/client$/, replacement: fileURLToPath(new URL('./packages/client/src/index.ts', import.meta.url)) },
      { find: /^@tokenward\/express$/, replacement: fileURLToPath(new URL('./packages/express/src/index.ts', import.meta.url)) },
      { find: /^@tokenward\/lambda$/, replacement: fileURLToPath(new URL('./packages/lambda/src/index.ts', import.meta.url)) },
      { find: /^@tokenward\/web$/, replacement: fileURLToPath(new URL('./packages/web/src/index.ts', import.meta.url)) },
      { find: /^@tokenward\/redis$/, replacement: fileURLToPath(new URL('./packages/redis/src/index.ts', import.meta.url)) },
      { find: /^@tokenward\/opentelemetry$/, replacement: fileURLToPath(new URL('./packages/opentelemetry/src/index.ts', import.meta.url)) },
      { find: /^@tokenward\/cli$/, replacement: fileURLToPath(new URL('./packages/cli/src/main.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'tests/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
})
