// The SDK guide's complete embedding example (examples/embed.ts, shown verbatim in docs/sdk.md) runs
// against the real server, and what it wrote is what another device reads.

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { runExample } from '../../examples/embed.ts'
import { MemoryStore } from '../../src/store/MemoryStore.ts'
import { amberServer, closeAll, createVault, openVault } from './support/e2e.ts'

const dirs: string[] = []
afterEach(closeAll)
afterAll(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
})

describe('docs/sdk.md embedding example', () => {
  it('runs as written against the real server', async () => {
    const created = await createVault('docs example')
    const dir = await mkdtemp(path.join(tmpdir(), 'amber-example-'))
    dirs.push(dir)
    const log = await runExample({
      url: amberServer().origin,
      vaultId: created.vaultId,
      token: created.token,
      file: path.join(dir, 'vault.db'),
    })

    expect(log.filter((line) => line.startsWith('error') || line.startsWith('stopped'))).toEqual([])
    expect(log).toContain('unsynced edits: true')
    expect(log).toContain('synced: Journal/2026-11-28.md = "Written through the SDK.\\n"')
    expect(log).toContain('tree: Journal, Journal/2026-11-28.md')
    expect(log.filter((line) => line.startsWith('status:')).at(-1)).toBe('status: offline')

    const reader = await openVault(created, new MemoryStore())
    await reader.whenSynced()
    expect(reader.tree.list().map((entry) => entry.path)).toEqual(['Journal', 'Journal/2026-11-28.md'])
    expect((await reader.open('Journal/2026-11-28.md')).text.toString()).toBe('Written through the SDK.\n')
  })
})
