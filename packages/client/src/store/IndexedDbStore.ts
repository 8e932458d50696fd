// The browser LocalStore: one IndexedDB database per vault and one readwrite transaction per commit. Not
// y-indexeddb's database per document: with 10,000 small notes in headless Chromium 156 on 2 cores that
// took 32 s to write and 6.8 s to open them all, against 1.9 s and 1.6 s here (medians of 3 runs of
// test/browser/indexedDbBench.ts; both include building the Y.Docs, about 1 s).

import type { CachedBinary, LocalStore, OutboxEntry, StoreBatch, VaultRecord } from './LocalStore.ts'
import { compactThresholdOf, compactUpdates } from './compactUpdates.ts'
import type { LocalStoreOptions } from './compactUpdates.ts'
import { mergePlans, planBatch } from './planBatch.ts'
import type { BatchPlan } from './planBatch.ts'

export type { CachedBinary, LocalStore, OutboxEntry, StoreBatch, VaultRecord } from './LocalStore.ts'
export type { LocalStoreOptions } from './compactUpdates.ts'
export { DEFAULT_COMPACT_THRESHOLD } from './compactUpdates.ts'

export interface IndexedDbStoreOptions extends LocalStoreOptions {
  /**
   * The durability of commit transactions. `'strict'` (default): a commit resolves once the browser has
   * flushed it to disk, so it survives a tab or browser crash, an OS crash and a power cut. `'relaxed'`:
   * it resolves once the browser has handed it to the OS, which survives a tab or browser crash but may
   * lose the last commits to an OS crash or power cut.
   */
  readonly durability?: 'strict' | 'relaxed'
}

// Database layout, version 2 (version 1 had no `binaries`; the upgrade only adds it):
//   record    key 'vault'         → VaultRecord
//   docs      key [docId, n]      → Uint8Array (one stored update; n rises with append order)
//   outbox    keyPath 'seq'       → OutboxEntry
//   binaries  key fileId          → CachedBinary (the binary cache)
const DB_VERSION = 2
const RECORD = 'record'
const DOCS = 'docs'
const OUTBOX = 'outbox'
const BINARIES = 'binaries'
const RECORD_KEY = 'vault'
/** Keys per getAllKeys page when listing documents. */
const LIST_PAGE = 2000
/** From this many documents on, reads cover their whole key span in one request instead of one each. */
const BULK_READ = 32

type DocKey = [docId: string, n: number]

/** Every key of one document: arrays sort after numbers, so [docId, []] is above any [docId, n]. */
function docRange(docId: string): IDBKeyRange {
  return IDBKeyRange.bound([docId], [docId, []])
}

/** Batches committed while a write transaction runs; they share the next one. */
interface CommitGroup {
  readonly plans: BatchPlan[]
  readonly done: Promise<void>
  resolve(): void
  reject(error: unknown): void
  /** Resolves once the group's transaction exists (or failed to), so later reads are ordered after it. */
  readonly started: Promise<void>
  start(): void
}

/**
 * A LocalStore in one IndexedDB database per vault (browsers, workers, Electron renderers).
 *
 * Commits made while a write transaction is running share the next transaction (group commit: a burst
 * of small commits costs one disk flush, not one each). Each is still all or nothing and they apply in
 * call order; if that shared transaction fails, every commit in it rejects. Reads issued after a commit
 * see it.
 *
 * Loss window: a commit resolves when its transaction completes, which is durable as `durability` says.
 * What the SDK has not yet handed to `commit` is lost if the page dies; it flushes on `pagehide`.
 * If another tab deletes or upgrades the database, this store closes itself and later calls reject.
 *
 * @example
 * ```ts
 * import { IndexedDbStore } from '@amber/client/store/indexeddb'
 * const store = await IndexedDbStore.open(`amber/${vaultId}`)
 * await store.commit({ appendUpdates: [{ docId: 'notes/a.md', update }] })
 * ```
 */
