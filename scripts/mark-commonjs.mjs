// The dual-format packages build CommonJS into dist/cjs with tsc; Node needs to be told that
// those .js files are CommonJS, since the package itself is "type": "module".
import { existsSync, writeFileSync } from 'node:fs'

for (const pkg of ['packages/sdk', 'packages/react']) {
  const dir = `${pkg}/dist/cjs`
  if (existsSync(dir)) writeFileSync(`${dir}/package.json`, `${JSON.stringify({ type: 'commonjs' })}\n`)
}
