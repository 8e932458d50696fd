/// <reference lib="dom" />
// The browser LocalStore: one IndexedDB database per vault (not y-indexeddb's one per document: opening
// 10,000 databases is what makes a large vault slow to open; see test/browser/indexedDbBench.ts), and
// one readwrite transaction per commit over all three object stores.

import type { LocalStore, OutboxEntry, StoreBatch, VaultRecord } from './LocalStore.ts'
import { compactThresholdOf, compactUpdates } from './compactUpdates.ts'
import type { LocalStoreOptions } from './compactUpdates.ts'
import { planBatch } from './planBatch.ts'
import type { BatchPlan } from './planBatch.ts'

export type { LocalStore, OutboxEntry, StoreBatch, VaultRecord } from './LocalStore.ts'
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

// Database layout, version 1:
//   record  key 'vault'         → VaultRecord
//   docs    key [docId, n]      → Uint8Array (one stored update; n rises with append order)
//   outbox  keyPath 'seq'       → OutboxEntry
const DB_VERSION = 1
const RECORD = 'record'
const DOCS = 'docs'
const OUTBOX = 'outbox'
const RECORD_KEY = 'vault'
/** Keys per getAllKeys page when listing documents. */
const LIST_PAGE = 2000

type DocKey = [docId: string, n: number]

/** Every key of one document: arrays sort after numbers, so [docId, []] is above any [docId, n]. */
function docRange(docId: string): IDBKeyRange {
  return IDBKeyRange.bound([docId], [docId, []])
}

/**
 * A LocalStore in one IndexedDB database per vault (browsers, workers, Electron renderers).
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
    const tx = this.#transaction(RECORD, 'readonly')
    return (await request(tx.objectStore(RECORD).get(RECORD_KEY))) as VaultRecord | undefined
  }

  async listDocs(): Promise<string[]> {
    const docs = this.#transaction(DOCS, 'readonly').objectStore(DOCS)
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
        queueMicrotask(() => this.#runReads())
      }
      this.#reads.push({ docId, resolve, reject })
    })
  }

  async readOutbox(): Promise<OutboxEntry[]> {
    const tx = this.#transaction(OUTBOX, 'readonly')
    return (await request(tx.objectStore(OUTBOX).getAll())) as OutboxEntry[]
  }

  commit(batch: StoreBatch): Promise<void> {
    const committed = this.#commit(batch)
    this.#inflight.add(committed)
    const forget = () => this.#inflight.delete(committed)
    committed.then(forget, forget)
    return committed
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

  async #commit(batch: StoreBatch): Promise<void> {
    this.#checkOpen()
    const plan = planBatch(batch)
    if (plan.empty) return
    // Created before the first await: IndexedDB runs overlapping readwrite transactions in creation order.
    const tx = this.#transaction([RECORD, DOCS, OUTBOX], 'readwrite')
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
    for (const [docId, state] of plan.replaces) {
      docs.delete(docRange(docId))
      docs.put(state, [docId, 0] satisfies DocKey)
    }
    for (const docId of plan.deletes) docs.delete(docRange(docId))
    for (const entry of plan.outboxPuts.values()) outbox.put(entry)
    for (const seq of plan.outboxDeletes) outbox.delete(seq)
    await Promise.all([...plan.appends].map(([docId, updates]) => this.#append(docs, docId, updates)))
  }

  async #append(docs: IDBObjectStore, docId: string, updates: readonly Uint8Array[]): Promise<void> {
    const range = docRange(docId)
    const [count, last] = await Promise.all([request(docs.count(range)), request(docs.openKeyCursor(range, 'prev'))])
    if (count + updates.length > this.#threshold) {
      const stored = (await request(docs.getAll(range))) as Uint8Array[]
      const merged = compactUpdates(docId, [...stored, ...updates], this.#options)
      if (merged) {
        docs.delete(range)
        docs.put(merged, [docId, 0] satisfies DocKey)
        return
      }
    }
    let n = last ? (last.primaryKey as DocKey)[1] + 1 : 0
    for (const update of updates) docs.put(update, [docId, n++] satisfies DocKey)
  }

  #runReads(): void {
    const reads = this.#reads ?? []
    this.#reads = undefined
    let docs: IDBObjectStore
    try {
      docs = this.#transaction(DOCS, 'readonly').objectStore(DOCS)
    } catch (error) {
      for (const read of reads) read.reject(error)
      return
    }
    for (const { docId, resolve, reject } of reads) {
      // A transaction that aborts fails each of its unfinished requests, so every read settles.
      request(docs.getAll(docRange(docId))).then((updates) => resolve(updates as Uint8Array[]), reject)
    }
  }

  #transaction(stores: string | string[], mode: IDBTransactionMode): IDBTransaction {
    this.#checkOpen()
    return this.#db.transaction(stores, mode, mode === 'readwrite' ? { durability: this.#durability } : undefined)
  }

  #checkOpen(): void {
    if (this.#closed !== undefined) throw new Error(`IndexedDbStore is closed: ${this.#closed}`)
  }
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