export class IndexedDbStore implements LocalStore {
  readonly #db: IDBDatabase
  readonly #options: IndexedDbStoreOptions
  readonly #threshold: number
  readonly #durability: 'strict' | 'relaxed'
  readonly #inflight = new Set<Promise<void>>()
  #writing = false
  #queued: CommitGroup | undefined
  /** Document reads asked for in this turn of the event loop; they share one transaction. */
  #reads: Array<{ docId: string; resolve: (updates: Uint8Array[]) => void; reject: (error: unknown) => void }> | undefined
  #closed: string | undefined

  /** Opens (creating if needed) the vault database `name`. */
  static async open(name: string, options: IndexedDbStoreOptions = {}): Promise<IndexedDbStore> {
    compactThresholdOf(options)
    const open = indexedDB.open(name, DB_VERSION)
    open.onupgradeneeded = (event) => {
      const db = open.result
      if (event.oldVersion < 1) {
        db.createObjectStore(RECORD)
        db.createObjectStore(DOCS)
        db.createObjectStore(OUTBOX, { keyPath: 'seq' })
      }
      if (event.oldVersion < 2) db.createObjectStore(BINARIES)
    }
    return new IndexedDbStore(await request(open), options)
  }

  /** Deletes the vault database `name`; waits until every open store of it has closed. */
  static async delete(name: string): Promise<void> {
    await request(indexedDB.deleteDatabase(name))
  }

  private constructor(db: IDBDatabase, options: IndexedDbStoreOptions) {
    this.#db = db
    this.#options = options
    this.#threshold = compactThresholdOf(options)
    this.#durability = options.durability ?? 'strict'
    db.onversionchange = () => {
      // Another tab is deleting or upgrading the vault: staying open would block it forever.
      this.#closed = 'the database was deleted or upgraded by another page'
      db.close()
    }
    db.onclose = () => {
      this.#closed = 'the browser closed the database (storage cleared, or the disk failed)'
    }
  }

  async readRecord(): Promise<VaultRecord | undefined> {
    const tx = await this.#readTransaction(RECORD)
    return (await request(tx.objectStore(RECORD).get(RECORD_KEY))) as VaultRecord | undefined
  }

