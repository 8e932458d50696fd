// The batches of the crash tests (SIGKILL of a Node process or of Chromium) and the check of what a store
// kept: every batch whose commit resolved, and of the next one all or nothing. Batch n appends an update
// to a document, puts outbox entry n, deletes entry n - 2 and records nextSeq n + 1; every 16th batch
// also compacts its document. Free of Node APIs: it also runs inside the browser page.

import * as Y from 'yjs'
import type { LocalStore, StoreBatch } from '../../src/store/LocalStore.ts'

const DOCS = 4

function updateOf(n: number): Uint8Array {
  const doc = new Y.Doc()
  doc.clientID = n
  doc.getText('content').insert(0, `edit ${n};`)
  return Y.encodeStateAsUpdate(doc)
}

export function crashBatch(n: number): StoreBatch {
  const docId = `doc-${n % DOCS}`
  const update = updateOf(n)
  return {
    record: { deviceId: 'crash-device', cursor: { epoch: 'e', seq: n }, nextSeq: n + 1, lineage: 'l' },
    appendUpdates: [{ docId, update }],
    putOutbox: [{ seq: n, docId, update, supersedes: false }],
    ...(n > 2 ? { deleteOutbox: [n - 2] } : {}),
  }
}

/**
 * Checks a store reopened after a crash; returns the number of the last batch it holds, which must be at
 * least `resolved` (the last batch the writer saw resolve). Throws on a lost, partial or doubled batch.
 */
export async function checkCrashSurvivor(store: LocalStore, resolved: number): Promise<number> {
  const record = await store.readRecord()
  const last = record ? record.nextSeq - 1 : 0
  if (last < resolved) throw new Error(`lost batches: the store holds up to ${last}, but ${resolved} had resolved`)
  const outbox = (await store.readOutbox()).map((entry) => entry.seq)
  const expectedOutbox = [last - 1, last].filter((seq) => seq >= 1)
  if (outbox.join() !== expectedOutbox.join()) throw new Error(`outbox ${outbox.join()} after batch ${last}, expected ${expectedOutbox.join()}`)
  for (let d = 0; d < DOCS; d++) {
    const doc = new Y.Doc()
    for (const update of await store.readDoc(`doc-${d}`)) Y.applyUpdate(doc, update)
    const expected = Array.from({ length: last }, (_, i) => i + 1)
      .filter((n) => n % DOCS === d)
      .map((n) => `edit ${n};`)
    const edits = doc.getText('content').toString().match(/edit \d+;/g) ?? []
    if (edits.sort().join() !== expected.sort().join()) {
      throw new Error(`doc-${d} holds ${edits.length} edits, expected ${expected.length} after batch ${last}`)
    }
  }
  return last
}
