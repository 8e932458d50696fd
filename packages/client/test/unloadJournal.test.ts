// The unload journal: what a page had not committed when it went away is written synchronously and
// replayed into the store by the next connectVault — in order, idempotently, never moving the record back.

import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { MemoryStore } from '../src/store/MemoryStore.ts'
import type { StoreBatch, VaultRecord } from '../src/store/LocalStore.ts'
import { replayUnloadJournal, saveUnloadJournal, unloadJournalKey } from '../src/unloadJournal.ts'
import type { SyncKeyValue } from '../src/unloadJournal.ts'

class MapStorage implements SyncKeyValue {
  readonly items = new Map<string, string>()
  getItem(key: string): string | null {
    return this.items.get(key) ?? null
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value)
  }
  removeItem(key: string): void {
    this.items.delete(key)
  }
}

const record = (nextSeq: number, seq: number): VaultRecord => ({ deviceId: 'dev', cursor: { epoch: 'e', seq }, nextSeq, lineage: 'L' })

function edit(text: string): Uint8Array {
  const doc = new Y.Doc()
  doc.clientID = 7
  doc.getText('content').insert(0, text)
  return Y.encodeStateAsUpdate(doc)
}

async function textOf(store: MemoryStore, docId: string): Promise<string> {
  const doc = new Y.Doc()
  for (const update of await store.readDoc(docId)) Y.applyUpdate(doc, update)
  return doc.getText('content').toString()
}

describe('unload journal', () => {
  it('replays the uncommitted batches into the store, in order, then forgets them', async () => {
    const storage = new MapStorage()
    const key = unloadJournalKey('dev')
    const update = edit('typed just before the reload')
    const batches: StoreBatch[] = [
      { record: record(2, 0), appendUpdates: [{ docId: 'n1', update }], putOutbox: [{ seq: 1, docId: 'n1', update, supersedes: false }] },
      { record: record(3, 0), putOutbox: [{ seq: 2, docId: 'n1', update, supersedes: false }], deleteOutbox: [1] },
    ]
    expect(saveUnloadJournal(storage, key, batches)).toBe(true)
    const store = new MemoryStore()
    await store.commit({ record: record(1, 0) })
    await replayUnloadJournal(storage, key, store, record(1, 0))
    expect(await textOf(store, 'n1')).toBe('typed just before the reload')
    expect((await store.readOutbox()).map((e) => [e.seq, e.update])).toEqual([[2, update]])
    expect(await store.readRecord()).toEqual(record(3, 0))
    expect(storage.items.size).toBe(0)

    // A second replay (the commit had landed after all) changes nothing that matters.
    saveUnloadJournal(storage, key, batches)
    await replayUnloadJournal(storage, key, store, record(3, 0))
    expect(await textOf(store, 'n1')).toBe('typed just before the reload')
    expect(await store.readRecord()).toEqual(record(3, 0))
  })

  it('never moves the sequence numbers or the cursor back', async () => {
    const storage = new MapStorage()
    const key = unloadJournalKey('dev')
    saveUnloadJournal(storage, key, [{ record: record(2, 5) }])
    const store = new MemoryStore()
    await store.commit({ record: record(9, 40) })
    await replayUnloadJournal(storage, key, store, record(9, 40))
    expect(await store.readRecord()).toEqual(record(9, 40))
  })

  it('writes nothing for nothing, or for more than localStorage should hold', () => {
    const storage = new MapStorage()
    expect(saveUnloadJournal(storage, 'k', [])).toBe(false)
    const huge = new Uint8Array(3_000_000)
    expect(saveUnloadJournal(storage, 'k', [{ appendUpdates: [{ docId: 'n', update: huge }] }])).toBe(false)
    expect(storage.items.size).toBe(0)
  })
})