  async listDocs(): Promise<string[]> {
    const docs = (await this.#readTransaction(DOCS)).objectStore(DOCS)
    const ids: string[] = []
    let range: IDBKeyRange | undefined
    // Page through keys, skipping to the next document after each page, so a long list costs no more pages.
    for (;;) {
      const keys = (await request(docs.getAllKeys(range, LIST_PAGE))) as DocKey[]
      for (const [docId] of keys) if (docId !== ids[ids.length - 1]) ids.push(docId)
      if (keys.length < LIST_PAGE) return ids
      range = IDBKeyRange.lowerBound([ids[ids.length - 1]!, []], true)
    }
  }

  readDoc(docId: string): Promise<Uint8Array[]> {
    return new Promise((resolve, reject) => {
      this.#checkOpen()
      if (!this.#reads) {
        this.#reads = []
        queueMicrotask(() => void this.#runReads())
      }
      this.#reads.push({ docId, resolve, reject })
    })
  }

  async readOutbox(): Promise<OutboxEntry[]> {
    const tx = await this.#readTransaction(OUTBOX)
    return (await request(tx.objectStore(OUTBOX).getAll())) as OutboxEntry[]
  }

  async getBinary(fileId: string): Promise<CachedBinary | undefined> {
    const tx = await this.#readTransaction(BINARIES)
    return (await request(tx.objectStore(BINARIES).get(fileId))) as CachedBinary | undefined
  }

  async putBinary(fileId: string, version: string, bytes: Uint8Array): Promise<void> {
    // Its own transaction, outside group commit: a cache entry of megabytes must not delay sync state.
    const tx = this.#transaction(BINARIES, 'readwrite')
    const done = transactionDone(tx)
    tx.objectStore(BINARIES).put({ version, bytes } satisfies CachedBinary, fileId) // put clones the bytes
    await done
  }

  commit(batch: StoreBatch): Promise<void> {
    let plan: BatchPlan
    try {
      this.#checkOpen()
      plan = planBatch(batch)
    } catch (error) {
      return Promise.reject(error)
    }
    if (plan.empty) return Promise.resolve()
    const group = this.#queued ?? (this.#queued = this.#newGroup())
    group.plans.push(plan)
    if (!this.#writing) this.#startQueued()
    return group.done
  }

  async flush(): Promise<void> {
    // Each commit is durable once its transaction completes; flushing means waiting for the open ones.
    await Promise.allSettled([...this.#inflight])
  }

  async close(): Promise<void> {
    if (this.#closed !== undefined) return
    await this.flush()
    this.#closed = 'the store was closed'
    this.#db.close()
  }

  #newGroup(): CommitGroup {
    let resolve!: () => void
    let reject!: (error: unknown) => void
    let start!: () => void
    const done = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)))
    const started = new Promise<void>((res) => (start = res))
    this.#inflight.add(done)
    const forget = () => this.#inflight.delete(done)
    done.then(forget, forget)
    return { plans: [], done, resolve, reject, started, start }
  }

  /** Runs the queued group in one transaction, created now; the next group starts when it settles. */
  #startQueued(): void {
    const group = this.#queued!
    this.#queued = undefined
    this.#writing = true
    let tx: IDBTransaction
    try {
      tx = this.#transaction([RECORD, DOCS, OUTBOX], 'readwrite')
    } catch (error) {
      this.#writing = false
      group.start()
      group.reject(error)
      return
    }
    group.start()
    this.#run(tx, mergePlans(group.plans))
      .then(group.resolve, group.reject)
      .finally(() => {
        this.#writing = false
        if (this.#queued) this.#startQueued()
      })
  }

  async #run(tx: IDBTransaction, plan: BatchPlan): Promise<void> {
    const done = transactionDone(tx)
    try {
      await this.#write(tx, plan)
    } catch (error) {
      abortQuietly(tx)
      await done.catch(() => undefined) // the write's own error is the one worth reporting
      throw error
    }
    await done
  }

  /** Issues every request of a commit; awaits only this transaction's own requests, so it stays active. */
  async #write(tx: IDBTransaction, plan: BatchPlan): Promise<void> {
    const docs = tx.objectStore(DOCS)
    const outbox = tx.objectStore(OUTBOX)
    if (plan.record) tx.objectStore(RECORD).put(plan.record, RECORD_KEY)
    for (const [seq, entry] of plan.outbox) {
      if (entry) outbox.put(entry)
      else outbox.delete(seq)
    }
    const appended: string[] = []
    for (const [docId, { reset, updates }] of plan.docs) {
      if (reset) docs.delete(docRange(docId))
      else if (updates.length > 0) appended.push(docId)
    }
    // Appends go after a document's last key; requests run in order, so these reads see the deletes above.
    const storedKeys = await readDocKeys(docs, appended)
    const compacting: string[] = []
    for (const [docId, { updates }] of plan.docs) {
      if (updates.length === 0) continue
      const stored = storedKeys.get(docId) ?? []
      if (stored.length + updates.length > this.#threshold) compacting.push(docId)
      else appendAfter(docs, docId, stored, updates)
    }
    if (compacting.length === 0) return
    const storedUpdates = await readDocUpdates(docs, compacting)
    for (const docId of compacting) {
      const { updates } = plan.docs.get(docId)!
      const merged = compactUpdates(docId, [...(storedUpdates.get(docId) ?? []), ...updates], this.#options)
      if (merged) {
        docs.delete(docRange(docId))
        docs.put(merged, [docId, 0] satisfies DocKey)
      } else {
        appendAfter(docs, docId, storedKeys.get(docId) ?? [], updates)
      }
    }
  }

  async #runReads(): Promise<void> {
    const reads = this.#reads ?? []
    this.#reads = undefined
    try {
      const docs = (await this.#readTransaction(DOCS)).objectStore(DOCS)
      const updates = await readDocUpdates(docs, [...new Set(reads.map((read) => read.docId))])
      const handedOut = new Set<string>()
      for (const { docId, resolve } of reads) {
        const list = updates.get(docId) ?? []
        // Two reads of one document in the same turn each get their own arrays.
        resolve(handedOut.has(docId) ? list.map((update) => update.slice()) : list)
        handedOut.add(docId)
      }
    } catch (error) {
      for (const read of reads) read.reject(error)
    }
  }

  /** A readonly transaction created after every commit issued so far has its transaction. */
  async #readTransaction(store: string): Promise<IDBTransaction> {
    this.#checkOpen()
    const queued = this.#queued
    if (queued) await queued.started
    return this.#transaction(store, 'readonly')
  }

  #transaction(stores: string | string[], mode: IDBTransactionMode): IDBTransaction {
    this.#checkOpen()
    return this.#db.transaction(stores, mode, mode === 'readwrite' ? { durability: this.#durability } : undefined)
  }

