// Group commit of the client's journal into a LocalStore: everything journaled while one commit is in
// flight goes into the next, so a burst costs one store transaction, and one commit is in flight at a
// time, so batches land in journal order. A lineage reset starts a batch of its own that deletes the old
// documents and outbox (listed when it runs) and keeps what is journaled right after it — the rescued
// copies — in the same atomic commit: a crash leaves either the old state or the new one with its copies.

import { mergeUpdatesInTree } from '@amber/protocol'
import type { ClientJournal, ClientState } from './VaultClient.ts'
import type { LocalStore, OutboxEntry, StoreBatch, VaultRecord } from './store/LocalStore.ts'

interface PendingBatch {
  /** Delete every stored document and outbox entry first (a lineage reset). */
  reset: boolean
  record: VaultRecord | undefined
  readonly appends: Array<{ docId: string; update: Uint8Array }>
  readonly putOutbox: Map<number, OutboxEntry>
  readonly deleteOutbox: Set<number>
}

export interface StoreWriterOptions {
  /** A commit failed; the batch is kept and retried (after `retryDelayMs`, doubling up to 30 s). */
  readonly onError: (error: unknown) => void
  readonly retryDelayMs?: number
}

/** Writes a `VaultClient`'s journal to a `LocalStore`. */
export class StoreWriter implements ClientJournal {
  readonly #store: LocalStore
  readonly #options: StoreWriterOptions
  #record: VaultRecord
  readonly #queue: PendingBatch[] = []
  #inFlight: Promise<void> | undefined
  #scheduled = false
  #retryTimer: ReturnType<typeof setTimeout> | undefined
  #retryDelay: number
  #idleWaiters: Array<() => void> = []
  #closed = false

  constructor(store: LocalStore, record: VaultRecord, options: StoreWriterOptions) {
    this.#store = store
    this.#record = record
    this.#options = options
    this.#retryDelay = options.retryDelayMs ?? 250
  }

  outboxPut(entry: OutboxEntry): void {
    this.#open().putOutbox.set(entry.seq, entry)
    this.#schedule()
  }

  outboxDelete(seqs: readonly number[]): void {
    const batch = this.#open()
    for (const seq of seqs) {
      // Put and acknowledged before either reached the store: write neither.
      if (!batch.putOutbox.delete(seq)) batch.deleteOutbox.add(seq)
    }
    this.#schedule()
  }

  docAppend(docId: string, update: Uint8Array): void {
    this.#open().appends.push({ docId, update })
    this.#schedule()
  }

  state(state: ClientState): void {
    const { cursor, nextSeq, lineage } = state
    const current = this.#record
    if (
      current.cursor.epoch === cursor.epoch &&
      current.cursor.seq === cursor.seq &&
      current.nextSeq === nextSeq &&
      current.lineage === lineage
    )
      return
    this.#record = { deviceId: current.deviceId, cursor, nextSeq, lineage }
    this.#open().record = this.#record
    this.#schedule()
  }

  reset(state: ClientState): void {
    this.#record = { deviceId: this.#record.deviceId, ...state }
    const batch = emptyBatch()
    batch.reset = true
    batch.record = this.#record
    // Whatever is journaled next joins this batch, applied after the deletes.
    this.#queue.push(batch)
    this.#schedule()
  }

  /** True while something journaled has not been committed yet. */
  get pending(): boolean {
    return this.#inFlight !== undefined || this.#queue.some((batch) => !isEmpty(batch))
  }

