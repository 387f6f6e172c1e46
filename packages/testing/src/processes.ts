import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { connect, createServer, Socket, type Server } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * What `npm start` and `npx brandwave` run: the server bundled into a few files by
 * `npm run build` (scripts/prepare-start.mjs). A process loads it in half the time of the
 * hundreds of modules tsc emits, and the suites that spawn servers and CLI runs start hundreds.
 */
export const distDir = fileURLToPath(new URL('../../server/dist/bundle/', import.meta.url))
export const built = existsSync(join(distDir, 'main.js')) && existsSync(join(distDir, 'cli.js'))

/** A Brandwave process started from the built entry point, as `npm start` runs it. */
export interface Instance {
  readonly url: string
  readonly child: ChildProcess
  output(): string
  stop(): Promise<number | null>
}

/** Starts `node dist/bundle/main.js [args]` with `env` (in `cwd`) and waits for its "listening" line. */
export function startInstance(env: Record<string, string>, options: { readonly args?: readonly string[]; readonly cwd?: string } = {}): Promise<Instance> {
  const child = spawn(process.execPath, [join(distDir, 'main.js'), ...(options.args ?? [])], {
    ...(options.cwd !== undefined && { cwd: options.cwd }),
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening" line within 30 s:\n${output}`)), 30_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /listening on (http:\/\/[\d.:]+) \(/.exec(output)
      if (match) {
        clearTimeout(timer)
        resolve({
          url: match[1]!,
          child,
          output: () => output,
          async stop() {
            child.kill('SIGTERM')
            return exited
          },
        })
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`exited with ${code}:\n${output}`))
    })
  })
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/**
 * A TCP proxy the test controls, to take a dependency away and give it back without
 * touching the machine's shared server: `cut()` drops every connection and refuses new
 * ones; `restore()` accepts again on the same port; `lag(ms)` slows it down.
 */
export class TcpProxy {
  private server: Server | undefined
  private readonly sockets = new Set<Socket>()
  private lagMs = { toTarget: 0, fromTarget: 0 }
  port = 0

  constructor(private readonly target: { host: string; port: number }) {}

  async start(port = 0): Promise<number> {
    this.server = createServer((client) => {
      const upstream = new Socket()
      upstream.connect(this.target.port, this.target.host)
      for (const socket of [client, upstream]) {
        this.sockets.add(socket)
        socket.on('close', () => this.sockets.delete(socket))
        socket.on('error', () => socket.destroy())
      }
      this.relay(client, upstream, 'toTarget')
      this.relay(upstream, client, 'fromTarget')
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
    })
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve))
    const address = this.server.address()
    if (address === null || typeof address === 'string') throw new Error('no port')
    this.port = address.port
    return this.port
  }

  /**
   * Delays every chunk by `toTargetMs` on its way to the target and `fromTargetMs` on its way
   * back, from now on (0: none): a slow network or a busy peer. A lag on answers alone makes
   * a reply arrive late about a state the target already left.
   */
  lag(toTargetMs: number, fromTargetMs = toTargetMs): void {
    this.lagMs = { toTarget: toTargetMs, fromTarget: fromTargetMs }
  }

  private relay(from: Socket, to: Socket, direction: 'toTarget' | 'fromTarget'): void {
    // Never before an earlier chunk, even when the lag shrinks meanwhile: the bytes keep their order.
    let dueAt = 0
    from.on('data', (chunk: Buffer) => {
      const now = Date.now()
      dueAt = Math.max(now + this.lagMs[direction], dueAt)
      if (dueAt <= now) to.write(chunk)
      else setTimeout(() => to.destroyed || to.write(chunk), dueAt - now)
    })
  }

  async cut(): Promise<void> {
    for (const socket of this.sockets) socket.destroy()
    await new Promise((resolve) => this.server?.close(resolve))
  }

  async restore(): Promise<void> {
    await this.start(this.port)
  }
}

/** A private `redis-server` on a free port, which the test may kill and restart. */
export class PrivateRedis {
  private child: ChildProcess | undefined
  port = 0

  async start(port?: number): Promise<string> {
    this.port = port ?? (await freePort())
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
    for (let i = 0; i < 100; i++) {
      if (await this.answers()) return `redis://127.0.0.1:${this.port}`
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    throw new Error('redis-server did not start')
  }

  private answers(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = connect(this.port, '127.0.0.1', () => socket.write('PING\r\n'))
      socket.on('data', (data) => {
        resolve(data.toString().startsWith('+PONG'))
        socket.destroy()
      })
      socket.on('error', () => resolve(false))
    })
  }

  async kill(): Promise<void> {
    const child = this.child
    if (child === undefined || child.exitCode !== null) return
    const exited = new Promise((resolve) => child.on('exit', resolve))
    child.kill('SIGKILL')
    await exited
  }
}
