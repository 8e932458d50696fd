// An in-memory LocalStore for tests and simulations, and the model the contract suite compares every
// other store with. Its contents live in a `MemoryStoreData` that outlives the store, so a test can
// "restart" a client by opening a new MemoryStore over the same data. Nothing survives the process.

import type { CachedBinary, LocalStore, OutboxEntry, StoreBatch, VaultRecord } from './LocalStore.ts'
import { compactThresholdOf, compactUpdates } from './compactUpdates.ts'
import type { LocalStoreOptions } from './compactUpdates.ts'
import { planBatch } from './planBatch.ts'

export type { CachedBinary, LocalStore, OutboxEntry, StoreBatch, VaultRecord } from './LocalStore.ts'
export type { LocalStoreOptions } from './compactUpdates.ts'
export { DEFAULT_COMPACT_THRESHOLD } from './compactUpdates.ts'

/** What a MemoryStore holds; pass it to a new MemoryStore to reopen the same contents. */
export interface MemoryStoreData {
  record: VaultRecord | undefined
  readonly docs: Map<string, Uint8Array[]>
  readonly outbox: Map<number, OutboxEntry>
  /** The binary cache, by file id (created on first use when missing). */
  binaries?: Map<string, CachedBinary>
}

export interface MemoryStoreOptions extends LocalStoreOptions {
  /** Contents to open (a previous store's `data`); a fresh empty store by default. */
  readonly data?: MemoryStoreData
}

/**
 * A LocalStore in memory. Bytes are copied in and out, so no caller can alias what is stored.
 *
 * @example
 * ```ts
 * import { MemoryStore } from '@amber/client/store/memory'
 * const store = new MemoryStore()
 * await store.commit({ appendUpdates: [{ docId: 'notes/a.md', update }] })
 * const reopened = new MemoryStore({ data: store.data }) // a "restart" that keeps everything
 * ```
 */
export class MemoryStore implements LocalStore {
  readonly data: MemoryStoreData
  readonly #options: MemoryStoreOptions
  readonly #threshold: number
  #closed = false

  constructor(options: MemoryStoreOptions = {}) {
    this.#options = options
    this.#threshold = compactThresholdOf(options)
    this.data = options.data ?? { record: undefined, docs: new Map(), outbox: new Map() }
  }

  async readRecord(): Promise<VaultRecord | undefined> {
    this.#checkOpen()
    const record = this.data.record
    return record && { ...record, cursor: { ...record.cursor } }
  }

  async listDocs(): Promise<string[]> {
    this.#checkOpen()
    return [...this.data.docs.keys()].sort()
  }

  async readDoc(docId: string): Promise<Uint8Array[]> {
    this.#checkOpen()
    return (this.data.docs.get(docId) ?? []).map((update) => update.slice())
  }

  async readOutbox(): Promise<OutboxEntry[]> {
    this.#checkOpen()
    return [...this.data.outbox.values()].sort((a, b) => a.seq - b.seq).map((entry) => ({ ...entry, update: entry.update.slice() }))
  }

  async commit(batch: StoreBatch): Promise<void> {
    this.#checkOpen()
    // planBatch throws before anything is written, and nothing below awaits: all or nothing.
    const plan = planBatch(batch)
    const { data } = this
    if (plan.record) data.record = plan.record
    for (const [docId, { reset, updates }] of plan.docs) {
      const list = [...(reset ? [] : (data.docs.get(docId) ?? [])), ...updates]
      const merged = list.length > this.#threshold ? compactUpdates(docId, list, this.#options) : undefined
      if (list.length === 0) data.docs.delete(docId)
      else data.docs.set(docId, merged ? [merged] : list)
    }
    for (const [seq, entry] of plan.outbox) {
      if (entry) data.outbox.set(seq, entry)
      else data.outbox.delete(seq)
    }
  }

  async getBinary(fileId: string): Promise<CachedBinary | undefined> {
    this.#checkOpen()
    const cached = this.data.binaries?.get(fileId)
    return cached && { version: cached.version, bytes: cached.bytes.slice() }
  }

  async putBinary(fileId: string, version: string, bytes: Uint8Array): Promise<void> {
    this.#checkOpen()
    ;(this.data.binaries ??= new Map()).set(fileId, { version, bytes: bytes.slice() })
  }

  async flush(): Promise<void> {
    this.#checkOpen()
  }

  async close(): Promise<void> {
    this.#closed = true
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error('MemoryStore is closed')
  }
}
