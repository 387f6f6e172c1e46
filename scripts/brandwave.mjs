#!/usr/bin/env node
// `npx brandwave …` in the checkout: the CLI runs from the server's bundle (one file loads in
// half the time of tsc's hundreds), so a fresh clone builds it once first, as `npm start`
// does. Build output goes to stderr: stdout stays the command's own, for scripts that parse
// `--json`.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const cli = new URL('../packages/server/dist/bundle/cli.js', import.meta.url)
if (!existsSync(cli)) {
  process.stderr.write('brandwave: building it first…\n')
  const build = spawnSync(process.execPath, [fileURLToPath(new URL('prepare-start.mjs', import.meta.url))], { stdio: ['ignore', 2, 2] })
  if (build.status !== 0) process.exit(1)
}
await import(cli.href)
