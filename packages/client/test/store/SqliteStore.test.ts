// SqliteStore: the contract on a real file under both synchronous settings, a SIGKILL of a writer
// process mid-stream, and the file-level checks (WAL mode, schema version).

import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { SqliteStore } from '../../src/store/SqliteStore.ts'
import type { SqliteStoreOptions } from '../../src/store/SqliteStore.ts'
import { checkCrashSurvivor } from './crashBatch.ts'
import { runLocalStoreContract } from './runLocalStoreContract.ts'

const here = path.dirname(fileURLToPath(import.meta.url))

function sqliteLocation(synchronous: SqliteStoreOptions['synchronous']) {
  return async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'amber-sqlite-'))
    const file = path.join(dir, 'vault.sqlite')
    return {
      open: async (options = {}) => new SqliteStore(file, { ...options, synchronous }),
      destroy: () => rm(dir, { recursive: true, force: true }),
    }
  }
}

runLocalStoreContract('SqliteStore (synchronous=FULL)', sqliteLocation('full'))
runLocalStoreContract('SqliteStore (synchronous=NORMAL)', sqliteLocation('normal'))

describe('SqliteStore files', () => {
  const dirs: string[] = []
  const tempFile = async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'amber-sqlite-'))
    dirs.push(dir)
    return path.join(dir, 'vault.sqlite')
  }
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
  })

  for (const synchronous of ['full', 'normal'] as const) {
    it(`a writer killed with SIGKILL keeps every batch whose commit resolved, and no partial one (synchronous=${synchronous})`, async () => {
      const file = await tempFile()
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'sqliteCrashChild.ts'), file, synchronous], {
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let resolved = 0
      let stderr = ''
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)))
      await new Promise<void>((resolve, reject) => {
        let buffered = ''
        child.stdout.on('data', (chunk: Buffer) => {
          buffered += chunk.toString()
          const lines = buffered.split('\n')
          buffered = lines.pop()!
          if (lines.length > 0) resolved = Number(lines[lines.length - 1])
          // Kill while it is writing: some hundred batches in, with compactions behind it.
          if (resolved >= 300) resolve()
        })
        child.on('exit', () => reject(new Error(`the writer exited early: ${stderr}`)))
      })
      child.kill('SIGKILL')
      expect(await exited).toBe('SIGKILL')
      const store = new SqliteStore(file, { synchronous })
      try {
        const last = await checkCrashSurvivor(store, resolved)
        expect(last).toBeGreaterThanOrEqual(resolved)
      } finally {
        await store.close()
      }
    })
  }

  it('uses WAL with the chosen synchronous level and stamps the schema version', async () => {
    const file = await tempFile()
    const store = new SqliteStore(file, { synchronous: 'normal' })
    await store.close()
    const db = new Database(file, { readonly: true })
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
      expect(db.pragma('user_version', { simple: true })).toBe(1)
    } finally {
      db.close()
    }
  })

  it('refuses a file written by a newer schema instead of misreading it', async () => {
    const file = await tempFile()
    const db = new Database(file)
    db.pragma('user_version = 99')
    db.close()
    expect(() => new SqliteStore(file)).toThrow(/schema 99/)
  })

  it('rejects a bad option before touching the file', () => {
    expect(() => new SqliteStore(':memory:', { compactThreshold: 0 })).toThrow(RangeError)
    expect(() => new SqliteStore(':memory:', { synchronous: 'off' as 'full' })).toThrow(RangeError)
  })
})
