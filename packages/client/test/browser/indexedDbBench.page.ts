// Page side of indexedDbBench.ts: writes N small notes and opens them all again, through y-indexeddb (one
// database per document) or through IndexedDbStore (one database per vault). Times are wall-clock ms
// inside the page, from the first call until every write has completed or every note is loaded.

import { IndexeddbPersistence } from 'y-indexeddb'
import * as Y from 'yjs'
import { IndexedDbStore } from '../../src/store/IndexedDbStore.ts'

export type BenchApproach = 'y-indexeddb' | 'vault-db (strict)' | 'vault-db (relaxed)' | 'vault-db (one batch)'

export interface IndexedDbBenchApi {
  /** Creates `notes` notes with one small edit each; resolves with the ms until all are durably written. */
  write(approach: BenchApproach, notes: number): Promise<number>
  /** Opens every note into a Y.Doc; resolves with the ms taken, after checking what was loaded. */
  openAll(approach: BenchApproach, notes: number): Promise<number>
  /** Commits `count` one-update batches one after another, each awaited; resolves with each one's ms. */
  commitLatency(durability: 'strict' | 'relaxed', count: number): Promise<number[]>
}

declare global {
  var amberBench: IndexedDbBenchApi
}

const VAULT = 'bench-vault'
const noteId = (i: number) => `notes/note-${i}.md`
const noteText = (i: number) => `# Note ${i}\n\nA small note of about a hundred characters, linking [[note-${i + 1}]].\n`

function durabilityOf(approach: BenchApproach): 'strict' | 'relaxed' {
  return approach === 'vault-db (relaxed)' ? 'relaxed' : 'strict'
}

/** Resolves once every transaction y-indexeddb has started on `db` so far has completed. */
function settled(db: IDBDatabase): Promise<void> {
  return new Promise((resolve, reject) => {
    // Transactions over the same store run in creation order: this one completes after the edit's write.
    const tx = db.transaction('updates', 'readonly')
    tx.oncomplete = () => resolve()
    tx.onabort = () => reject(tx.error)
  })
}

globalThis.amberBench = {
  async write(approach, notes) {
    const start = performance.now()
    if (approach === 'y-indexeddb') {
      await Promise.all(
        Array.from({ length: notes }, async (_, i) => {
          const doc = new Y.Doc()
          const persistence = new IndexeddbPersistence(noteId(i), doc)
          await persistence.whenSynced
          doc.getText('content').insert(0, noteText(i))
          await settled(persistence.db!)
          await persistence.destroy()
        }),
      )
      return performance.now() - start
    }
    const store = await IndexedDbStore.open(VAULT, { durability: durabilityOf(approach) })
    const updates = Array.from({ length: notes }, (_, i) => {
      const doc = new Y.Doc()
      doc.getText('content').insert(0, noteText(i))
      return { docId: noteId(i), update: Y.encodeStateAsUpdate(doc) }
    })
    if (approach === 'vault-db (one batch)') await store.commit({ appendUpdates: updates })
    else await Promise.all(updates.map((entry) => store.commit({ appendUpdates: [entry] })))
    await store.close()
    return performance.now() - start
  },

  async openAll(approach, notes) {
    const start = performance.now()
    let docs: Y.Doc[]
    if (approach === 'y-indexeddb') {
      docs = await Promise.all(
        Array.from({ length: notes }, async (_, i) => {
          const doc = new Y.Doc()
          await new IndexeddbPersistence(noteId(i), doc).whenSynced
          return doc
        }),
      )
    } else {
      const store = await IndexedDbStore.open(VAULT)
      const ids = await store.listDocs()
      docs = await Promise.all(
        ids.map(async (docId) => {
          const doc = new Y.Doc()
          for (const update of await store.readDoc(docId)) Y.applyUpdate(doc, update)
          return doc
        }),
      )
    }
    const elapsed = performance.now() - start
    if (docs.length !== notes) throw new Error(`${approach}: opened ${docs.length} notes, expected ${notes}`)
    const sample = Math.floor(notes / 2)
    const text = docs.map((doc) => doc.getText('content').toString()).find((t) => t === noteText(sample))
    if (text === undefined) throw new Error(`${approach}: note ${sample} did not load its text`)
    return elapsed
  },

  async commitLatency(durability, count) {
    const store = await IndexedDbStore.open(`latency-${durability}`, { durability })
    const doc = new Y.Doc()
    const text = doc.getText('content')
    const times: number[] = []
    for (let i = 0; i < count; i++) {
      const before = Y.encodeStateVector(doc)
      text.insert(text.length, 'x')
      const update = Y.encodeStateAsUpdate(doc, before)
      const start = performance.now()
      await store.commit({ appendUpdates: [{ docId: 'typing.md', update }], putOutbox: [{ seq: i + 1, docId: 'typing.md', update, supersedes: false }] })
      times.push(performance.now() - start)
    }
    await store.close()
    return times
  },
}