  #checkOpen(): void {
    if (this.#closed !== undefined) throw new Error(`IndexedDbStore is closed: ${this.#closed}`)
  }
}

function appendAfter(docs: IDBObjectStore, docId: string, stored: readonly DocKey[], updates: readonly Uint8Array[]): void {
  let n = stored.length > 0 ? stored[stored.length - 1]![1] + 1 : 0
  for (const update of updates) docs.put(update, [docId, n++] satisfies DocKey)
}

/**
 * The stored keys of each document. Each IndexedDB request costs a round trip to the browser's storage
 * process (about 0.1 ms in Chromium), so many documents are read with one getAllKeys over their span.
 */
async function readDocKeys(docs: IDBObjectStore, docIds: readonly string[]): Promise<Map<string, DocKey[]>> {
  const result = new Map<string, DocKey[]>()
  if (docIds.length < BULK_READ) {
    const lists = await Promise.all(docIds.map((docId) => request(docs.getAllKeys(docRange(docId))) as Promise<DocKey[]>))
    docIds.forEach((docId, i) => result.set(docId, lists[i]!))
    return result
  }
  const wanted = new Set(docIds)
  for (const key of (await request(docs.getAllKeys(spanOf(docIds)))) as DocKey[]) {
    if (!wanted.has(key[0])) continue
    const keys = result.get(key[0])
    if (keys) keys.push(key)
    else result.set(key[0], [key])
  }
  return result
}

/** The stored updates of each document; one getAll over their span when they are most of what it holds. */
async function readDocUpdates(docs: IDBObjectStore, docIds: readonly string[]): Promise<Map<string, Uint8Array[]>> {
  const result = new Map<string, Uint8Array[]>()
  let ids = docIds
  if (docIds.length >= BULK_READ) {
    const span = spanOf(docIds)
    const wanted = new Set(docIds)
    const keys = (await request(docs.getAllKeys(span))) as DocKey[]
    const wantedKeys = keys.filter((key) => wanted.has(key[0])).length
    if (wantedKeys * 2 >= keys.length) {
      const values = (await request(docs.getAll(span))) as Uint8Array[]
      keys.forEach(([docId], i) => {
        if (!wanted.has(docId)) return
        const list = result.get(docId)
        if (list) list.push(values[i]!)
        else result.set(docId, [values[i]!])
      })
      return result
    }
    // Sparse: read only the documents that have something stored.
    const present = new Set(keys.map(([docId]) => docId))
    ids = docIds.filter((docId) => present.has(docId))
  }
  const lists = await Promise.all(ids.map((docId) => request(docs.getAll(docRange(docId))) as Promise<Uint8Array[]>))
  ids.forEach((docId, i) => result.set(docId, lists[i]!))
  return result
}

/** The key range from the first to the last of these documents, in IndexedDB (UTF-16 code unit) order. */
function spanOf(docIds: readonly string[]): IDBKeyRange {
  const sorted = [...docIds].sort()
  return IDBKeyRange.bound([sorted[0]!], [sorted[sorted.length - 1]!, []])
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'))
  })
}

function abortQuietly(tx: IDBTransaction): void {
  try {
    tx.abort()
  } catch (error) {
    // InvalidStateError: a failed request already aborted it, which is what we want.
    if (!(error instanceof DOMException && error.name === 'InvalidStateError')) throw error
  }
}

function transactionDone(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve()
    tx.onabort = () => reject(tx.error ?? new DOMException('the transaction was aborted', 'AbortError'))
  })
}
