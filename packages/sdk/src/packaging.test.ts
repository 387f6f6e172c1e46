import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loginAdmin } from '../../server/src/testing/actors.js'
import { startTestServer, type TestServer } from '../../server/src/testing/server.js'

const run = promisify(execFile)
const sdkDir = fileURLToPath(new URL('..', import.meta.url))
const built = existsSync(`${sdkDir}dist/esm/index.js`) && existsSync(`${sdkDir}dist/cjs/package.json`)

/** The built package, imported by plain Node scripts the way users import it. */
describe.skipIf(!built)('the built @brandwave/sdk package', () => {
  let server: TestServer
  let env: NodeJS.ProcessEnv

  beforeAll(async () => {
    server = await startTestServer('sqlite')
    const admin = await loginAdmin(server)
    const pat = await server.request('POST', '/v1/personal-access-tokens', { token: admin.accessToken, body: { name: 'examples' } })
    env = { PATH: process.env.PATH, BRANDWAVE_BASE_URL: server.url, BRANDWAVE_TOKEN: pat.body.data.token }
  })
  afterAll(() => server?.close())

  it('runs the seed 000 sample from a Node ESM script', async () => {
    const { stdout } = await run(process.execPath, ['examples/seed-000.mjs'], { cwd: sdkDir, env })
    expect(JSON.parse(stdout)).toMatchObject({ format: 'esm', created: 'My Campaign', rotated: true, revoked: 'revoked' })
  })

  it('runs the seed 000 sample from a CommonJS script', async () => {
    const { stdout } = await run(process.execPath, ['examples/seed-000.cjs'], { cwd: sdkDir, env })
    expect(JSON.parse(stdout)).toMatchObject({ format: 'cjs', created: 'My Campaign', rotated: true, revoked: 'revoked', notFound: true })
  })

  it('bundles for browsers with no Node built-ins and no dependency but itself', async () => {
    const result = await build({
      entryPoints: [`${sdkDir}examples/browser.mjs`],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      minify: true,
      metafile: true,
      absWorkingDir: sdkDir,
    })
    const inputs = Object.keys(result.metafile.inputs)
    expect(inputs).toContain('dist/esm/client.js')
    expect(inputs.filter((input) => input.startsWith('node:') || /node_modules\/(?!@brandwave)/.test(input))).toEqual([])
    expect(result.outputFiles[0]!.text.length).toBeLessThan(20_000)
  })
})

if (!built) console.warn('\n  !!! packages/sdk/dist is missing: the packaging tests were SKIPPED. Run `npm run build` (npm test does).\n')
