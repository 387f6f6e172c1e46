// `npm start` and `npm run migrate` run this first: it brings what the server runs up to date,
// printing one line per step, so a first start is quick and never looks like a hang.
//
// esbuild bundles the server together with the workspace packages it imports (core, contract),
// straight from their TypeScript sources, and the npm packages it uses, in about a second: one
// file loads faster than hundreds. Type checking is not skipped, only moved: `npm test` runs tsc, and
// `npm run build` still builds every package with it (the SDK and React packages need tsc's
// declarations).
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const bundleDir = join(root, 'packages/server/dist/bundle')

/**
 * What `npm start` builds, in order. Each step is skipped while its output is newer than
 * everything it was built from. A package the server needs built before it starts (a web UI
 * it serves, say) adds its step here.
 */
const steps = [
  {
    name: 'the server',
    metafile: join(bundleDir, 'meta.json'),
    async run() {
      // Chunk names change with their content: start clean rather than pile up old ones.
      rmSync(bundleDir, { recursive: true, force: true })
      const result = await build({
        absWorkingDir: root,
        entryPoints: { main: 'packages/server/src/main.ts', cli: 'packages/server/src/cli.ts' },
        outdir: bundleDir,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20.19',
        // main and cli share one chunk rather than carrying a copy each.
        splitting: true,
        chunkNames: 'shared-[hash]',
        metafile: true,
        logLevel: 'warning',
        // Bundled CommonJS packages still call require() for Node's built-ins.
        banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
        plugins: [workspaceSourcesAndNativeDependencies],
      })
      return result.metafile
    },
  },
  {
    name: 'the dashboard',
    metafile: join(root, 'packages/dashboard/dist/.build.json'),
    async run() {
      const { build: viteBuild } = await import('vite')
      await viteBuild({ root: join(root, 'packages/dashboard'), logLevel: 'warn' })
      // The same shape as esbuild's metafile: what went in, what came out.
      const inputs = Object.fromEntries(DASHBOARD_SOURCES.flatMap((dir) => filesUnder(join(root, dir))).map((path) => [relative(root, path), {}]))
      return { inputs, outputs: { 'packages/dashboard/dist/index.html': {} } }
    },
  },
]

/** What the dashboard is built from: its own sources and the packages it imports. */
const DASHBOARD_SOURCES = ['packages/dashboard/src', 'packages/dashboard/index.html', 'packages/dashboard/vite.config.ts', 'packages/react/src', 'packages/sdk/src', 'packages/contract/src', 'packages/core/src']

function filesUnder(path) {
  if (!existsSync(path)) return []
  if (!statSync(path).isDirectory()) return [path]
  return readdirSync(path).flatMap((name) => filesUnder(join(path, name)))
}

/**
 * Packages that must stay in node_modules: native addons, packages that read their own files
 * at run time (the docs page's assets) and pino, which may start worker threads from its files.
 */
const LOADED_FROM_NODE_MODULES = /^(better-sqlite3|@node-rs\/argon2|@fastify\/swagger-ui|pino|thread-stream|pg-native)(\/|$)/

/** Bundles @brandwave/* from source and npm packages from node_modules, but for the above. */
const workspaceSourcesAndNativeDependencies = {
  name: 'workspace-sources',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, (args) => {
      const workspace = /^@brandwave\/([a-z-]+)$/.exec(args.path)
      if (workspace) return { path: join(root, 'packages', workspace[1], 'src/index.ts') }
      if (LOADED_FROM_NODE_MODULES.test(args.path)) return { path: args.path, external: true }
      return undefined
    })
  },
}

/** Whether the last build's outputs are newer than every file that went into them. */
function upToDate(metafilePath) {
  if (!existsSync(metafilePath)) return false
  let metafile
  try {
    metafile = JSON.parse(readFileSync(metafilePath, 'utf8'))
  } catch {
    return false
  }
  const outputs = Object.keys(metafile.outputs ?? {}).map((path) => join(root, path))
  if (outputs.length === 0 || !outputs.every((path) => existsSync(path))) return false
  const builtAt = Math.min(...outputs.map((path) => statSync(path).mtimeMs))
  const inputs = [...Object.keys(metafile.inputs ?? {}).map((path) => join(root, path)), fileURLToPath(import.meta.url), join(root, 'package-lock.json')]
  return inputs.every((path) => existsSync(path) && statSync(path).mtimeMs <= builtAt)
}

for (const step of steps) {
  if (upToDate(step.metafile)) {
    console.log(`Building ${step.name}: up to date.`)
    continue
  }
  console.log(`Building ${step.name}…`)
  const started = performance.now()
  const metafile = await step.run()
  writeFileSync(step.metafile, JSON.stringify(metafile))
  console.log(`Built ${step.name} in ${((performance.now() - started) / 1000).toFixed(1)} s.`)
}
