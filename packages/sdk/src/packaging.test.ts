import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loginAdmin } from '@brandwave/testing/actors'
import { startTestServer, type TestServer } from '@brandwave/testing/server'

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
    const pat = await server.request('POST', '/v1/personal-access-tokens', { token: admin.accessToken, body: { currentPassword: admin.password, name: 'examples' } })
    env = { PATH: process.env.PATH, BRANDWAVE_BASE_URL: server.url, BRANDWAVE_TOKEN: pat.body.data.token }
  })
  afterAll(() => server?.close())

  it('runs the personal-access-token example from a Node ESM script', async () => {
    const { stdout } = await run(process.execPath, ['examples/personal-access-tokens.mjs'], { cwd: sdkDir, env })
    expect(JSON.parse(stdout)).toMatchObject({ format: 'esm', created: 'My Campaign', rotated: true, revoked: 'revoked' })
  })

  it('runs the personal-access-token example from a CommonJS script', async () => {
    const { stdout } = await run(process.execPath, ['examples/personal-access-tokens.cjs'], { cwd: sdkDir, env })
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

  it('installs from the tarballs `npm run pack` makes, outside the repository, and type-checks in a browser project without Node types', async () => {
    const project = mkdtempSync(join(tmpdir(), 'brandwave-sdk-consumer-'))
    try {
      // The SDK's types come from @brandwave/contract, which needs @brandwave/core: all of them
      // are packed, so none may be private (npm would refuse to publish it, and users would
      // get a 404, or whoever claimed the name).
      const manifest = (name: string) => JSON.parse(readFileSync(`${sdkDir}../${name}/package.json`, 'utf8')) as { private?: boolean; dependencies?: Record<string, string> }
      const closure = ['sdk', 'react', 'contract', 'core']
      for (const name of closure) {
        expect(manifest(name).private, name).toBeUndefined()
        for (const dependency of Object.keys(manifest(name).dependencies ?? {})) {
          if (dependency.startsWith('@brandwave/')) expect(closure).toContain(dependency.slice('@brandwave/'.length))
        }
      }
      // The README's path: `npm run pack`, then one `npm install` of the tarballs it printed.
      const repositoryRoot = `${sdkDir}../../`
      const { stdout: packed } = await run(process.execPath, ['scripts/pack.mjs', '--out', project], { cwd: repositoryRoot })
      const install = /@brandwave\/react: npm install (.+)$/m.exec(packed)?.[1]
      expect(install, packed).toBeDefined()
      const tarballs = readdirSync(project).filter((file) => file.endsWith('.tgz'))
      expect(tarballs.sort()).toEqual(['brandwave-contract-0.1.0.tgz', 'brandwave-core-0.1.0.tgz', 'brandwave-react-0.1.0.tgz', 'brandwave-sdk-0.1.0.tgz'])
      writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }))
      await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...install!.split(' ')], { cwd: project })

      writeFileSync(join(project, 'react.mjs'), "import { BrandwaveProvider } from '@brandwave/react'\nconsole.log(typeof BrandwaveProvider)\n")
      expect((await run(process.execPath, ['react.mjs'], { cwd: project })).stdout.trim()).toBe('function')
      writeFileSync(join(project, 'esm.mjs'), "import { Brandwave } from '@brandwave/sdk'\nconsole.log(typeof new Brandwave({ baseUrl: 'http://x', token: 't' }).personalAccessTokens.create)\n")
      expect((await run(process.execPath, ['esm.mjs'], { cwd: project })).stdout.trim()).toBe('function')
      writeFileSync(
        join(project, 'app.ts'),
        [
          "import { Brandwave } from '@brandwave/sdk'",
          "const bw = new Brandwave({ baseUrl: 'https://auth.example.com', token: 't' })",
          "export const token: Promise<string> = bw.personalAccessTokens.create({ name: 'x' }).then(({ data }) => data.token)",
          '',
        ].join('\n'),
      )
      const tsconfig = { compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022', 'dom'], types: [], noEmit: true, skipLibCheck: false }, files: ['app.ts'] }
      writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(tsconfig))
      const tsc = fileURLToPath(new URL('../../../node_modules/typescript/bin/tsc', import.meta.url))
      await expect(run(process.execPath, [tsc, '-p', project])).resolves.toBeDefined()
    } finally {
      rmSync(project, { recursive: true, force: true })
    }
  }, 240_000)
})

if (!built) console.warn('\n  !!! packages/sdk/dist is missing: the packaging tests were SKIPPED. Run `npm run build` (npm test does).\n')
