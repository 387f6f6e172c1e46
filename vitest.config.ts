import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url))

/**
 * Suites that start whole processes (the built server, a cluster, npm pack and install, the
 * TypeScript compiler over the packages): they prove packaging and operations, and take most
 * of a run. `npm test` runs them; `npm run test:fast` leaves them out.
 */
const PROCESS_SUITES = [
  'packages/server/src/commands/**/*.test.ts',
  'packages/server/src/scale-out/**/*.test.ts',
  'packages/server/src/webhooks/webhooks-processes.test.ts',
  'packages/sdk/src/packaging.test.ts',
  'packages/sdk/src/reference-docs.test.ts',
]

/**
 * The dashboard driven in Chromium against the built dashboard: a third of the behaviour
 * suites' time. `npm test` runs them; `npm run test:browser` runs only them.
 */
const BROWSER_SUITES = ['packages/*/src/**/*.browser.test.{ts,tsx}']

const resolve = {
  // Tests run against the TypeScript sources of sibling packages, not their last build.
  alias: [
    { find: /^@brandwave\/(core|contract|server|sdk|react)$/, replacement: source('./packages/$1/src/index.ts') },
    // The shared harness (`@brandwave/testing/server`, `…/actors`, …): TypeScript source only.
    { find: /^@brandwave\/testing\/([\w-]+)$/, replacement: source('./packages/testing/src/$1.ts') },
  ],
}
const test = { testTimeout: 30_000, hookTimeout: 60_000 }

export default defineConfig({
  test: {
    // Names the run and drops the template databases its workers made (testing/src/server.ts).
    globalSetup: ['packages/testing/src/global-setup.ts'],
    // Vitest's default on two cores is one worker: the second core then only waited on the
    // first. Suites share nothing but the machine (own databases, Redis prefixes, ports, data
    // directories), so two run side by side.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      {
        resolve,
        test: {
          ...test,
          name: 'behaviour',
          include: ['packages/*/src/**/*.test.{ts,tsx}'],
          exclude: [...PROCESS_SUITES, ...BROWSER_SUITES],
          // One module graph per worker, not per file: re-importing the server for each of forty
          // files cost more than most suites' tests. Suites share no state but their servers,
          // which each starts and closes itself.
          isolate: false,
        },
      },
      { resolve, test: { ...test, name: 'browser', include: BROWSER_SUITES } },
      { resolve, test: { ...test, name: 'processes', include: PROCESS_SUITES } },
    ],
  },
})
