// "Sync on open" of a real vault: one device writes every note of ../shared/corpus/vault-de (the German
// Obsidian Help vault, read in place, never copied into the repository) through the SDK; a fresh device
// then catches up and its progress events are monotonic and reach the totals.

import { readFile, readdir } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import type { SyncProgress } from '../../src/index.ts'
import { MemoryStore } from '../../src/store/MemoryStore.ts'
import { closeAll, createVault, openVault } from './support/e2e.ts'

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url))
const corpus = path.resolve(repoRoot, '..', 'shared', 'corpus', 'vault-de')

afterEach(closeAll)

async function markdownNotes(): Promise<Map<string, string>> {
  const notes = new Map<string, string>()
  for (const entry of await readdir(corpus, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.md')) continue
    const full = path.join(entry.parentPath, entry.name)
    notes.set(path.relative(corpus, full).split(path.sep).join('/'), await readFile(full, 'utf8'))
  }
  return notes
}

describe('catch-up progress on the vault-de corpus', () => {
  it('is monotonic and reaches docsTotal and bytesTotal', async () => {
    const notes = await markdownNotes()
    expect(notes.size).toBe(173)
    const created = await createVault('vault-de')
    const seeder = await openVault(created, new MemoryStore())
    await seeder.whenLoaded()
    for (const [notePath, text] of notes) seeder.tree.createFile(notePath, { text })
    await seeder.whenSynced()

    const phone = await openVault(created, new MemoryStore(), { offline: true })
    const events: SyncProgress[] = []
    phone.on('progress', (progress) => events.push(progress))
    phone.connect()
    await phone.whenLoaded()

    const last = events.at(-1)!
    // Every note plus the tree.
    expect(last.docsTotal).toBe(notes.size + 1)
    expect(last.docsDone).toBe(last.docsTotal)
    expect(last.bytesDone).toBe(last.bytesTotal)
    expect(last.bytesTotal).toBeGreaterThan(
      [...notes.values()].reduce((sum, text) => sum + Buffer.byteLength(text), 0),
    )
    expect(events[0]).toMatchObject({ docsDone: 0, bytesDone: 0 })
    expect(events).toHaveLength(notes.size + 2)
    for (let i = 1; i < events.length; i++) {
      const [before, after] = [events[i - 1]!, events[i]!]
      expect(after.docsTotal).toBe(before.docsTotal)
      expect(after.bytesTotal).toBe(before.bytesTotal)
      expect(after.docsDone).toBe(before.docsDone + 1)
      expect(after.bytesDone).toBeGreaterThan(before.bytesDone)
    }
    // And the content arrived whole.
    for (const notePath of ['Zu Obsidian beitragen/Übersetzungen.md', 'Erweiterungen/Graph-Ansicht.md']) {
      expect((await phone.open(notePath)).text.toString()).toBe(notes.get(notePath))
    }
  })
})