  /**
   * Everything journaled but not known to be committed (the batch in flight included), as store
   * batches, for the unload journal; undefined while a lineage reset is pending (it needs the store).
   */
  uncommitted(): StoreBatch[] | undefined {
    if (this.#queue.some((batch) => batch.reset)) return undefined
    return this.#queue.filter((batch) => !isEmpty(batch)).map(toStoreBatch)
  }

  /** Resolves once everything journaled so far is committed (or the writer was closed). */
  idle(): Promise<void> {
    if (!this.pending) return Promise.resolve()
    this.#kick()
    return new Promise((resolve) => this.#idleWaiters.push(resolve))
  }

  /** Commits everything now and asks the store to make it durable (the `pagehide` path). */
  async flush(): Promise<void> {
    if (this.#retryTimer !== undefined) {
      clearTimeout(this.#retryTimer)
      this.#retryTimer = undefined
    }
    await this.idle()
    await this.#store.flush()
  }

  /** Stops writing; what is not committed yet stays uncommitted. */
  close(): void {
    this.#closed = true
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer)
    this.#retryTimer = undefined
    this.#queue.length = 0
    this.#wakeIdle()
  }

  #open(): PendingBatch {
    let last = this.#queue.at(-1)
    if (!last) this.#queue.push((last = emptyBatch()))
    return last
  }

  #schedule(): void {
    if (this.#scheduled || this.#closed) return
    this.#scheduled = true
    // End of the turn: the edits of one turn and their journal entries go into one commit.
    queueMicrotask(() => {
      this.#scheduled = false
      this.#kick()
    })
  }

  #kick(): void {
    if (this.#inFlight !== undefined || this.#retryTimer !== undefined || this.#closed) return
    while (this.#queue.length > 0 && isEmpty(this.#queue[0]!)) this.#queue.shift()
    const next = this.#queue[0]
    if (!next) return this.#wakeIdle()
    // A later journal call must not land in a batch that is being written.
    if (this.#queue.length === 1) this.#queue.push(emptyBatch())
    this.#inFlight = this.#commit(next).then(
      () => {
        this.#queue.shift()
        this.#inFlight = undefined
        this.#retryDelay = this.#options.retryDelayMs ?? 250
        this.#kick()
      },
      (error: unknown) => {
        this.#inFlight = undefined
        if (this.#closed) return this.#wakeIdle()
        this.#options.onError(error)
        this.#retryTimer = setTimeout(() => {
          this.#retryTimer = undefined
          this.#kick()
        }, this.#retryDelay)
        this.#retryDelay = Math.min(this.#retryDelay * 2, 30_000)
      },
    )
  }

  async #commit(batch: PendingBatch): Promise<void> {
    if (!batch.reset) return this.#store.commit(toStoreBatch(batch))
    // A reset. Listed now, when every earlier batch is committed: the store holds exactly these. A
    // document written after the reset (the new tree) is replaced by what was written, not deleted: in
    // one batch a delete would also drop the appends.
    const written = new Map<string, Uint8Array[]>()
    for (const { docId, update } of batch.appends) written.set(docId, [...(written.get(docId) ?? []), update])
    const stored = await this.#store.listDocs()
    const replaced = stored.filter((docId) => written.has(docId))
    const appends = batch.appends.filter(({ docId }) => !replaced.includes(docId))
    await this.#store.commit({
      ...(batch.record ? { record: batch.record } : {}),
      deleteDocs: stored.filter((docId) => !written.has(docId)),
      ...(replaced.length > 0 ? { replaceDocs: replaced.map((docId) => ({ docId, state: mergeUpdatesInTree(written.get(docId)!) })) } : {}),
      ...(appends.length > 0 ? { appendUpdates: appends } : {}),
      ...(batch.putOutbox.size > 0 ? { putOutbox: [...batch.putOutbox.values()] } : {}),
      deleteOutbox: [...(await this.#store.readOutbox()).map((entry) => entry.seq), ...batch.deleteOutbox],
    })
  }

  #wakeIdle(): void {
    if (this.pending && !this.#closed) return
    const waiters = this.#idleWaiters
    this.#idleWaiters = []
    for (const resolve of waiters) resolve()
  }
}

/** A batch without a reset as the store takes it. */
function toStoreBatch(batch: PendingBatch): StoreBatch {
  const out: { -readonly [K in keyof StoreBatch]: StoreBatch[K] } = {}
  if (batch.record) out.record = batch.record
  if (batch.appends.length > 0) out.appendUpdates = [...batch.appends]
  if (batch.putOutbox.size > 0) out.putOutbox = [...batch.putOutbox.values()]
  if (batch.deleteOutbox.size > 0) out.deleteOutbox = [...batch.deleteOutbox]
  return out
}

function emptyBatch(): PendingBatch {
  return { reset: false, record: undefined, appends: [], putOutbox: new Map(), deleteOutbox: new Set() }
}

function isEmpty(batch: PendingBatch): boolean {
  return (
    !batch.reset &&
    batch.record === undefined &&
    batch.appends.length === 0 &&
    batch.putOutbox.size === 0 &&
    batch.deleteOutbox.size === 0
  )
}
