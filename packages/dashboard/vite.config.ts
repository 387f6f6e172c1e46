import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  // Built from the packages' sources, so `npm start` on a fresh clone needs no tsc build first.
  resolve: {
    alias: {
      '@brandwave/sdk': source('../sdk/src/index.ts'),
      '@brandwave/react': source('../react/src/index.ts'),
      '@brandwave/contract': source('../contract/src/index.ts'),
      '@brandwave/core': source('../core/src/index.ts'),
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The strict CSP allows no inline script: nothing may be injected into index.html.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: true,
    // One bundle of about 500 kB (155 kB gzipped), within the dashboard's 250 kB gzipped
    // budget: Vite's default 500 kB warning would only alarm whoever runs `npm start`.
    chunkSizeWarningLimit: 700,
    rolldownOptions: {
      // TanStack Query marks modules "use client" for server-component bundlers; a plain SPA has none.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning)
      },
    },
  },
  oxc: { jsx: { runtime: 'automatic' } },
})
