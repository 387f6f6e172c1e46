// `npm start` and `npm run migrate` run this first: it brings what the server runs up to date,
// printing one line per step, so a first start is quick and never looks like a hang.
//
// esbuild bundles the server together with the workspace packages it imports (core, contract),
// straight from their TypeScript sources, in about a second; every npm dependency stays in
// node_modules. Type checking is not skipped, only moved: `npm test` runs tsc, and
// `npm run build` still builds every package with it (the SDK and React packages need tsc's
// declarations).
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
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
      const result = await build({
        absWorkingDir: root,
        entryPoints: { main: 'packages/server/src/main.ts', cli: 'packages/server/src/cli.ts' },
        outdir: bundleDir,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20.19',
        sourcemap: 'linked',
        metafile: true,
        logLevel: 'warning',
        plugins: [workspaceSourcesAndExternalDependencies],
      })
      return result.metafile
    },
  },
]

/** Bundles @brandwave/* from source; leaves every other package to be loaded from node_modules. */
const workspaceSourcesAndExternalDependencies = {
  name: 'workspace-sources',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, (args) => {
      const workspace = /^@brandwave\/([a-z-]+)$/.exec(args.path)
      if (workspace) return { path: join(root, 'packages', workspace[1], 'src/index.ts') }
      return { path: args.path, external: true }
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
