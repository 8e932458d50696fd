// The journal-to-store writer: group commit in journal order, puts cancelled by an ack before they
// reached the store, failed commits retried in order, and a lineage reset that lands atomically with
// the rescued copies journaled right after it.

import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { StoreWriter } from '../src/StoreWriter.ts'
import type { StoreBatch, VaultRecord } from '../src/store/LocalStore.ts'
import { MemoryStore } from '../src/store/MemoryStore.ts'

const RECORD: VaultRecord = { deviceId: 'd1', cursor: { epoch: '', seq: 0 }, nextSeq: 1, lineage: 'L1' }

function update(text: string): Uint8Array {
  const doc = new Y.Doc()
  doc.getText('content').insert(0, text)
  return Y.encodeStateAsUpdate(doc)
}

function textOf(updates: Uint8Array[] | undefined): string {
  const doc = new Y.Doc()
  for (const u of updates ?? []) Y.applyUpdate(doc, u)
  return doc.getText('content').toString()
}

class RecordingStore extends MemoryStore {
  readonly batches: StoreBatch[] = []
  failNext = 0
  override async commit(batch: StoreBatch): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--
      throw new Error('disk full')
    }
    this.batches.push(batch)
    return super.commit(batch)
  }
}

describe('StoreWriter', () => {
  it('commits a burst as one batch, and cancels a put acknowledged before it reached the store', async () => {
    const store = new RecordingStore()
    const writer = new StoreWriter(store, RECORD, { onError: (error) => expect.fail(String(error)) })
    for (let seq = 1; seq <= 50; seq++) {
      writer.docAppend('n1', update(`e${seq}`))
      writer.outboxPut({ seq, docId: 'n1', update: update(`e${seq}`), supersedes: false })
      writer.state({ cursor: { epoch: '', seq: 0 }, nextSeq: seq + 1, lineage: 'L1' })
    }
    writer.outboxDelete([1, 2])
    await writer.idle()
    expect(store.batches).toHaveLength(1)
    expect(store.batches[0]?.putOutbox?.map((entry) => entry.seq)).toEqual(
      Array.from({ length: 48 }, (_, i) => i + 3),
    )
    expect(store.batches[0]?.deleteOutbox).toBeUndefined()
    expect(store.data.record?.nextSeq).toBe(51)
    expect(store.data.docs.get('n1')).toHaveLength(50)
  })

  it('journal calls during a commit go into the next one, in order', async () => {
    const store = new RecordingStore()
    const writer = new StoreWriter(store, RECORD, { onError: () => undefined })
    writer.outboxPut({ seq: 1, docId: 'n1', update: update('a'), supersedes: false })
    await Promise.resolve()
    await Promise.resolve()
    // The first commit is in flight: this ack must not be folded into it.
    writer.outboxDelete([1])
    await writer.idle()
    expect(store.batches.map((batch) => [batch.putOutbox?.map((e) => e.seq), batch.deleteOutbox])).toEqual([
      [[1], undefined],
      [undefined, [1]],
    ])
    expect(store.data.outbox.size).toBe(0)
  })

  it('retries a failed commit before anything journaled after it, and reports the failure', async () => {
    const store = new RecordingStore()
    store.failNext = 2
    const errors: string[] = []
    const writer = new StoreWriter(store, RECORD, {
      onError: (error) => errors.push((error as Error).message),
      retryDelayMs: 1,
    })
    writer.docAppend('n1', update('first'))
    await Promise.resolve()
    writer.docAppend('n2', update('second'))
    await writer.idle()
    expect(errors).toEqual(['disk full', 'disk full'])
    expect(store.batches.map((batch) => batch.appendUpdates?.map((a) => a.docId))).toEqual([['n1'], ['n2']])
  })

  it('a lineage reset and the rescued copies journaled after it land in one atomic batch', async () => {
    const store = new RecordingStore()
    await store.commit({
      record: RECORD,
      appendUpdates: [
        { docId: 'tree', update: update('old tree') },
        { docId: 'old-note', update: update('old text') },
      ],
      putOutbox: [{ seq: 1, docId: 'old-note', update: update('old text'), supersedes: false }],
    })
    store.batches.length = 0
    const writer = new StoreWriter(
      store,
      { ...RECORD, nextSeq: 2 },
      { onError: (error) => expect.fail(String(error)) },
    )
    writer.reset({ cursor: { epoch: '', seq: 0 }, nextSeq: 2, lineage: 'L2' })
    writer.docAppend('tree', update('new tree'))
    writer.docAppend('copy', update('rescued'))
    writer.outboxPut({ seq: 2, docId: 'copy', update: update('rescued'), supersedes: false })
    await writer.idle()
    expect(store.batches).toHaveLength(1)
    expect(store.data.record?.lineage).toBe('L2')
    expect([...store.data.docs.keys()].sort()).toEqual(['copy', 'tree'])
    expect(textOf(store.data.docs.get('tree'))).toBe('new tree')
    expect(textOf(store.data.docs.get('copy'))).toBe('rescued')
    expect([...store.data.outbox.keys()]).toEqual([2])
  })
})
