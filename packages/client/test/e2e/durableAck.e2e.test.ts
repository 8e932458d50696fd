// "Synced" means durably stored by the server, never merely sent: with the server's storage write held
// back (AMBER_TEST_COMMIT_DELAY_MS), another device already has the edit, relayed before the write,
// while the author's whenSynced() is still pending and hasLocalChanges still true.

import { afterEach, describe, expect, it } from 'vitest'
import { MemoryStore } from '../../src/store/MemoryStore.ts'
import { closeAll, createVault, openVault, untilDoc } from './support/e2e.ts'

afterEach(closeAll)

describe('whenSynced against the real server with a delayed storage write', () => {
  it('never resolves before the durable ack', async () => {
    const created = await createVault('durable ack')
    const author = await openVault(created, new MemoryStore())
    const reader = await openVault(created, new MemoryStore())
    const note = await author.open('Ack.md', { create: true })
    await author.whenSynced()
    await reader.whenSynced()
    const copy = await reader.open('Ack.md')

    const timeline: string[] = []
    note.text.insert(0, 'is this stored?')
    const noteSynced = note.whenSynced().then(() => timeline.push('author note synced'))
    const vaultSynced = author.whenSynced().then(() => timeline.push('author vault synced'))
    await untilDoc(copy.doc, () => copy.text.toString() === 'is this stored?')
    timeline.push('reader has the edit')
    // The server relayed the edit; its storage write is still being held back.
    expect(note.hasLocalChanges).toBe(true)
    expect(author.hasLocalChanges).toBe(true)
    expect(author.status).toBe('syncing')
    await Promise.all([noteSynced, vaultSynced])
    expect(timeline).toEqual(['reader has the edit', 'author note synced', 'author vault synced'])
    expect(note.hasLocalChanges).toBe(false)
    expect(author.status).toBe('synced')
  })
})
