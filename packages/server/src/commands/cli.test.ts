import { execFile, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateToken } from '@brandwave/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loginAdmin } from '@brandwave/testing/actors'
import { createPostgresDatabase, storageKinds, testDatabaseKinds, type TestDatabaseKind } from '@brandwave/testing/databases'
import { request } from '@brandwave/testing/http'
import { deleteRedisPrefix, testRedisPrefix } from '@brandwave/testing/redis'
import { built, distDir, startInstance, type Instance } from '@brandwave/testing/processes'
import { ADMIN_ENV, TEST_SECRET } from '@brandwave/testing/server'

const repositoryRoot = fileURLToPath(new URL('../../../../', import.meta.url))
const NO_SUCH_ID = '0190b7a2-6c1e-7cc4-9d52-6b1f3f0c2a11'

interface Run {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

/** `brandwave …` as an operator runs it: a separate process, the server's settings in its environment. */
function brandwave(args: readonly string[], env: Record<string, string>, options: { input?: string; cwd?: string } = {}): Run {
  const result = spawnSync(process.execPath, [join(distDir, 'cli.js'), ...args], {
    cwd: options.cwd ?? tmpdir(),
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: 30_000,
  })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

/**
 * Several `brandwave …` runs at once, for checks where no run depends on another: each
 * process spends most of its second loading code, and two cores load two at a time.
 */
function brandwaveAll(runs: readonly (readonly string[])[], env: Record<string, string>): Promise<Run[]> {
  return Promise.all(
    runs.map(
      (args) =>
        new Promise<Run>((resolve) => {
          const child = execFile(
            process.execPath,
            [join(distDir, 'cli.js'), ...args],
            { cwd: tmpdir(), env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env }, encoding: 'utf8', timeout: 30_000 },
            (_error, stdout, stderr) => resolve({ status: child.exitCode, stdout, stderr }),
          )
          child.stdin?.end()
        }),
    ),
  )
}

function json<T = any>(run: Run): T {
  expect(run.status, run.stderr).toBe(0)
  return JSON.parse(run.stdout) as T
}

const occurrences = (text: string, secret: string) => text.split(secret).length - 1

/**
 * Two running instances and the CLI on the same data: the embedded database (two processes
 * on one data directory), PostgreSQL alone, and PostgreSQL with Redis.
 */
async function startDeployment(kind: TestDatabaseKind): Promise<{ env: Record<string, string>; a: Instance; b: Instance; stop: () => Promise<void> }> {
  const base = ADMIN_ENV
  if (kind === 'sqlite') {
    const dataDir = mkdtempSync(join(tmpdir(), 'brandwave-cli-'))
    const env = { ...base, BRANDWAVE_DATA_DIR: dataDir }
    // One after the other: the first creates the secret and the first admin.
    const a = await startInstance(env)
    const b = await startInstance(env)
    return {
      env: { BRANDWAVE_DATA_DIR: dataDir },
      a,
      b,
      stop: async () => {
        await Promise.all([a.stop(), b.stop()])
        rmSync(dataDir, { recursive: true, force: true })
      },
    }
  }
  const database = await createPostgresDatabase()
  const redis = kind === 'postgres+redis' ? { url: process.env.TEST_REDIS_URL!, prefix: testRedisPrefix('cli') } : null
  const shared = {
    DATABASE_URL: database.url,
    BRANDWAVE_SECRET: TEST_SECRET,
    ...(redis !== null && { REDIS_URL: redis.url, BRANDWAVE_REDIS_PREFIX: redis.prefix }),
  }
  const [a, b] = await Promise.all([startInstance({ ...base, ...shared }), startInstance({ ...base, ...shared })])
  return {
    env: shared,
    a,
    b,
    stop: async () => {
      await Promise.all([a.stop(), b.stop()])
      await database.drop()
      if (redis !== null) await deleteRedisPrefix(redis.url, redis.prefix)
    },
  }
}

describe.runIf(built).each(testDatabaseKinds)('brandwave admin and keys against running servers (%s)', (kind) => {
  let deployment: Awaited<ReturnType<typeof startDeployment>>
  let env: Record<string, string>
  let session: string

  beforeAll(async () => {
    deployment = await startDeployment(kind)
    env = deployment.env
    session = (await loginAdmin(deployment.a.url)).accessToken
  })
  afterAll(async () => {
    await deployment?.stop()
  })

  const listKeys = (url: string, token: string) => request(url, 'GET', '/v1/api-keys', { token })
  const createKey = (name: string, extra: string[] = []) => json(brandwave(['keys', 'create', '--name', name, '--scope', 'api_keys:read', '--json', ...extra], env))

  it('keys create prints the secret once; both instances accept the key, recorded as made by the CLI', async () => {
    const run = brandwave(['keys', 'create', '--name', 'deploy', '--scope', 'api_keys:read', 'members:read', '--environment', 'test', '--rate-limit', '120'], env)
    expect(run.status, run.stderr).toBe(0)
    const token = /\b(bw_test_[0-9A-Za-z]{36})\b/.exec(run.stdout)?.[1]
    expect(token).toBeDefined()
    expect(occurrences(run.stdout, token!)).toBe(1)
    expect(run.stderr).not.toContain(token!)

    for (const url of [deployment.a.url, deployment.b.url]) expect((await listKeys(url, token!)).status).toBe(200)
    const key = (await listKeys(deployment.a.url, session)).body.items.find((item: { name: string }) => item.name === 'deploy')
    expect(key).toMatchObject({ environment: 'test', scopes: ['api_keys:read', 'members:read'], rateLimit: { requestsPerMinute: 120 }, createdBy: { type: 'system', id: null } })

    const audit = await request(deployment.a.url, 'GET', '/v1/audit-logs?action=credential.created', { token: session })
    expect(audit.status, audit.text).toBe(200)
    expect(audit.body.items.find((event: { target: { id: string } }) => event.target.id === key.id)).toMatchObject({ actor: { type: 'system' } })
  })

  it('keys revoke: refused on the very next request on both instances, caches warm', async () => {
    for (let round = 0; round < 3; round++) {
      const key = createKey(`revoked ${round}`)
      for (let warm = 0; warm < 2; warm++) {
        for (const url of [deployment.a.url, deployment.b.url]) expect((await listKeys(url, key.token)).status).toBe(200)
      }
      const run = brandwave(['keys', 'revoke', key.id], env)
      expect(run.status, run.stderr).toBe(0)
      expect(run.stdout).not.toContain(key.token)
      for (const url of [deployment.a.url, deployment.b.url]) expect((await listKeys(url, key.token)).status, `round ${round}`).toBe(401)
    }
  })

  it('keys rotate: the old key dies at once on both instances and the successor works; a grace period keeps the old one', async () => {
    const key = createKey('rotated')
    for (const url of [deployment.a.url, deployment.b.url]) expect((await listKeys(url, key.token)).status).toBe(200)
    const rotated = brandwave(['keys', 'rotate', key.id, '--json'], env)
    const successor = json(rotated)
    expect(occurrences(rotated.stdout, successor.token)).toBe(1)
    expect(rotated.stdout).not.toContain(key.token)
    for (const url of [deployment.a.url, deployment.b.url]) {
      expect((await listKeys(url, key.token)).status).toBe(401)
      expect((await listKeys(url, successor.token)).status).toBe(200)
    }

    const graced = json(brandwave(['keys', 'rotate', successor.id, '--grace-period', '3600', '--json'], env))
    for (const url of [deployment.a.url, deployment.b.url]) {
      expect((await listKeys(url, successor.token)).status).toBe(200)
      expect((await listKeys(url, graced.token)).status).toBe(200)
    }
    // Rotating a retired key again is refused with a reason.
    const again = brandwave(['keys', 'rotate', key.id], env)
    expect(again.status).toBe(1)
    expect(again.stderr.trim().split('\n')).toHaveLength(1)
  })

  // Usage errors are refused before any data is read: one deployment shows it.
  if (kind === 'sqlite') {
    it('usage errors exit 2 and change nothing', async () => {
      const before = (await listKeys(deployment.a.url, session)).body.totalCount
      const usageErrors = [
        ['keys', 'create', '--name', 'typo', '--scope', 'api_keys:read', '--scopes', 'members:read'],
        ['keys', 'create', '--name', 'typo', '--scope', 'api_keys:read', '--environment', 'staging'],
        ['keys', 'create', '--name', 'typo', '--scope', 'api_keys:read', '--rate-limit', 'lots'],
        ['keys', 'create', '--name', 'typo', '--scope', 'api_keys:read', '--expires-at', 'tomorrow'],
        ['keys', 'create', '--name', 'typo', '--scope'],
        ['keys', 'create', '--scope', 'api_keys:read'],
        ['keys', 'revoke', 'not-an-id'],
        ['keys', 'rotate', NO_SUCH_ID, '--grace-period', '-5'],
        ['keys', 'remove', NO_SUCH_ID],
        ['admin', 'create'],
        ['frobnicate'],
      ]
      const runs = await brandwaveAll(usageErrors, env)
      runs.forEach((run, index) => {
        expect(run.status, usageErrors[index]!.join(' ')).toBe(2)
        expect(run.stderr, usageErrors[index]!.join(' ')).not.toBe('')
      })
      expect((await listKeys(deployment.a.url, session)).body.totalCount).toBe(before)
    })
  }

  // What the CLI stores and reads back is the same whichever way instances share caches.
  if (storageKinds.includes(kind)) {
    it('keys list shows keys without their secrets, filtered by status', () => {
      const key = createKey('listed')
      const all = brandwave(['keys', 'list', '--json'], env)
      const page = json(all)
      expect(page.items.map((item: { id: string }) => item.id)).toContain(key.id)
      expect(all.stdout).not.toContain(key.token)
      expect(page.items.every((item: Record<string, unknown>) => !('token' in item))).toBe(true)

      const gone = createKey('listed, then revoked')
      expect(brandwave(['keys', 'revoke', gone.id], env).status).toBe(0)
      const revoked = json(brandwave(['keys', 'list', '--status', 'revoked', '--json'], env))
      expect(revoked.items.map((item: { id: string }) => item.id)).toContain(gone.id)
      expect(revoked.items.map((item: { id: string }) => item.id)).not.toContain(key.id)
      expect(revoked.items.every((item: { status: string }) => item.status === 'revoked')).toBe(true)

      const table = brandwave(['keys', 'list'], env)
      expect(table.status).toBe(0)
      expect(table.stdout).toContain(key.id)
      expect(table.stdout).not.toContain(key.token)
      expect(table.stdout).not.toContain('\u001b[')
    })

    it('admin create: a generated password, printed once, signs in as a company_admin; the CLI is the audited actor', async () => {
      const email = `rescue-${randomBytes(4).toString('hex')}@example.com`
      const run = brandwave(['admin', 'create', '--email', email], env)
      expect(run.status, run.stderr).toBe(0)
      const password = /password: (\S+)/.exec(run.stdout)?.[1]
      expect(password).toBeDefined()
      expect(occurrences(run.stdout + run.stderr, password!)).toBe(1)

      const login = await request(deployment.b.url, 'POST', '/v1/auth/login', { body: { email, password } })
      expect(login.status, login.text).toBe(200)
      const me = await request(deployment.a.url, 'GET', '/v1/me', { token: login.body.data.accessToken })
      expect(me.body.data.role).toBe('company_admin')

      const audit = await request(deployment.a.url, 'GET', '/v1/audit-logs?action=member.added', { token: session })
      expect(audit.body.items.find((event: { target: { name: string } }) => event.target.name === email)).toMatchObject({ actor: { type: 'system' } })
      expect(audit.text).not.toContain(password!)

      // Already an admin: refused, nothing changes.
      expect(brandwave(['admin', 'create', '--email', email], env).status).toBe(1)

      // A demoted member is promoted again; their password stays theirs, and a piped one is refused.
      const userId = me.body.data.userId as string
      expect((await request(deployment.a.url, 'PATCH', `/v1/members/${userId}`, { token: session, body: { role: 'member' } })).status).toBe(200)
      expect(brandwave(['admin', 'create', '--email', email, '--password-stdin'], env, { input: 'another long passphrase\n' }).status).toBe(1)
      expect(json(brandwave(['admin', 'create', '--email', email, '--json'], env))).toEqual({ userId, email, organizationId: expect.any(String), outcome: 'promoted' })
      const again = await request(deployment.b.url, 'POST', '/v1/auth/login', { body: { email, password } })
      expect(again.status).toBe(200)
      expect((await request(deployment.b.url, 'GET', '/v1/me', { token: again.body.data.accessToken })).body.data.role).toBe('company_admin')
    })

    it('admin create --password-stdin: the piped password is never echoed, and signs in', async () => {
      const email = `piped-${randomBytes(4).toString('hex')}@example.com`
      const password = `piped ${randomBytes(8).toString('hex')} passphrase`
      const run = brandwave(['admin', 'create', '--email', email, '--password-stdin', '--json'], env, { input: `${password}\n` })
      const created = json(run)
      expect(created).toMatchObject({ email, outcome: 'account' })
      expect(created.password).toBeUndefined()
      expect(run.stdout + run.stderr).not.toContain(password)
      expect((await request(deployment.a.url, 'POST', '/v1/auth/login', { body: { email, password } })).status).toBe(200)

      const weak = brandwave(['admin', 'create', '--email', `weak-${email}`, '--password-stdin'], env, { input: 'short\n' })
      expect(weak.status).toBe(1)
      expect(weak.stderr).not.toContain('short')
    })

    it('failures exit 1 with one line', async () => {
      const failures = [
        ['keys', 'revoke', NO_SUCH_ID],
        ['keys', 'create', '--name', 'unknown scope', '--scope', 'nothing:read'],
        ['keys', 'list', '--organization', NO_SUCH_ID],
      ]
      const runs = await brandwaveAll(failures, env)
      runs.forEach((run, index) => {
        expect(run.status, failures[index]!.join(' ')).toBe(1)
        expect(run.stderr.trim().split('\n'), failures[index]!.join(' ')).toHaveLength(1)
      })
    })
  }

  // Only this deployment has a Redis to lose.
  if (kind === 'postgres+redis') {
    it('refuses to change anything when Redis, which tells the instances, cannot be reached', async () => {
      const before = (await listKeys(deployment.a.url, session)).body.totalCount
      const run = brandwave(['keys', 'create', '--name', 'unannounced', '--scope', 'api_keys:read'], { ...env, REDIS_URL: 'redis://127.0.0.1:1' })
      expect(run.status).toBe(1)
      expect(run.stdout).toBe('')
      expect((await listKeys(deployment.a.url, session)).body.totalCount).toBe(before)
    })
  }
  // Every step spawns a process; on a busy machine each takes a second or two.
}, 180_000)

describe.runIf(built)('brandwave without a deployment', () => {
  it('refuses to act on a directory that holds no Brandwave data, and creates nothing there', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'brandwave-empty-'))
    try {
      const run = brandwave(['keys', 'list'], { BRANDWAVE_DATA_DIR: dataDir })
      expect(run.status).toBe(1)
      expect(spawnSync('ls', ['-A', dataDir], { encoding: 'utf8' }).stdout).toBe('')
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  })

