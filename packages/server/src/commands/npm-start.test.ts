import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { request } from '@brandwave/testing/http'

const repositoryRoot = fileURLToPath(new URL('../../../../', import.meta.url))

interface Started {
  readonly url: string
  output(): string
  stop(): Promise<number | null>
}

/** Runs `npm start` exactly as the README says, in the repository, with its data in `dataDir`. */
function npmStart(dataDir: string): Promise<Started> {
  const child = spawn('npm', ['start', '--silent'], {
    cwd: repositoryRoot,
    // Its own process group: npm, the shell and node stop together.
    detached: true,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', BRANDWAVE_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return new Promise((resolve, reject) => {
    // Generous: under the full suite's load on two cores, migrating and hashing the first
    // administrator's password alone have taken most of 30 s.
    const timer = setTimeout(() => reject(new Error(`no "listening" line within 90 s:\n${output}`)), 90_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /listening on (http:\/\/[\d.:]+) \(/.exec(output)
      if (!match) return
      clearTimeout(timer)
      resolve({
        url: match[1]!,
        output: () => output,
        stop() {
          process.kill(-child.pid!, 'SIGTERM')
          return exited
        },
      })
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`npm start exited with ${code}:\n${output}`))
    })
  })
}

describe('npm start (from the repository, as the README says)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'brandwave-npm-start-'))
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

  it('builds, migrates, creates the first admin and listens, saying so one line per step; a later start rebuilds nothing', async () => {
    const first = await npmStart(dataDir)
    try {
      const lines = first.output().split('\n')
      const step = (pattern: RegExp) => lines.findIndex((line) => pattern.test(line))
      const steps = [step(/^Buil(t|ding) the server/), step(/^Migrating the embedded database in /), step(/^New tokens start with bw_\.$/), step(/created the first organization and its administrator/), step(/^Brandwave is listening on /)]
      for (const index of steps) expect(index, first.output()).toBeGreaterThanOrEqual(0)
      expect([...steps].sort((a, b) => a - b)).toEqual(steps)
      const health = await request(first.url, 'GET', '/healthz')
      expect(health.status).toBe(200)
    } finally {
      await first.stop()
    }

    const again = await npmStart(dataDir)
    try {
      expect(again.output()).toContain('Building the server: up to date.')
      expect(again.output()).not.toContain('password:')
      expect((await request(again.url, 'GET', '/healthz')).status).toBe(200)
    } finally {
      await again.stop()
    }
  }, 240_000)
})
