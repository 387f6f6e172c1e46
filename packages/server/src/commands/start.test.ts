import { spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { request } from '@brandwave/testing/http'
import { built, distDir as dist, startInstance } from '@brandwave/testing/processes'

describe.skipIf(!built)('npm start (the built entry point)', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  it('creates ./data with a 0600 secret, prints a generated admin password once, serves, and exits 0 on SIGTERM', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'brandwave-start-'))
    dirs.push(cwd)
    const instance = await startInstance({}, { cwd })
    const { url } = instance
    try {
      expect(statSync(join(cwd, 'data', 'secret')).mode & 0o777).toBe(0o600)
      expect(statSync(join(cwd, 'data', 'brandwave.db')).mode & 0o777).toBe(0o600)
      const password = /password: (\S+)/.exec(instance.output())?.[1]
      expect(password).toBeDefined()
      const login = await request(url, 'POST', '/v1/auth/login', { body: { email: 'admin@brandwave.local', password } })
      expect(login.status).toBe(200)
      expect((await request(url, 'GET', '/v1/me', { token: login.body.data.accessToken })).status).toBe(200)
      expect(await instance.stop()).toBe(0)
    } finally {
      await instance.stop()
    }

    // A second start finds the admin and prints no password.
    const again = await startInstance({}, { cwd })
    expect(again.output()).not.toContain('password:')
    expect(await again.stop()).toBe(0)
  })

  it('on SIGTERM finishes the request in flight, flushes pending lastUsedAt, and exits 0', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'brandwave-drain-'))
    dirs.push(cwd)
    const env = { BRANDWAVE_ADMIN_EMAIL: 'drain@example.com', BRANDWAVE_ADMIN_PASSWORD: 'drain passphrase', BRANDWAVE_USAGE_FLUSH_MS: '600000' }
    const first = await startInstance(env, { cwd })
    const login = await request(first.url, 'POST', '/v1/auth/login', { body: { email: env.BRANDWAVE_ADMIN_EMAIL, password: env.BRANDWAVE_ADMIN_PASSWORD } })
    const session = login.body.data.accessToken as string
    const pat = await request(first.url, 'POST', '/v1/personal-access-tokens', { token: session, body: { currentPassword: env.BRANDWAVE_ADMIN_PASSWORD, name: 'drain' } })
    expect((await request(first.url, 'GET', '/v1/me', { token: pat.body.data.token })).status).toBe(200)

    // A request whose body is still arriving when the signal comes must still be answered.
    const { hostname, port } = new URL(first.url)
    const socket = connect(Number(port), hostname)
    await once(socket, 'connect')
    const body = JSON.stringify({ email: env.BRANDWAVE_ADMIN_EMAIL, password: env.BRANDWAVE_ADMIN_PASSWORD })
    socket.write(`POST /v1/auth/login HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body.slice(0, 10)}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
    const exited = first.stop()
    await new Promise((resolve) => setTimeout(resolve, 300))
    let response = ''
    socket.on('data', (chunk: Buffer) => (response += chunk.toString()))
    socket.write(body.slice(10))
    await once(socket, 'close')
    expect(response).toMatch(/^HTTP\/1\.1 200 /)
    expect(await exited).toBe(0)

    // The use above was only in memory (flush interval 10 minutes): shutdown must have written it.
    const second = await startInstance(env, { cwd })
    try {
      const again = await request(second.url, 'POST', '/v1/auth/login', { body: { email: env.BRANDWAVE_ADMIN_EMAIL, password: env.BRANDWAVE_ADMIN_PASSWORD } })
      const record = await request(second.url, 'GET', `/v1/personal-access-tokens/${pat.body.data.id}`, { token: again.body.data.accessToken })
      expect(record.body.data.lastUsedAt).toEqual(expect.any(String))
    } finally {
      await second.stop()
    }
  })

  it('refuses to start with a bad configuration, naming every problem', () => {
    const result = spawnSync(process.execPath, [join(dist, 'main.js')], {
      env: { PATH: process.env.PATH ?? '', PORT: 'eighty', DATABASE_URL: 'postgres://localhost/x', BRANDWAVE_TOKEN_PREFIX: 'B_W' },
      encoding: 'utf8',
    })
    expect(result.status).toBe(2)
    expect(result.stderr).toContain('PORT')
    expect(result.stderr).toContain('BRANDWAVE_SECRET is required')
    expect(result.stderr).toContain('BRANDWAVE_TOKEN_PREFIX')
  })

  it('brandwave migrate applies the schema and is idempotent', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'brandwave-migrate-'))
    dirs.push(cwd)
    const run = () => spawnSync(process.execPath, [join(dist, 'cli.js'), 'migrate'], { cwd, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' })
    const first = run()
    expect(first.status, first.stderr).toBe(0)
    expect(first.stdout).toContain('0001_initial')
    const second = run()
    expect(second.stdout).toContain('up to date')
  })
})

if (!built) {
  console.warn('\n  !!! packages/server/dist is missing: the `npm start` tests were SKIPPED. Run `npm run build` (npm test does).\n')
}
