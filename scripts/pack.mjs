// `npm run pack [-- --out DIR]`: builds the client packages and packs them, with the packages
// they depend on, into installable tarballs (default: ./packs). They are not on a registry:
// another project installs them all in one command, printed at the end, so npm never looks
// up an @brandwave/* name on a registry.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, rmSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const { values } = parseArgs({ options: { out: { type: 'string', default: 'packs' } } })
const out = resolve(process.cwd(), values.out)

// Dependencies first: the SDK's types come from the contract, whose schemas use core.
const packages = ['core', 'contract', 'sdk', 'react']

// Only what is packed (and what it is built from): the server and the dashboard are not.
console.log('Building the packages (tsc)…')
const tsc = join(root, 'node_modules/typescript/bin/tsc')
const projects = ['packages/sdk', 'packages/sdk/tsconfig.cjs.json', 'packages/react', 'packages/react/tsconfig.cjs.json']
execFileSync(process.execPath, [tsc, '-b', ...projects], { cwd: root, stdio: 'inherit' })
execFileSync(process.execPath, [join(root, 'scripts/mark-commonjs.mjs')], { cwd: root, stdio: 'inherit' })

mkdirSync(out, { recursive: true })
for (const file of readdirSync(out)) if (/^brandwave-.*\.tgz$/.test(file)) rmSync(join(out, file))
const tarballs = []
for (const name of packages) {
  const output = execFileSync('npm', ['pack', '--silent', '--pack-destination', out], { cwd: join(root, 'packages', name), encoding: 'utf8' })
  const file = output.trim().split('\n').at(-1)
  tarballs.push(join(out, file))
  console.log(`Packed @brandwave/${name}: ${relative(process.cwd(), join(out, file)) || file}`)
}

const shown = (names) => tarballs.filter((_, index) => names.includes(packages[index])).join(' ')
console.log('\nIn another project, install them together (npm must not look the names up on a registry):')
console.log(`  @brandwave/sdk:   npm install ${shown(['core', 'contract', 'sdk'])}`)
console.log(`  @brandwave/react: npm install ${shown(packages)} @tanstack/react-query react`)