  it('npx brandwave in the checkout lists the commands, and every command explains itself with an example', async () => {
    const npx = spawnSync('npx', ['--no-install', 'brandwave', '--help'], { cwd: repositoryRoot, encoding: 'utf8', timeout: 60_000 })
    expect(npx.status, npx.stderr).toBe(0)
    for (const command of ['start', 'migrate', 'admin', 'keys', 'scan']) expect(npx.stdout).toContain(command)
    const commands = [['admin', 'create'], ['keys', 'create'], ['keys', 'list'], ['keys', 'revoke'], ['keys', 'rotate'], ['scan'], ['start'], ['migrate']]
    const helps = await brandwaveAll(commands.map((command) => [...command, '--help']), {})
    helps.forEach((help, index) => {
      expect(help.status, commands[index]!.join(' ')).toBe(0)
      expect(help.stdout, commands[index]!.join(' ')).toMatch(/Example/)
    })
  })
}, 120_000)

describe.runIf(built)('brandwave scan', () => {
  const real = generateToken('bw', 'live', randomBytes)
  const test = generateToken('bw', 'test', randomBytes)
  // Same shape, wrong checksum: the last character changed.
  const lookalike = `${real.slice(0, -1)}${real.endsWith('a') ? 'b' : 'a'}`
  let dir: string

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'brandwave-scan-'))
    mkdirSync(join(dir, 'src'))
    mkdirSync(join(dir, '.git'))
    mkdirSync(join(dir, 'node_modules', 'pkg'), { recursive: true })
    writeFileSync(join(dir, 'src', 'config.ts'), `const a = 1\nconst key = "${real}"\n// ${lookalike}\n`)
    writeFileSync(join(dir, 'notes.md'), `line one\nline two\n  export BW=${test};\n`)
    writeFileSync(join(dir, 'clean.txt'), `${lookalike}\nbw_live_short\n`)
    writeFileSync(join(dir, 'image.bin'), Buffer.concat([Buffer.from([0x89, 0x50, 0x00, 0x01]), Buffer.from(real)]))
    writeFileSync(join(dir, '.git', 'COMMIT_EDITMSG'), real)
    writeFileSync(join(dir, 'node_modules', 'pkg', 'index.js'), real)
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('finds tokens with a valid checksum by file:line, masked; skips lookalikes, binaries, .git and node_modules; exits 1', () => {
    const run = brandwave(['scan', dir], {})
    expect(run.status).toBe(1)
    expect(run.stdout.trim().split('\n').sort()).toEqual(
      [`${join(dir, 'notes.md')}:3: ${test.slice(0, 12)}…[36 chars]`, `${join(dir, 'src', 'config.ts')}:2: ${real.slice(0, 12)}…[36 chars]`].sort(),
    )
    for (const secret of [real, test]) expect(run.stdout + run.stderr).not.toContain(secret)
  })


  it('exits 0 on clean files, and reads standard input when no path is given', () => {
    expect(brandwave(['scan', join(dir, 'clean.txt'), join(dir, 'image.bin')], {}).status).toBe(0)
    const piped = brandwave(['scan', '--json'], {}, { input: `diff\n+token = ${real}\n` })
    expect(piped.status).toBe(1)
    expect(JSON.parse(piped.stdout).findings).toEqual([{ file: '(stdin)', line: 2, column: 10, kind: 'live', masked: `${real.slice(0, 12)}…[36 chars]` }])
    expect(piped.stdout).not.toContain(real)
    expect(brandwave(['scan'], {}, { input: 'nothing here\n' }).status).toBe(0)
  })

  it('looks for the configured prefix only, and fails on a path it cannot read', () => {
    const custom = generateToken('bsk', 'live', randomBytes)
    expect(brandwave(['scan'], { BRANDWAVE_TOKEN_PREFIX: 'bsk' }, { input: `${real}\n${custom}\n` }).stdout).toContain(':2: bsk_live_')
    expect(brandwave(['scan'], { BRANDWAVE_TOKEN_PREFIX: 'B_W' }, { input: '' }).status).toBe(2)
    expect(brandwave(['scan'], { BRANDWAVE_TOKEN_PREFIX: '' }, { input: real }).status).toBe(1)
    const missing = brandwave(['scan', join(dir, 'does-not-exist')], {})
    expect(missing.status).toBe(1)
    expect(missing.stdout).toBe('')
  })
}, 60_000)

if (!built) {
  console.warn('\n  !!! packages/server/dist is missing: the CLI tests were SKIPPED. Run `npm run build` (npm test does).\n')
}
