// A Node device (its own process, SQLite store) is killed with SIGKILL in the middle of a sync — its last
// edits committed locally, their durable acks not received — and restarted from the same file: nothing
// is lost and nothing is doubled, on the server or on the device.

import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { MemoryStore } from '../../src/store/MemoryStore.ts'
import { SqliteStore } from '../../src/store/SqliteStore.ts'
import { amberServer, closeAll, createVault, openVault } from './support/e2e.ts'
import type { CreatedVault } from './support/e2e.ts'

const device = fileURLToPath(new URL('./support/sqliteDevice.ts', import.meta.url))
const dirs: string[] = []

afterEach(closeAll)
afterAll(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
})

/** Runs the device; resolves with its stdout once `until` matches it (then kills it) or it exits. */
function runDevice(
  mode: 'edit' | 'resume',
  file: string,
  vault: CreatedVault,
  until?: string,
): Promise<string> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', device, mode, file, amberServer().origin, vault.vaultId, vault.token],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let out = ''
  let err = ''
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      if (until !== undefined && out.includes(until)) {
        child.kill('SIGKILL')
        resolve(out)
      }
    })
    child.once('exit', (code, signal) => {
      if (signal === 'SIGKILL' && until !== undefined) return
      if (code === 0) resolve(out)
      else reject(new Error(`device ${mode} exited ${code ?? signal}: ${err}`))
    })
  })
}

describe('a Node device killed mid-sync, restarted from SQLite', () => {
  it('loses nothing and doubles nothing', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'amber-sqlite-device-'))
    dirs.push(dir)
    const file = path.join(dir, 'vault.db')
    const created = await createVault('crash restart')

    await runDevice('edit', file, created, 'STORED')
    // Killed with its last edits in the outbox: stored locally, not yet acknowledged.
    const inspect = new SqliteStore(file)
    expect((await inspect.readOutbox()).length).toBeGreaterThan(0)
    await inspect.close()

    const resumed = JSON.parse(await runDevice('resume', file, created)) as {
      text: string
      stateVector: number[]
    }
    expect(resumed.text).toBe('base one two three ')

    const other = await openVault(created, new MemoryStore())
    await other.whenSynced()
    const note = await other.open('Crash.md')
    expect(note.text.toString()).toBe('base one two three ')
    expect([...Y.encodeStateVector(note.doc)]).toEqual(resumed.stateVector)
    expect(other.tree.list().map((entry) => entry.path)).toEqual(['Crash.md'])
  })
})
