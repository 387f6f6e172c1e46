#!/usr/bin/env node
// `npx brandwave …` in the checkout: the CLI is compiled TypeScript, so a fresh clone builds
// it once first (as `npm start` does). Build output goes to stderr: stdout stays the
// command's own, for scripts that parse `--json`.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const cli = new URL('../packages/server/dist/cli.js', import.meta.url)
if (!existsSync(cli)) {
  process.stderr.write('brandwave: building it first (npm run build)…\n')
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 2, 2] })
  if (build.status !== 0) process.exit(1)
}
await import(cli.href)
