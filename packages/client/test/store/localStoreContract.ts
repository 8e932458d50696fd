// The one contract every LocalStore passes (memory, SQLite, IndexedDB), as plain async cases with no test
// runner and no Node API, so the same cases run under vitest (runLocalStoreContract.ts) and inside real
// Chromium (test/browser). Aimed at what stores get wrong: key-range bugs between document ids that
// prefix each other, numeric versus string seq order, half-applied batches, lost commits on reopen,
// compaction that changes a document, and reads racing un-awaited commits.

import * as prng from 'lib0/prng'
import * as Y from 'yjs'
import type { LocalStore, OutboxEntry, StoreBatch, VaultRecord } from '../../src/store/LocalStore.ts'
import { MemoryStore } from '../../src/store/MemoryStore.ts'
import type { LocalStoreOptions } from '../../src/store/compactUpdates.ts'
import { assert, assertEqual, assertRejects } from './assertions.ts'

/** Where one store lives (a file, a database name, a memory object): it can be opened again after close. */
export interface StoreLocation {
  open(options?: LocalStoreOptions): Promise<LocalStore>
  /** Removes whatever the location holds; every store opened on it is closed by then. */
  destroy(): Promise<void>
}

/** Makes a fresh, empty location for each case. */
export type StoreLocationFactory = () => Promise<StoreLocation>

export interface ContractContext {
  /** Opens a store on the case's location; the runner closes whatever a case leaves open. */
  open(options?: LocalStoreOptions): Promise<LocalStore>
  readonly seed: number
}

export interface ContractCase {
  readonly name: string
  run(context: ContractContext): Promise<void>
}

export const LOCAL_STORE_CONTRACT_SEED = 0x57083

/** Runs one case on a fresh location, closes what it opened and destroys the location, pass or fail. */
export async function runContractCase(contractCase: ContractCase, factory: StoreLocationFactory, seed: number): Promise<void> {
  const location = await factory()
  const opened: LocalStore[] = []
  try {
    await contractCase.run({
      seed,
      open: async (options) => {
        const store = await location.open(options)
        opened.push(store)
        return store
      },
    })
  } finally {
    for (const store of opened) await store.close()
    await location.destroy()
  }
}

/** Document ids that are string prefixes of each other, empty, or beyond the BMP: range scans get these wrong. */
const TRICKY_DOC_IDS = ['a', 'a/', 'a/b', 'a/b/c', 'a/bc', 'ab', '', 'a%', 'a_', "it's", 'é', 'e\u0301', '😀', '\uFFFD', 'A']

const record = (over: Partial<VaultRecord> = {}): VaultRecord => ({
  deviceId: 'device-1',
  cursor: { epoch: 'epoch-1', seq: 7 },
  nextSeq: 12,
  lineage: 'lineage-1',
  ...over,
})

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values)

const outboxEntry = (seq: number, docId = 'a', supersedes = false): OutboxEntry => ({
  seq,
  docId,
  update: bytes(seq % 256, 1, 2, 3),
  supersedes,
})

/** Yjs updates from a scripted writer: `edit` makes one local transaction and returns its update. */
function createWriter(clientId: number) {
  const doc = new Y.Doc()
  doc.clientID = clientId
  const text = doc.getText('content')
  let last: Uint8Array | undefined
  doc.on('update', (update: Uint8Array) => {
    last = update
  })
  return {
    doc,
    edit(change: (text: Y.Text) => void): Uint8Array {
      last = undefined
      doc.transact(() => change(text))
      assert(last, 'the edit made an update')
      return last
    },
  }
}

function docFrom(updates: readonly Uint8Array[]): Y.Doc {
  const doc = new Y.Doc()
  for (const update of updates) Y.applyUpdate(doc, update)
  return doc
}

/** Equal Yjs state: state vectors, nothing left pending, the encoded state and the text. */
function assertSameDoc(actual: Y.Doc, expected: Y.Doc, message: string): void {
  assertEqual(Y.encodeStateVector(actual), Y.encodeStateVector(expected), `${message}: state vector`)
  assertEqual(actual.store.pendingStructs === null, expected.store.pendingStructs === null, `${message}: pending structs`)
  assertEqual(Y.encodeStateAsUpdate(actual), Y.encodeStateAsUpdate(expected), `${message}: encoded state`)
  assertEqual(actual.getText('content').toString(), expected.getText('content').toString(), `${message}: text`)
}

