import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '@brandwave/testing/server'

const repositoryRoot = fileURLToPath(new URL('../../../../', import.meta.url))

/**
 * Client generators and API portals take the document as it is only if it passes Redocly's
 * recommended rules: errors and warnings alike fail this test.
 */
describe('/openapi.json under Redocly lint (recommended rules)', () => {
  let server: TestServer
  const dir = mkdtempSync(join(tmpdir(), 'brandwave-openapi-'))

  beforeAll(async () => {
    server = await startTestServer('sqlite', { env: { BRANDWAVE_RESOURCES: 'contacts,leads' } })
  })
  afterAll(async () => {
    await server?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('has no errors and no warnings', async () => {
    const document = await server.request('GET', '/openapi.json')
    expect(document.status).toBe(200)
    const file = join(dir, 'openapi.json')
    writeFileSync(file, document.text)
    const result = spawnSync(join(repositoryRoot, 'node_modules/.bin/redocly'), ['lint', file, '--extends=recommended', '--format=json'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: dir, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
      encoding: 'utf8',
      timeout: 60_000,
    })
    const report = JSON.parse(result.stdout.slice(result.stdout.indexOf('{'))) as { totals: { errors: number; warnings: number }; problems: unknown[] }
    expect(report.problems, result.stdout).toEqual([])
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 })
    expect(result.status, result.stderr).toBe(0)
  }, 90_000)
})
