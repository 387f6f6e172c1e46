import { defineConfig } from 'vite'

export default defineConfig({
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The strict CSP allows no inline script: nothing may be injected into index.html.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: true,
  },
  oxc: { jsx: { runtime: 'automatic' } },
})
