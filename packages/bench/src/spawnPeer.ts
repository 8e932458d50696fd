// Starts a peer server in its own Node child process (src/peers/peerHost.mjs) on a free loopback
// port, and gives the bench its pid, its in-process memory figures over IPC, and a graceful stop.
import { fork, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import type { RunningTarget, ServerMemory } from './BenchTarget.ts'

export const LOOPBACK = '127.0.0.1'
const HOST_SCRIPT = fileURLToPath(new URL('./peers/peerHost.mjs', import.meta.url))
const START_TIMEOUT_MS = 20_000
const STOP_TIMEOUT_MS = 20_000

/** Children still running, killed on exit so a failed run never leaves a server behind. */
const live = new Set<ChildProcess>()
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

/** A free TCP port on 127.0.0.1 (bind to 0, read it, release it). */
export async function freePort(): Promise<number> {
  const server = net.createServer()
  server.listen(0, LOOPBACK)
  await once(server, 'listening')
  const address = server.address()
  server.close()
  await once(server, 'close')
  if (address === null || typeof address === 'string') throw new Error('no port assigned')
  return address.port
}

export interface PeerProcess extends RunningTarget {
  readonly pid: number
  /** SIGKILL: no flush, no goodbye; resolves once the process is gone. */
  kill(): Promise<void>
}

/** Spawns `peerHost.mjs <kind> [...args]` and resolves once the server accepts connections. */
export async function spawnPeer(kind: string, args: readonly string[] = []): Promise<PeerProcess> {
  const port = await freePort()
  const child = fork(HOST_SCRIPT, [kind, ...args], {
    execArgv: ['--expose-gc'],
    env: { ...process.env, HOST: LOOPBACK, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  })
  live.add(child)
  const exited = once(child, 'exit').then(() => {
    live.delete(child)
  })
  const pid = child.pid
  if (pid === undefined) throw new Error(`${kind}: child process did not start`)

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${kind}: not ready after ${START_TIMEOUT_MS} ms`)),
      START_TIMEOUT_MS,
    )
    child.on('message', (msg: unknown) => {
      if (isMessage(msg, 'ready')) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${kind}: exited with code ${code} before it was ready`))
    })
  })

  let nextId = 0
  const memory = async (): Promise<ServerMemory> => {
    const id = ++nextId
    const reply = new Promise<ServerMemory>((resolve) => {
      const onMessage = (msg: unknown): void => {
        if (isMessage(msg, 'memory') && msg.id === id) {
          child.off('message', onMessage)
          resolve(msg.memory as ServerMemory)
        }
      }
      child.on('message', onMessage)
    })
    child.send({ type: 'memory', id })
    return reply
  }

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.send({ type: 'stop' })
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
    await exited
    clearTimeout(timer)
  }

  const kill = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGKILL')
    await exited
  }

  return { url: `ws://${LOOPBACK}:${port}`, pid, memory, stop, kill }
}

/** Resident set size of a process from /proc/<pid>/status (VmRSS), in bytes. */
export function readRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)
  if (!match?.[1]) throw new Error(`no VmRSS for pid ${pid}`)
  return Number(match[1]) * 1024
}

function isMessage(msg: unknown, type: string): msg is { type: string; id?: number; memory?: unknown } {
  return typeof msg === 'object' && msg !== null && (msg as { type?: unknown }).type === type
}
