import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources of sibling packages, not their last build.
    alias: {
      '@brandwave/core': source('./packages/core/src/index.ts'),
      '@brandwave/contract': source('./packages/contract/src/index.ts'),
      '@brandwave/sdk': source('./packages/sdk/src/index.ts'),
      '@brandwave/react': source('./packages/react/src/index.ts'),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.{ts,tsx}'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
