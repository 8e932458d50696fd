// Runs the real local server (`wrangler dev`) as a child process on free ports, with state persisted to a
// directory the caller owns, so end-to-end tests and benchmarks can kill it and start it again on the same state.

import { execFile, spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import { readFileSync, readdirSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const workerDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const wranglerBin = path.join(path.dirname(createRequire(import.meta.url).resolve('wrangler/package.json')), 'bin/wrangler.js')

/** wrangler builds, starts workerd and answers health within this on a loaded 2-core machine. */
const START_TIMEOUT_MS = 90_000
const STOP_TIMEOUT_MS = 10_000

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

export interface StartOptions {
  /** Local state (DO storage, R2, D1); kept across kill/start so a restart serves the same vaults. */
  readonly persistTo: string
  /** Extra Worker vars, e.g. short durations or small limits for a test. */
  readonly vars?: Record<string, string>
  /** The admin secret; a random one by default (read it back from `adminToken`). */
  readonly adminToken?: string
}

/** A vault created through the admin API, with its first owner token. */
export interface CreatedVault {
  readonly vaultId: string
  readonly token: string
  readonly tokenId: string
}

export class WranglerDev {
  readonly port: number
  readonly adminToken: string
  readonly #child: ChildProcess
  readonly #exited: Promise<void>
  #output = ''

  private constructor(port: number, child: ChildProcess, adminToken: string) {
    this.port = port
    this.adminToken = adminToken
    this.#child = child
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()))
    child.stdout?.on('data', (chunk: Buffer) => (this.#output += chunk.toString()))
    child.stderr?.on('data', (chunk: Buffer) => (this.#output += chunk.toString()))
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`
  }

  get wsOrigin(): string {
    return `ws://127.0.0.1:${this.port}`
  }

  /** The workerd process serving requests (a descendant of wrangler's node process), for RSS readings. */
  workerdPid(): number | undefined {
    const root = this.#child.pid
    if (root === undefined) return undefined
    const parents = new Map<number, number>()
    const names = new Map<number, string>()
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
        parents.set(Number(entry), ppid)
        names.set(Number(entry), name)
      } catch {
        continue // the process exited while we listed /proc
      }
    }
    for (const [pid, name] of names) {
      if (!name.startsWith('workerd')) continue
      for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) if (p === root) return pid
    }
    return undefined
  }

  /** Everything the server printed; attached to failures. */
  get output(): string {
    return this.#output
  }

  /** Creates a vault with the admin secret; returns its id and an owner token. */
  async createVault(name = 'test vault'): Promise<CreatedVault> {
    return this.api<CreatedVault>('POST', '/api/v1/vaults', this.adminToken, { name })
  }

  /** Mints a token of `role` on a vault with an owner (or the admin) credential. */
  async createToken(vaultId: string, credential: string, role: 'owner' | 'editor' | 'viewer', expiresIn?: number) {
    return this.api<{ tokenId: string; token: string }>('POST', `/api/v1/vaults/${vaultId}/tokens`, credential, { role, label: `test ${role}`, expiresIn })
  }

  /** A single-use ticket for one WebSocket (`?ticket=`). */
  async createTicket(vaultId: string, credential: string): Promise<{ ticket: string; expiresAt: number }> {
    return this.api('POST', `/api/v1/vaults/${vaultId}/tickets`, credential)
  }

  /** One JSON call to the server's API; throws with the server's error body on a non-2xx answer. */
  async api<T>(method: string, route: string, credential: string, body?: unknown): Promise<T> {
    const res = await fetch(this.origin + route, {
      method,
      headers: { Authorization: `Bearer ${credential}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    if (!res.ok) throw new Error(`${method} ${route} → ${res.status} ${await res.text()}`)
    return (res.status === 204 ? undefined : await res.json()) as T
  }

  static async start(options: StartOptions): Promise<WranglerDev> {
    // The registry schema, applied to the local D1 under persistTo (a no-op when already applied).
    await promisify(execFile)(process.execPath, [wranglerBin, 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', options.persistTo], {
      cwd: workerDir,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: '1', FORCE_COLOR: '0' },
    })
    const adminToken = options.adminToken ?? `amber_admin_${randomBytes(24).toString('base64url')}`
    const port = await freePort()
    const inspectorPort = await freePort()
    // prettier-ignore
    const args = [
      wranglerBin, 'dev',
      '--ip', '127.0.0.1',
      '--port', String(port),
      '--inspector-port', String(inspectorPort),
      '--persist-to', options.persistTo,
      '--show-interactive-dev-session=false',
    ]
    for (const [name, value] of Object.entries(options.vars ?? {})) args.push('--var', `${name}:${value}`)
    // A secret goes in an env file: wrangler prints --var values at startup, env-file values as "(hidden)".
    const secretsFile = path.join(options.persistTo, 'amber-secrets.vars')
    await writeFile(secretsFile, `AMBER_ADMIN_TOKEN=${adminToken}\n`, { mode: 0o600 })
    args.push('--env-file', secretsFile)
    // Its own process group, so kill() reaches workerd too, not only wrangler's node process.
    const child = spawn(process.execPath, args, {
      cwd: workerDir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: '1', FORCE_COLOR: '0' },
    })
    const dev = new WranglerDev(port, child, adminToken)
    try {
      await dev.#waitHealthy()
    } catch (error) {
      await dev.kill()
      throw new Error(`wrangler dev did not come up: ${String(error)}\n${dev.output}`)
    }
    return dev
  }

  /** Kills the whole process group with SIGKILL (a crash, not a graceful shutdown) and waits for the exit. */
  async kill(): Promise<void> {
    await this.#signal('SIGKILL')
  }

  /** Graceful stop: SIGTERM to the group, then SIGKILL if it has not exited in time. */
  async stop(): Promise<void> {
    await this.#signal('SIGTERM')
  }

  async #signal(signal: NodeJS.Signals): Promise<void> {
    const pid = this.#child.pid
    if (pid === undefined) return
    if (this.#child.exitCode === null && this.#child.signalCode === null) killGroup(pid, signal)
    let timer: NodeJS.Timeout | undefined
    const timedOut = await Promise.race([
      this.#exited.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), STOP_TIMEOUT_MS))),
    ])
    clearTimeout(timer)
    // workerd may outlive wrangler's node process; the group kill reaches it either way.
    killGroup(pid, 'SIGKILL')
    if (timedOut) await this.#exited
  }

  async #waitHealthy(): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS
    let exited = false
    void this.#exited.then(() => (exited = true))
    for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
      if (exited) throw new Error('the process exited')
      try {
        const res = await fetch(`${this.origin}/api/v1/health`, { signal: AbortSignal.timeout(2_000) })
        if (res.ok) return
      } catch (error) {
        // Not listening yet (connection refused) or still building: poll again until the deadline.
        if (Date.now() > deadline) throw error
      }
      if (Date.now() > deadline) throw new Error(`no healthy answer within ${START_TIMEOUT_MS} ms`)
      await new Promise((resolve) => setTimeout(resolve, delay))
    }
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch (error) {
    // ESRCH: the group is already gone, which is what we wanted.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
  }
}