export interface StoreSnapshot {
  readonly record: VaultRecord | undefined
  readonly docs: Record<string, Uint8Array[]>
  readonly outbox: OutboxEntry[]
}

export async function snapshot(store: LocalStore): Promise<StoreSnapshot> {
  const ids = await store.listDocs()
  const docs: Record<string, Uint8Array[]> = {}
  for (const docId of ids) docs[docId] = await store.readDoc(docId)
  return { record: await store.readRecord(), docs, outbox: await store.readOutbox() }
}

/** A batch that touches every part of a store. */
function fullBatch(): StoreBatch {
  return {
    record: record(),
    appendUpdates: [
      { docId: 'a', update: bytes(1) },
      { docId: 'a/b', update: bytes(2) },
      { docId: 'a', update: bytes(3) },
    ],
    replaceDocs: [{ docId: 'c', state: bytes(4, 4) }],
    putOutbox: [outboxEntry(1), outboxEntry(2, 'a/b', true)],
  }
}

export const localStoreContractCases: readonly ContractCase[] = [
  {
    name: 'an empty store has no record, no documents and no outbox',
    async run({ open }) {
      const store = await open()
      assertEqual(await store.readRecord(), undefined, 'record')
      assertEqual(await store.listDocs(), [], 'docs')
      assertEqual(await store.readDoc('a'), [], 'an unknown document')
      assertEqual(await store.readDoc(''), [], 'the empty document id')
      assertEqual(await store.readOutbox(), [], 'outbox')
      await store.flush()
    },
  },
  {
    name: 'the record round-trips, and a later record replaces it whole',
    async run({ open }) {
      const store = await open()
      const first = record({ cursor: { epoch: '', seq: 0 }, lineage: '', nextSeq: 1 })
      await store.commit({ record: first })
      assertEqual(await store.readRecord(), first, 'first record')
      const second = record({ deviceId: 'dévice-😀', cursor: { epoch: 'e2', seq: Number.MAX_SAFE_INTEGER }, nextSeq: 2 ** 40, lineage: 'l2' })
      await store.commit({ record: second })
      assertEqual(await store.readRecord(), second, 'second record')
      await store.commit({ appendUpdates: [{ docId: 'a', update: bytes(1) }] })
      assertEqual(await store.readRecord(), second, 'a batch without a record keeps it')
    },
  },
  {
    name: 'appended updates read back in append order, per document, for ids that prefix each other',
    async run({ open }) {
      const store = await open()
      const expected = new Map<string, Uint8Array[]>()
      for (let round = 0; round < 3; round++) {
        const appendUpdates = TRICKY_DOC_IDS.flatMap((docId, i) => {
          const updates = [bytes(round, i, 0), bytes(round, i, 1, 255)]
          expected.set(docId, [...(expected.get(docId) ?? []), ...updates])
          return updates.map((update) => ({ docId, update }))
        })
        await store.commit({ appendUpdates })
      }
      for (const docId of TRICKY_DOC_IDS) assertEqual(await store.readDoc(docId), expected.get(docId), `document ${JSON.stringify(docId)}`)
      assertEqual(await store.listDocs(), [...TRICKY_DOC_IDS].sort(), 'listDocs, in UTF-16 code unit order')
      assertEqual(await store.readDoc('a/b/'), [], 'a prefix of a stored id is no document')
      const [first] = await store.readDoc('a')
      assert(first && Object.getPrototypeOf(first) === Uint8Array.prototype, 'updates read back as plain Uint8Arrays')
    },
  },
  {
    name: 'stored bytes are copies: mutating what was committed or read changes nothing',
    async run({ open }) {
      const store = await open()
      const backing = bytes(0, 1, 2, 3, 4, 5, 6, 7)
      const update = backing.subarray(2, 5)
      const entry = { ...outboxEntry(1), update: backing.subarray(5, 8) }
      await store.commit({ appendUpdates: [{ docId: 'a', update }], putOutbox: [entry] })
      backing.fill(9)
      assertEqual(await store.readDoc('a'), [bytes(2, 3, 4)], 'a committed subarray stores only its bytes, copied')
      ;(await store.readDoc('a'))[0]!.fill(9)
      assertEqual(await store.readDoc('a'), [bytes(2, 3, 4)], 'after mutating a read')
      ;(await store.readOutbox())[0]!.update.fill(9)
      assertEqual(await store.readOutbox(), [{ ...outboxEntry(1), update: bytes(5, 6, 7) }], 'outbox after mutating a read')
    },
  },
  {
    name: 'replaceDocs leaves exactly the new state, and later appends follow it',
    async run({ open }) {
      const store = await open()
      await store.commit({ appendUpdates: ['a', 'a/', 'ab'].flatMap((docId) => [1, 2, 3].map((n) => ({ docId, update: bytes(n) }))) })
      await store.commit({ replaceDocs: [{ docId: 'a', state: bytes(9, 9) }] })
      assertEqual(await store.readDoc('a'), [bytes(9, 9)], 'replaced')
      assertEqual(await store.readDoc('a/'), [bytes(1), bytes(2), bytes(3)], 'a longer id is untouched')
      assertEqual(await store.readDoc('ab'), [bytes(1), bytes(2), bytes(3)], 'a sibling id is untouched')
      await store.commit({ appendUpdates: [{ docId: 'a', update: bytes(10) }] })
      await store.commit({ appendUpdates: [{ docId: 'a', update: bytes(11) }] })
      assertEqual(await store.readDoc('a'), [bytes(9, 9), bytes(10), bytes(11)], 'appends after a replace')
      await store.commit({ replaceDocs: [{ docId: 'new', state: bytes(5) }] })
      assertEqual(await store.readDoc('new'), [bytes(5)], 'replacing an unknown document creates it')
      assertEqual(await store.listDocs(), ['a', 'a/', 'ab', 'new'], 'listDocs')
    },
  },
  {
    name: 'deleteDocs removes exactly the named documents; an unknown id is fine; a deleted id starts afresh',
    async run({ open }) {
      const store = await open()
      await store.commit({ appendUpdates: TRICKY_DOC_IDS.map((docId) => ({ docId, update: bytes(1) })) })
      await store.commit({ deleteDocs: ['a', 'a/b', 'never-stored', ''] })
      const left = TRICKY_DOC_IDS.filter((id) => !['a', 'a/b', ''].includes(id))
      assertEqual(await store.listDocs(), [...left].sort(), 'listDocs after delete')
      for (const docId of left) assertEqual(await store.readDoc(docId), [bytes(1)], `survivor ${JSON.stringify(docId)}`)
      assertEqual(await store.readDoc('a'), [], 'deleted')
      await store.commit({ appendUpdates: [{ docId: 'a', update: bytes(2) }] })
      assertEqual(await store.readDoc('a'), [bytes(2)], 'a deleted id starts afresh')
    },
  },
  {
    name: 'outbox entries read back by ascending numeric seq; a put replaces, a delete removes, a missing seq is fine',
    async run({ open }) {
      const store = await open()
      await store.commit({ putOutbox: [outboxEntry(10), outboxEntry(2, 'b', true), outboxEntry(33, '😀')] })
      await store.commit({ putOutbox: [outboxEntry(1), outboxEntry(100_000)] })
      assertEqual((await store.readOutbox()).map((e) => e.seq), [1, 2, 10, 33, 100_000], 'numeric order, not string order')
      assertEqual((await store.readOutbox())[1], outboxEntry(2, 'b', true), 'an entry round-trips with supersedes')
      const replacement = { seq: 10, docId: 'z', update: bytes(7, 7), supersedes: true }
      await store.commit({ putOutbox: [replacement], deleteOutbox: [2, 999] })
      assertEqual(await store.readOutbox(), [outboxEntry(1), replacement, outboxEntry(33, '😀'), outboxEntry(100_000)], 'after put and delete')
      await store.commit({ deleteOutbox: [1, 10, 33, 100_000] })
      assertEqual(await store.readOutbox(), [], 'all deleted')
    },
  },
  {
    name: 'one batch resolves in field order: append, replace, delete; put outbox, delete outbox; last entry wins',
    async run({ open }) {
      const store = await open()
      await store.commit({ appendUpdates: [{ docId: 'x', update: bytes(1) }] })
      await store.commit({
        appendUpdates: [
          { docId: 'x', update: bytes(2) },
          { docId: 'y', update: bytes(2) },
          { docId: 'z', update: bytes(2) },
          { docId: 'w', update: bytes(2) },
        ],
        replaceDocs: [
          { docId: 'x', state: bytes(3) },
          { docId: 'z', state: bytes(3) },
          { docId: 'v', state: bytes(3) },
          { docId: 'v', state: bytes(4) },
        ],
        deleteDocs: ['y', 'z'],
        putOutbox: [outboxEntry(1), outboxEntry(2), { ...outboxEntry(1), update: bytes(8) }],
        deleteOutbox: [2],
      })
      assertEqual(await store.readDoc('x'), [bytes(3)], 'a replace drops appends of the same batch')
      assertEqual(await store.readDoc('y'), [], 'a delete drops appends of the same batch')
      assertEqual(await store.readDoc('z'), [], 'a delete drops a replace of the same batch')
      assertEqual(await store.readDoc('w'), [bytes(2)], 'an untouched append stays')
      assertEqual(await store.readDoc('v'), [bytes(4)], 'the last replace of a document wins')
      assertEqual(await store.readOutbox(), [{ ...outboxEntry(1), update: bytes(8) }], 'deleted seq dropped, last put wins')
    },
  },
  {
    name: 'a batch that fails anywhere (invalid input, a throwing field) rejects and writes nothing',
    async run({ open }) {
      const store = await open()
      await store.commit(fullBatch())
      const before = await snapshot(store)
      const valid: StoreBatch = {
        record: record({ deviceId: 'other' }),
        appendUpdates: [{ docId: 'a', update: bytes(50) }, { docId: 'new', update: bytes(51) }],
        replaceDocs: [{ docId: 'a/b', state: bytes(52) }],
        deleteDocs: ['c'],
        putOutbox: [outboxEntry(3)],
        deleteOutbox: [1],
      }
      const bad: Array<[string, StoreBatch]> = [
        ['an empty update last in appendUpdates', { ...valid, appendUpdates: [...valid.appendUpdates!, { docId: 'a', update: bytes() }] }],
        ['a non-byte update', { ...valid, appendUpdates: [{ docId: 'a', update: [1, 2] as unknown as Uint8Array }] }],
        ['a non-string docId', { ...valid, deleteDocs: ['c', 7 as unknown as string] }],
        ['a replace without a state', { ...valid, replaceDocs: [{ docId: 'a/b' } as unknown as { docId: string; state: Uint8Array }] }],
        ['outbox seq 0', { ...valid, putOutbox: [outboxEntry(3), outboxEntry(0)] }],
        ['a fractional seq', { ...valid, putOutbox: [outboxEntry(3), { ...outboxEntry(4), seq: 4.5 }] }],
        ['supersedes missing', { ...valid, putOutbox: [{ seq: 4, docId: 'a', update: bytes(1) } as unknown as OutboxEntry] }],
        ['deleteOutbox seq -1', { ...valid, deleteOutbox: [1, -1] }],
        ['a record with a negative cursor', { ...valid, record: record({ cursor: { epoch: 'e', seq: -1 } }) }],
        ['a record without deviceId', { ...valid, record: { ...record(), deviceId: '' } }],
        ['appendUpdates that is not an array', { ...valid, appendUpdates: {} as unknown as StoreBatch['appendUpdates'] }],
        [
          'a field that throws when read, after every other field was read',
          Object.defineProperty({ ...valid }, 'deleteOutbox', {
            enumerable: true,
            get() {
              throw new Error('boom')
            },
          }),
        ],
      ]
      for (const [what, batch] of bad) {
        await assertRejects(() => store.commit(batch), what)
        assertEqual(await snapshot(store), before, `nothing written after ${what}`)
      }
      await store.commit(valid)
      assertEqual((await store.readRecord())?.deviceId, 'other', 'the store still takes a valid batch')
    },
  },
  {
    name: 'an empty batch resolves and changes nothing',
    async run({ open }) {
      const store = await open()
      await store.commit({})
      await store.commit({ appendUpdates: [], replaceDocs: [], deleteDocs: [], putOutbox: [], deleteOutbox: [] })
      assertEqual(await snapshot(store), { record: undefined, docs: {}, outbox: [] }, 'still empty')
      await store.commit(fullBatch())
      const before = await snapshot(store)
      await store.commit({})
      assertEqual(await snapshot(store), before, 'unchanged')
    },
  },
  {
    name: 'reopening after close keeps every committed batch; calls after close reject',
    async run({ open }) {
      const store = await open()
      await store.commit(fullBatch())
      await store.commit({ appendUpdates: [{ docId: 'a', update: bytes(6) }], deleteOutbox: [1], deleteDocs: ['a/b'] })
      const before = await snapshot(store)
      await store.close()
      await assertRejects(() => store.readDoc('a'), 'readDoc after close')
      await assertRejects(() => store.commit({ appendUpdates: [{ docId: 'a', update: bytes(1) }] }), 'commit after close')
      const reopened = await open()
      assertEqual(await snapshot(reopened), before, 'after reopening')
      await reopened.commit({ appendUpdates: [{ docId: 'a', update: bytes(7) }] })
      await reopened.close()
      const third = await open()
      assertEqual(await third.readDoc('a'), [bytes(1), bytes(3), bytes(6), bytes(7)], 'appends after a reopen keep their order')
    },
  },
  {
    name: 'the binary cache, where a store has one: one version per file, ids that prefix each other, bytes copied, kept across reopening, apart from commits',
    async run({ open }) {
      const store = await open()
      if (!store.getBinary || !store.putBinary) return // optional (SqliteStore has none)
      assertEqual(await store.getBinary('f'), undefined, 'an empty cache')
      const written = bytes(1, 2, 3)
      await store.putBinary('f', 'v1', written)
      written[0] = 99
      await store.putBinary('f/', 'other', bytes(4))
      assertEqual(await store.getBinary('f'), { version: 'v1', bytes: bytes(1, 2, 3) }, 'copied when put')
      const read = await store.getBinary('f')
      read!.bytes[0] = 42
      assertEqual((await store.getBinary('f'))?.bytes, bytes(1, 2, 3), 'copied when read')
      const large = new Uint8Array(3 * 1024 * 1024).fill(7)
      await store.putBinary('f', 'v2', large)
      await store.commit(fullBatch())
      const before = await snapshot(store)
      await store.close()
      const reopened = await open()
      assertEqual(await reopened.getBinary!('f'), { version: 'v2', bytes: large }, 'replaced, and kept across reopening')
      assertEqual(await reopened.getBinary!('f/'), { version: 'other', bytes: bytes(4) }, 'a prefix id is another file')
      assertEqual(await snapshot(reopened), before, 'commits and the cache do not touch each other')
    },
  },
  {
    name: 'commits that are not awaited apply in call order, and a later read sees them',
    async run({ open }) {
      const store = await open()
      const pending = [
        store.commit({ appendUpdates: [{ docId: 'a', update: bytes(1) }], putOutbox: [outboxEntry(1)] }),
        store.commit({ appendUpdates: [{ docId: 'a', update: bytes(2) }], putOutbox: [outboxEntry(2)] }),
        store.commit({ replaceDocs: [{ docId: 'a', state: bytes(3) }], deleteOutbox: [1] }),
        store.commit({ appendUpdates: [{ docId: 'a', update: bytes(4) }], record: record({ nextSeq: 3 }) }),
        store.commit({ record: record({ nextSeq: 4 }) }),
      ]
      const read = store.readDoc('a')
      const outbox = store.readOutbox()
      assertEqual(await read, [bytes(3), bytes(4)], 'a read issued after the commits sees all of them')
      assertEqual((await outbox).map((e) => e.seq), [2], 'outbox read issued after the commits')
      await Promise.all(pending)
      assertEqual((await store.readRecord())?.nextSeq, 4, 'the last record wins')
      void store.commit({ appendUpdates: [{ docId: 'b', update: bytes(5) }] })
      await store.flush()
      assertEqual(await store.readDoc('b'), [bytes(5)], 'flush waits for an un-awaited commit')
    },
  },
  {
    name: 'a burst of un-awaited commits, one of them invalid, matches the same batches applied one by one',
    async run({ open, seed }) {
      const gen = prng.create(seed)
      const store = await open()
      const model = new MemoryStore()
      const docIds = ['a', 'a/b', 'ab', 'x']
      const setup: StoreBatch = { appendUpdates: docIds.map((docId) => ({ docId, update: bytes(0) })), putOutbox: [outboxEntry(1), outboxEntry(2)] }
      await Promise.all([store.commit(setup), model.commit(setup)])
      const batches: StoreBatch[] = Array.from({ length: 40 }, (_, i) => {
        const docId = prng.oneOf(gen, docIds)
        switch (prng.uint32(gen, 0, 5)) {
          case 0:
            return { deleteDocs: [docId], putOutbox: [outboxEntry(10 + i)] }
          case 1:
            return { replaceDocs: [{ docId, state: bytes(100 + i) }], deleteOutbox: [prng.uint32(gen, 1, 10 + i)] }
          case 2:
            return { record: record({ nextSeq: 10 + i }), appendUpdates: [{ docId, update: bytes(i, 1) }] }
          default:
            return { appendUpdates: [{ docId, update: bytes(i) }, { docId: prng.oneOf(gen, docIds), update: bytes(i, 2) }] }
        }
      })
      batches.splice(17, 0, { appendUpdates: [{ docId: 'a', update: bytes(99) }], deleteOutbox: [0] })
      const results = await Promise.allSettled(batches.map((batch) => store.commit(batch)))
      assertEqual(
        results.map((result) => result.status),
        batches.map((_, i) => (i === 17 ? 'rejected' : 'fulfilled')),
        'only the invalid batch rejects',
      )
      for (const batch of batches) await model.commit(batch).catch(() => undefined) // the invalid one fails in the model too
      assertEqual(await snapshot(store), await snapshot(model), `after the burst (seed ${seed})`)
    },
  },
  {
    name: 'hundreds of documents in one batch and one turn of reads, dense and sparse, with compactions',
    async run({ open }) {
      const store = await open({ compactThreshold: 4 })
      const idOf = (i: number) => `doc/${String(i).padStart(4, '0')}`
      const updatesOf = (i: number, round: number) => [bytes(i % 256, round), bytes(i >> 8, round, 1)]
      await store.commit({ appendUpdates: Array.from({ length: 600 }, (_, i) => updatesOf(i, 0).map((update) => ({ docId: idOf(i), update }))).flat() })
      // Append to every 10th document only: the others lie between them.
      const sparse = Array.from({ length: 60 }, (_, k) => k * 10)
      await store.commit({ appendUpdates: sparse.map((i) => ({ docId: idOf(i), update: bytes(7, i % 256) })) })
      const expected = (i: number) => [...updatesOf(i, 0), ...(i % 10 === 0 ? [bytes(7, i % 256)] : [])]
      const all = await Promise.all(Array.from({ length: 600 }, (_, i) => store.readDoc(idOf(i))))
      all.forEach((updates, i) => assertEqual(updates, expected(i), `dense read of ${idOf(i)}`))
      const some = await Promise.all(sparse.map((i) => store.readDoc(idOf(i))))
      some.forEach((updates, k) => assertEqual(updates, expected(sparse[k]!), `sparse read of ${idOf(sparse[k]!)}`))
      const missing = await Promise.all(Array.from({ length: 40 }, (_, i) => store.readDoc(`doc/${i}-missing`)))
      assertEqual(missing, missing.map(() => []), 'unknown documents among many')
      // Two more appends to each sparse document pass the threshold: all of them compact in one commit.
      const writers = sparse.map((i) => createWriter(i + 1))
      const edits = writers.map((writer) => [writer.edit((t) => t.insert(0, 'x')), writer.edit((t) => t.insert(0, 'y'))])
      await store.commit({ replaceDocs: sparse.map((i) => ({ docId: idOf(i), state: Y.encodeStateAsUpdate(new Y.Doc()) })) })
      await store.commit({ appendUpdates: sparse.flatMap((i, k) => [...edits[k]!, edits[k]![0]!, edits[k]![1]!].map((update) => ({ docId: idOf(i), update }))) })
      for (const [k, i] of sparse.entries()) {
        const stored = await store.readDoc(idOf(i))
        assertEqual(stored.length, 1, `${idOf(i)} compacted`)
        assertSameDoc(docFrom(stored), writers[k]!.doc, `${idOf(i)} after compaction`)
      }
      assertEqual((await store.listDocs()).length, 600, 'listDocs')
    },
  },
  {
    name: 'compaction merges a long update list into one update with the same Yjs state',
    async run({ open }) {
      const threshold = 8
      const store = await open({ compactThreshold: threshold })
      const writer = createWriter(1)
      let lengths: number[] = []
      for (let i = 0; i < 30; i++) {
        const update = writer.edit((text) => (i % 5 === 4 ? text.delete(0, 2) : text.insert(text.length, `line ${i}\n`)))
        await store.commit({ appendUpdates: [{ docId: 'note', update }] })
        lengths.push((await store.readDoc('note')).length)
      }
      assert(Math.max(...lengths) <= threshold, `never more than ${threshold} updates (saw ${lengths.join(',')})`)
      assert(lengths.includes(1) && lengths.slice(1).some((n, i) => n < lengths[i]!), 'compaction happened')
      assertSameDoc(docFrom(await store.readDoc('note')), writer.doc, 'one update at a time')
      // Twenty updates in one batch: merged in the same commit, never stored long.
      const updates = Array.from({ length: 20 }, (_, i) => writer.edit((text) => text.insert(0, `${i}`)))
      await store.commit({ appendUpdates: updates.map((update) => ({ docId: 'note', update })) })
      lengths = [(await store.readDoc('note')).length]
      assertEqual(lengths, [1], 'a long batch compacts at once')
      assertSameDoc(docFrom(await store.readDoc('note')), writer.doc, 'after a long batch')
      await store.close()
      assertSameDoc(docFrom(await (await open({ compactThreshold: threshold })).readDoc('note')), writer.doc, 'after reopening')
    },
  },
  {
    name: 'compaction keeps concurrent edits of several clients, received out of causal order',
    async run({ open, seed }) {
      const store = await open({ compactThreshold: 5 })
      const gen = prng.create(seed)
      const writers = [createWriter(11), createWriter(22), createWriter(33)]
      const all: Uint8Array[] = []
      for (let i = 0; i < 60; i++) {
        const writer = prng.oneOf(gen, writers)
        all.push(writer.edit((text) => text.insert(prng.uint32(gen, 0, text.length), prng.word(gen, 1, 4))))
        if (prng.bool(gen)) {
          // Sync two writers, as a relay would: later updates then depend on other clients' items.
          const [a, b] = [prng.oneOf(gen, writers), prng.oneOf(gen, writers)]
          Y.applyUpdate(b.doc, Y.encodeStateAsUpdate(a.doc, Y.encodeStateVector(b.doc)), 'sync')
        }
      }
      const expected = docFrom(all)
      const shuffled = [...all]
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = prng.uint32(gen, 0, i)
        ;[shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!]
      }
      for (let i = 0; i < shuffled.length; i += 3) {
        await store.commit({ appendUpdates: shuffled.slice(i, i + 3).map((update) => ({ docId: 'note', update })) })
      }
      assert((await store.readDoc('note')).length <= 5, 'compacted')
      assertSameDoc(docFrom(await store.readDoc('note')), expected, 'merged out-of-order updates')
    },
  },
  {
    name: 'a list Yjs cannot merge is kept as it is, reported, and the commit still succeeds',
    async run({ open }) {
      const errors: string[] = []
      const store = await open({ compactThreshold: 3, onCompactError: (docId) => errors.push(docId) })
      const junk = [bytes(1, 2, 3), bytes(255, 255, 255, 255), bytes(5), bytes(1, 2, 3)]
      for (const [i, update] of junk.entries()) {
        await store.commit({ appendUpdates: [{ docId: 'junk', update }], putOutbox: [outboxEntry(i + 1)] })
      }
      assertEqual(await store.readDoc('junk'), junk, 'the list is kept')
      assertEqual(errors, ['junk'], 'the failed merge was reported once')
      assertEqual((await store.readOutbox()).length, junk.length, 'the rest of each batch was written')
    },
  },
  {
    name: 'seeded random batches, reopens and compactions agree with the memory store as a model',
    async run({ open, seed }) {
      const gen = prng.create(seed)
      const options = { compactThreshold: 6 }
      const model = new MemoryStore(options)
      let store = await open(options)
      const docIds = ['a', 'a/b', 'ab', '', '😀', 'n']
      const writers = new Map(docIds.map((docId, i) => [docId, createWriter(i + 1)]))
      const counts = { appends: 0, replaces: 0, deletes: 0, puts: 0, outboxDeletes: 0, reopens: 0, compactions: 0, records: 0 }
      let seq = 1
      for (let step = 0; step < 120; step++) {
        const pick = () => prng.oneOf(gen, docIds)
        const appendUpdates = Array.from({ length: prng.uint32(gen, 0, 4) }, () => {
          const docId = pick()
          const update = writers.get(docId)!.edit((text) => text.insert(prng.uint32(gen, 0, text.length), prng.word(gen, 1, 6)))
          return { docId, update }
        })
        const replaceDocs = prng.uint32(gen, 0, 9) === 0 ? [pick()].map((docId) => ({ docId, state: Y.encodeStateAsUpdate(writers.get(docId)!.doc) })) : []
        const deleteDocs = prng.uint32(gen, 0, 14) === 0 ? [pick()] : []
        const putOutbox = Array.from({ length: prng.uint32(gen, 0, 2) }, () => outboxEntry(seq++, pick(), prng.bool(gen)))
        const deleteOutbox = Array.from({ length: prng.uint32(gen, 0, 2) }, () => prng.uint32(gen, 1, seq + 1))
        const batch: StoreBatch = {
          ...(prng.uint32(gen, 0, 4) === 0 ? { record: record({ nextSeq: seq, cursor: { epoch: 'e', seq: step } }) } : {}),
          appendUpdates,
          replaceDocs,
          deleteDocs,
          putOutbox,
          deleteOutbox,
        }
        for (const docId of deleteDocs) writers.set(docId, createWriter(100 + step))
        const lengthsBefore = await Promise.all(docIds.map((id) => model.readDoc(id).then((u) => u.length)))
        await Promise.all([model.commit(batch), store.commit(batch)])
        const lengthsAfter = await Promise.all(docIds.map((id) => model.readDoc(id).then((u) => u.length)))
        counts.compactions += lengthsAfter.filter((n, i) => n === 1 && lengthsBefore[i]! >= options.compactThreshold).length
        counts.appends += appendUpdates.length
        counts.replaces += replaceDocs.length
        counts.deletes += deleteDocs.length
        counts.puts += putOutbox.length
        counts.outboxDeletes += deleteOutbox.length
        counts.records += batch.record ? 1 : 0
        if (prng.uint32(gen, 0, 19) === 0) {
          await store.close()
          store = await open(options)
          counts.reopens++
        }
        if (step % 10 === 9 || step === 119) assertEqual(await snapshot(store), await snapshot(model), `step ${step} (seed ${seed})`)
      }
      for (const docId of await store.listDocs()) {
        assertSameDoc(docFrom(await store.readDoc(docId)), writers.get(docId)!.doc, `document ${JSON.stringify(docId)} (seed ${seed})`)
      }
      for (const [what, count] of Object.entries(counts)) assert(count > 0, `the run exercised ${what} (seed ${seed}): ${JSON.stringify(counts)}`)
    },
  },
]
