// The vault-protocol engine under the SDK: one socket for every document of a vault, an outbox of local
// updates kept until the server's durable ack, cursor-based catch-up on reconnect, backoff with jitter,
// the lineage guard. It is synchronous and store-agnostic: what must be persisted is reported to a
// `ClientJournal` in order (the SDK's `Vault` writes it to a `LocalStore`); simulations use it bare.

import {
  CatchUpKind,
  DocChannel,
  ErrorCode,
  FATAL_CLOSE_CODE,
  HEADS_DOC_ID,
  MessageType,
  PROTOCOL_VERSIONS,
  SyncStep,
  assertNever,
  decodeMessage,
  encodeMessage,
  mergeUpdatesInTree,
} from '@amber/protocol'
import type {
  CatchUpEntry,
  DeviceId,
  DocHave,
  DocId,
  Message,
  SyncMessage,
  VaultCursor,
} from '@amber/protocol'
import * as Y from 'yjs'
import type { OutboxEntry } from './store/LocalStore.ts'
import { ClientErrorCode, VaultError, isRejectedForGood } from './VaultError.ts'

/** The part of a WebSocket the client needs; the browser's, `ws`'s, or an in-process test pipe. */
export interface SocketLike {
  binaryType?: string
  send(data: Uint8Array): void
  close(code?: number, reason?: string): void
  onopen: ((event?: unknown) => void) | null
  onmessage: ((event: { data: unknown }) => void) | null
  onclose: ((event: { code: number; reason: string }) => void) | null
  onerror: ((event?: unknown) => void) | null
}

/**
 * `offline`: no socket (or stopped). `connecting`: dialing. `syncing`: connected, catching up or waiting
 * for durable acks. `synced`: caught up and every local update durably acknowledged.
 */
export type ClientStatus = 'offline' | 'connecting' | 'syncing' | 'synced'

/** Catch-up progress: documents and bytes of the server's catch-up manifest received so far. */
export interface SyncProgress {
  readonly docsDone: number
  readonly docsTotal: number
  readonly bytesDone: number
  readonly bytesTotal: number
}

/** The persisted part of the client's state besides documents and the outbox. */
export interface ClientState {
  readonly cursor: VaultCursor
  readonly nextSeq: number
  readonly lineage: string
}

/**
 * Receives, synchronously and in causal order, everything that must reach durable local storage. An
 * implementation batches it; it must commit in call order.
 */
export interface ClientJournal {
  /** A local update got its sequence number (its document append, if any, is a separate `docAppend`). */
  outboxPut(entry: OutboxEntry): void
  /** These sequence numbers were durably acknowledged (or superseded) and leave the outbox. */
  outboxDelete(seqs: readonly number[]): void
  /** An update (local, or as received from the server) to append to a document. */
  docAppend(docId: string, update: Uint8Array): void
  state(state: ClientState): void
  /** The server's lineage changed: drop every document and outbox entry, then store `state`. */
  reset(state: ClientState): void
}

/** Options of {@link VaultClient}. */
export interface VaultClientOptions {
  /** Opens a new socket to the vault's sync endpoint; a rejection with a fatal `VaultError` stops the client. */
  readonly connect: () => SocketLike | Promise<SocketLike>
  readonly deviceId: string
  /** Keep every document (default), or only the tree and documents opened with `doc`. */
  readonly subscribeAll?: boolean
  readonly reconnect?: { readonly minDelayMs?: number; readonly maxDelayMs?: number }
  /** Seeded randomness for backoff jitter in tests; defaults to Math.random. */
  readonly random?: () => number
  /** State restored from a local store; documents are restored with `loadDoc` before `start`. */
  readonly initial?: ClientState & { readonly outbox: readonly OutboxEntry[] }
  readonly journal?: ClientJournal
}

/** What an `Error` frame said. */
export interface ServerErrorInfo {
  readonly docId: string
  readonly clientSeq: number
  readonly code: string
  readonly message: string
}

/** The server's copy descends from another history: what the client held before it dropped it. */
export interface LineageChange {
  readonly previous: string
  readonly current: string
  /** The documents as they were before the reset (the client no longer uses them). */
  readonly docs: ReadonlyMap<string, Y.Doc>
  /** Ids of the documents that held local updates the server never acknowledged. */
  readonly changed: ReadonlySet<string>
}

/** Events of {@link VaultClient}. */
export interface VaultClientEvents {
  status: (status: ClientStatus) => void
  error: (error: ServerErrorInfo) => void
  progress: (progress: SyncProgress) => void
  fatal: (reason: string) => void
  awareness: (docId: string, update: Uint8Array) => void
  /** The server sent a document's state (catch-up, or the answer to a subscribe). */
  loaded: (docId: string) => void
  /** Hello went out on a new socket: subscriptions and awareness sent now reach the server. */
  connected: () => void
  /** A catch-up finished (`CatchUpEnd`); the cursor is current. */
  caughtUp: () => void
  lineageChanged: (change: LineageChange) => void
  /** Durable acks (or a reset) changed which documents hold unacknowledged updates. */
  settled: () => void
}

/** Origin of transactions that apply what came from the server; they are never sent back. */
export const REMOTE_ORIGIN = Symbol('amber-remote')
/** Origin of transactions that restore a document from the local store; neither sent nor stored again. */
export const LOAD_ORIGIN = Symbol('amber-load')

const EMPTY_CURSOR: VaultCursor = { epoch: '', seq: 0 }

/** Documents only the server writes (a client's update would be refused `READ_ONLY`): the binary heads. */
function isServerOwned(docId: string): boolean {
  return docId === HEADS_DOC_ID
}

interface Waiter {
  readonly docId: string | undefined
  readonly resolve: () => void
  readonly reject: (error: VaultError) => void
}

/**
 * The protocol engine under the SDK, for simulations, benchmarks and hosts that bring their own
 * persistence: documents in memory, one socket, outbox, acks, cursor, lineage guard. Apps use
 * `connectVault` instead.
 * @example
 * const client = new VaultClient({ deviceId: 'sim-1', connect: () => new LoopbackSocket(room) })
 * client.start()
 * client.doc(noteId).getText('content').insert(0, 'hi')
 * await client.whenSynced()
 */
export class VaultClient {
  readonly docs = new Map<string, Y.Doc>()
  cursor: VaultCursor
  lineage: string
  status: ClientStatus = 'offline'
  /** Every local update not yet durably acknowledged, parked ones included, by sequence number. */
  private readonly outbox = new Map<number, OutboxEntry>()
  /** Updates the server rejected for good: not resent on this connection or any later one of this client. */
  private readonly parked = new Map<number, VaultError>()
  /**
   * Local updates of the current turn of the event loop, per document. They leave as one merged update
   * with one sequence number at the end of the turn: a burst (a paste, a replayed trace, a bulk edit)
   * costs one frame, one server apply and one log entry, while a lone keystroke still leaves at once.
   */
  private readonly pendingLocal = new Map<string, Uint8Array[]>()
  private readonly docListeners = new Map<string, (update: Uint8Array, origin: unknown) => void>()
  private pendingFlushScheduled = false
  private nextSeq: number
  private socket: SocketLike | undefined
  /** Hello went out on the current socket: subscriptions and awareness may follow. */
  private helloSent = false
  /** Welcome arrived and its lineage is ours: updates may go out. */
  private welcomed = false
  private stopped = true
  private attempt = 0
  /** The server said RATE_LIMITED and nothing was acknowledged since: reconnects keep backing off. */
  private rateLimited = false
  private connectGeneration = 0
  private retryTimer: ReturnType<typeof setTimeout> | undefined
  private catchUp:
    { entries: readonly CatchUpEntry[]; done: number; bytes: number; epochChanged: boolean } | undefined
  private readonly listeners = new Map<keyof VaultClientEvents, Set<(...args: never[]) => void>>()
  private waiters: Waiter[] = []
  /** The last catch-up's progress. */
  progress: SyncProgress = { docsDone: 0, docsTotal: 0, bytesDone: 0, bytesTotal: 0 }

  constructor(private readonly options: VaultClientOptions) {
    const initial = options.initial
    this.cursor = initial?.cursor ?? EMPTY_CURSOR
    this.lineage = initial?.lineage ?? ''
    let nextSeq = initial?.nextSeq ?? 1
    for (const entry of initial?.outbox ?? []) {
      this.outbox.set(entry.seq, entry)
      nextSeq = Math.max(nextSeq, entry.seq + 1)
    }
    this.nextSeq = nextSeq
  }

  on<E extends keyof VaultClientEvents>(event: E, listener: VaultClientEvents[E]): () => void {
    let set = this.listeners.get(event)
    if (!set) this.listeners.set(event, (set = new Set()))
    set.add(listener as (...args: never[]) => void)
    return () => set.delete(listener as (...args: never[]) => void)
  }

  private emit<E extends keyof VaultClientEvents>(event: E, ...args: Parameters<VaultClientEvents[E]>): void {
    for (const listener of [...(this.listeners.get(event) ?? [])])
      (listener as unknown as (...a: typeof args) => void)(...args)
  }

  private get subscribeAll(): boolean {
    return this.options.subscribeAll ?? true
  }

  /** The document with this id, created empty locally if unknown. Local edits are sent and kept until acked. */
  doc(docId: string): Y.Doc {
    const existing = this.docs.get(docId)
    if (existing) return existing
    const doc = this.adopt(docId, new Y.Doc())
    if (!this.subscribeAll && this.helloSent) {
      this.send({ type: MessageType.Subscribe, docId: docId as DocId, stateVector: Y.encodeStateVector(doc) })
    }
    return doc
  }

  /**
   * Asks the server for the document's current state and presence (a `Subscribe`, answered with what we
   * lack and the awareness states it holds). Lazy vaults also start receiving the document.
   */
  subscribe(docId: string): void {
    if (this.helloSent)
      this.send({
        type: MessageType.Subscribe,
        docId: docId as DocId,
        stateVector: Y.encodeStateVector(this.doc(docId)),
      })
  }

  /** True when the document is in memory. */
  hasDoc(docId: string): boolean {
    return this.docs.has(docId)
  }

  /**
   * Restores a document from the local store (before `start`, or before its first `doc` call in lazy
   * mode): applied without being sent or stored again.
   */
  loadDoc(docId: string, updates: readonly Uint8Array[]): Y.Doc {
    const fresh = !this.docs.has(docId)
    if (fresh && !this.subscribeAll && this.helloSent) {
      // Subscribe with the restored state vector, not an empty one: apply first, then create the entry.
      const doc = new Y.Doc()
      for (const update of updates) Y.applyUpdate(doc, update, LOAD_ORIGIN)
      this.adopt(docId, doc)
      this.send({ type: MessageType.Subscribe, docId: docId as DocId, stateVector: Y.encodeStateVector(doc) })
      return doc
    }
    const doc = fresh ? this.adopt(docId, new Y.Doc()) : this.doc(docId)
    doc.transact(() => {
      for (const update of updates) Y.applyUpdate(doc, update, LOAD_ORIGIN)
    }, LOAD_ORIGIN)
    return doc
  }

  private adopt(docId: string, doc: Y.Doc): Y.Doc {
    this.docs.set(docId, doc)
    const listener = (update: Uint8Array, origin: unknown): void => {
      // A server-owned document is never written by a client: a local change to it stays local.
      if (origin !== REMOTE_ORIGIN && origin !== LOAD_ORIGIN && !isServerOwned(docId)) this.queueLocalEdit(docId, update)
    }
    this.docListeners.set(docId, listener)
    doc.on('update', listener)
    return doc
  }

  /**
   * Lazy mode: forgets a document that holds no unacknowledged update (unsubscribes, drops it from
   * memory; its stored copy stays). Returns false when it still holds local changes.
   */
  release(docId: string): boolean {
    const doc = this.docs.get(docId)
    if (!doc || this.docHasLocalChanges(docId)) return false
    const listener = this.docListeners.get(docId)
    if (listener) doc.off('update', listener)
    this.docListeners.delete(docId)
    this.docs.delete(docId)
    if (!this.subscribeAll && this.helloSent)
      this.send({ type: MessageType.Unsubscribe, docId: docId as DocId })
    return true
  }

  /** True while some local update lacks the server's durable ack (updates rejected for good included). */
  get hasLocalChanges(): boolean {
    return this.outbox.size > 0 || this.pendingLocal.size > 0
  }

  /** True while some local update of this document lacks the server's durable ack. */
  docHasLocalChanges(docId: string): boolean {
    if (this.pendingLocal.has(docId)) return true
    for (const entry of this.outbox.values()) if (entry.docId === docId) return true
    return false
  }

  /** Ids of the documents holding unacknowledged local updates. */
  docsWithLocalChanges(): Set<string> {
    const ids = new Set<string>(this.pendingLocal.keys())
    for (const entry of this.outbox.values()) ids.add(entry.docId)
    return ids
  }

  /** Number of outgoing updates (each one or more local transactions) awaiting a durable ack; parked ones excluded. */
  get unacked(): number {
    return this.outbox.size - this.parked.size + this.pendingLocal.size
  }

  /** Updates the server rejected for good, by sequence number (kept locally; see `retryRejected`). */
  get rejected(): ReadonlyMap<number, VaultError> {
    return this.parked
  }

  /**
   * Resolves once caught up and every local update so far has the server's durable ack (never on
   * "sent"); rejects with the `VaultError` of an update the server rejected for good, or
   * `LINEAGE_CHANGED` when local updates were moved aside.
   */
  whenSynced(): Promise<void> {
    return this.wait(undefined)
  }

  /** Like `whenSynced`, for one document's local updates only; resolves at once when it has none. */
  whenDocSynced(docId: string): Promise<void> {
    return this.wait(docId)
  }

  private wait(docId: string | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiter = { docId, resolve, reject }
      if (!this.settleWaiter(waiter)) this.waiters.push(waiter)
    })
  }

  /** Resolves or rejects a waiter when its condition is decided; false while it must keep waiting. */
  private settleWaiter(waiter: Waiter): boolean {
    for (const [seq, error] of this.parked) {
      if (waiter.docId === undefined || this.outbox.get(seq)?.docId === waiter.docId) {
        waiter.reject(error)
        return true
      }
    }
    if (waiter.docId === undefined) {
      if (this.unacked > 0 || this.status !== 'synced') return false
    } else if (this.docHasLocalChanges(waiter.docId)) {
      return false
    }
    waiter.resolve()
    return true
  }

  /** Rejects every pending `whenSynced`/`whenDocSynced` (the owner is shutting down). */
  cancelWaiters(error: VaultError): void {
    const waiters = this.waiters
    this.waiters = []
    for (const waiter of waiters) waiter.reject(error)
  }

  private settleWaiters(): void {
    if (this.waiters.length === 0) return
    this.waiters = this.waiters.filter((waiter) => !this.settleWaiter(waiter))
  }

  start(): void {
    if (!this.stopped) return
    this.stopped = false
    this.open()
  }

  /** Closes the socket and stops reconnecting; local state and the outbox are kept. */
  stop(): void {
    this.stopped = true
    this.connectGeneration++
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer)
    this.retryTimer = undefined
    const socket = this.socket
    this.detach()
    socket?.close(1000, 'client stopped')
    this.setStatus('offline')
  }

  /** Dials now instead of waiting for the backoff timer (the network came back); restarts after a fatal stop. */
  reconnectNow(): void {
    if (this.socket !== undefined && this.status !== 'offline') return
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer)
    this.retryTimer = undefined
    this.attempt = 0
    if (this.stopped) return this.start()
    if (this.status === 'offline') this.open()
  }

  /** Sends the updates the server rejected for good once more (after a role or quota change). */
  retryRejected(): void {
    const seqs = [...this.parked.keys()].sort((a, b) => a - b)
    this.parked.clear()
    if (this.welcomed) for (const seq of seqs) this.sendOutboxEntry(seq)
    this.checkSynced()
  }

  /** Sends an awareness update for a document (y-protocols awareness encoding). */
  sendAwareness(docId: string, awareness: Uint8Array): void {
    if (this.helloSent)
      this.send({
        type: MessageType.Doc,
        docId: docId as DocId,
        body: { channel: DocChannel.Awareness, awareness },
      })
  }

  /** True once Hello went out on the current socket (awareness sent now reaches the server). */
  get connected(): boolean {
    return this.helloSent
  }

  // ---- connection -----------------------------------------------------------------------------------

  private open(): void {
    this.setStatus('connecting')
    const generation = ++this.connectGeneration
    let opened: SocketLike | Promise<SocketLike>
    try {
      opened = this.options.connect()
    } catch (error) {
      return this.connectFailed(error)
    }
    if (!(opened instanceof Promise)) return this.attach(opened)
    opened.then(
      (socket) => {
        if (generation === this.connectGeneration && !this.stopped) this.attach(socket)
        else socket.close(1000, 'client stopped')
      },
      (error: unknown) => {
        if (generation === this.connectGeneration && !this.stopped) this.connectFailed(error)
      },
    )
  }

  private connectFailed(error: unknown): void {
    if (error instanceof VaultError && error.fatal) return this.handleClose(FATAL_CLOSE_CODE, error.code)
    this.handleClose(1006, error instanceof Error ? error.message : String(error))
  }

  private attach(socket: SocketLike): void {
    socket.binaryType = 'arraybuffer'
    this.socket = socket
    socket.onopen = () => this.handleOpen()
    socket.onmessage = (event) => this.handleData(event.data)
    socket.onclose = (event) => this.handleClose(event.code, event.reason)
    socket.onerror = () => undefined // a close event always follows; it decides what to do
  }

  private detach(): void {
    if (!this.socket) return
    this.socket.onopen = this.socket.onmessage = this.socket.onclose = this.socket.onerror = null
    this.socket = undefined
    this.helloSent = false
    this.welcomed = false
    this.catchUp = undefined
  }

  private handleOpen(): void {
    this.flushLocalEdits()
    // Hello carries state vectors only. Updates wait for Welcome: until its lineage is checked, no local
    // state may reach a server whose history might not be ours.
    this.send({
      type: MessageType.Hello,
      versions: [...PROTOCOL_VERSIONS],
      deviceId: this.options.deviceId as DeviceId,
      cursor: this.cursor,
      subscribeAll: this.subscribeAll,
      docs: this.docHaves(),
    })
    this.helloSent = true
    this.setStatus('syncing')
    this.emit('connected')
  }

  private handleClose(code: number, reason: string): void {
    this.detach()
    if (code === FATAL_CLOSE_CODE) {
      this.stopped = true
      this.setStatus('offline')
      this.emit('fatal', reason)
      return
    }
    this.setStatus('offline')
    if (this.stopped) return
    const { minDelayMs = 100, maxDelayMs = 10_000 } = this.options.reconnect ?? {}
    const ceiling = Math.min(maxDelayMs, minDelayMs * 2 ** this.attempt++)
    const delay = ceiling / 2 + (this.options.random ?? Math.random)() * (ceiling / 2)
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined
      if (!this.stopped) this.open()
    }, delay)
  }

  private docHaves(): DocHave[] {
    const ids = this.docsWithLocalChanges()
    if (!this.subscribeAll) for (const id of this.docs.keys()) ids.add(id)
    return [...ids].map((docId) => ({
      docId: docId as DocId,
      stateVector: Y.encodeStateVector(this.doc(docId)),
    }))
  }

  private resendOutbox(): void {
    for (const seq of [...this.outbox.keys()].sort((a, b) => a - b))
      if (!this.parked.has(seq)) this.sendOutboxEntry(seq)
  }

  private sendOutboxEntry(seq: number): void {
    const entry = this.outbox.get(seq)
    if (entry) this.sendUpdate(entry.docId, seq, entry.update)
  }

  // ---- outgoing -------------------------------------------------------------------------------------

  private queueLocalEdit(docId: string, update: Uint8Array): void {
    let updates = this.pendingLocal.get(docId)
    if (!updates) this.pendingLocal.set(docId, (updates = []))
    updates.push(update)
    if (this.status === 'synced') this.setStatus('syncing')
    if (this.pendingFlushScheduled) return
    this.pendingFlushScheduled = true
    queueMicrotask(() => this.flushLocalEdits())
  }

  /** Gives the local edits of the current turn their sequence numbers now (before a reset or a close). */
  flushLocalEdits(): void {
    this.pendingFlushScheduled = false
    if (this.pendingLocal.size === 0) return
    const pending = [...this.pendingLocal]
    this.pendingLocal.clear()
    for (const [docId, updates] of pending) {
      const update = updates.length === 1 ? updates[0]! : mergeUpdatesInTree(updates)
      this.options.journal?.docAppend(docId, update)
      this.queueLocal(docId, update, false)
    }
  }

  private queueLocal(docId: string, update: Uint8Array, supersedes: boolean): void {
    // Keep sequence order equal to edit order: anything still pending goes first.
    if (this.pendingLocal.size > 0) this.flushLocalEdits()
    const seq = this.nextSeq++
    const entry: OutboxEntry = { seq, docId, update, supersedes }
    this.outbox.set(seq, entry)
    this.options.journal?.outboxPut(entry)
    this.journalState()
    // A document with an update rejected for good is held back as a whole: later edits depend on it
    // and would be refused the same way (each time costing a round trip, or a huge frame).
    const blocked = this.rejectionOf(docId)
    if (blocked) this.parked.set(seq, blocked)
    else if (this.welcomed) this.sendUpdate(docId, seq, update)
    if (this.status === 'synced' && !blocked) this.setStatus('syncing')
  }

  /** The error of a parked update of this document, if it has one. */
  private rejectionOf(docId: string): VaultError | undefined {
    for (const [seq, error] of this.parked) if (this.outbox.get(seq)?.docId === docId) return error
    return undefined
  }

  private sendUpdate(docId: string, clientSeq: number, update: Uint8Array): void {
    this.send({
      type: MessageType.Doc,
      docId: docId as DocId,
      body: { channel: DocChannel.Sync, clientSeq, sync: { step: SyncStep.Update, update } },
    })
  }

  private send(message: Message): void {
    this.socket?.send(encodeMessage(message))
  }

  private journalState(): void {
    this.options.journal?.state({ cursor: this.cursor, nextSeq: this.nextSeq, lineage: this.lineage })
  }

  // ---- incoming -------------------------------------------------------------------------------------

  private handleData(data: unknown): void {
    const bytes =
      data instanceof Uint8Array ? data : data instanceof ArrayBuffer ? new Uint8Array(data) : undefined
    if (!bytes) return // text frames are not part of the protocol
    const message = decodeMessage(bytes)
    switch (message.type) {
      case MessageType.Welcome:
        return this.handleWelcome(message.lineage)
      case MessageType.CatchUp:
        this.catchUp = {
          entries: message.entries,
          done: 0,
          bytes: 0,
          epochChanged: this.cursor.epoch !== '' && this.cursor.epoch !== message.epoch,
        }
        this.reportProgress()
        return
      case MessageType.CatchUpDoc: {
        this.applyRemote(message.docId, message.update)
        this.emit('loaded', message.docId)
        if (this.catchUp) {
          this.catchUp.done++
          this.catchUp.bytes += message.update.length
          this.reportProgress()
        }
        return
      }
      case MessageType.CatchUpEnd: {
        const catchUp = this.catchUp
        this.catchUp = undefined
        this.cursor = message.cursor
        this.journalState()
        if (!this.rateLimited) this.attempt = 0
        if (catchUp?.epochChanged) this.pushLocalStateAfterEpochChange(catchUp.entries)
        this.emit('caughtUp')
        this.checkSynced()
        return
      }
      case MessageType.Doc:
        if (message.body.channel === DocChannel.Awareness) {
          this.emit('awareness', message.docId, message.body.awareness)
          return
        }
        return this.handleSync(message.docId, message.body.sync)
      case MessageType.Ack: {
        const acked: number[] = []
        for (const range of message.ranges)
          for (let seq = range.first; seq <= range.last; seq++) this.acknowledge(seq, acked)
        if (message.cursor.epoch === this.cursor.epoch || this.cursor.epoch === '')
          this.cursor = message.cursor
        if (acked.length > 0) {
          this.options.journal?.outboxDelete(acked)
          // Accepted again: a rate limit is over, later reconnects start from the short delay.
          if (this.rateLimited) this.attempt = 0
          this.rateLimited = false
        }
        this.journalState()
        this.checkSynced()
        if (acked.length > 0) this.emit('settled')
        return
      }
      case MessageType.Resync:
        if (
          message.cursor.epoch !== this.cursor.epoch ||
          message.cursor.seq > this.cursor.seq ||
          this.hasLocalChanges
        ) {
          this.send({ type: MessageType.Resume, cursor: this.cursor, docs: this.docHaves() })
          if (this.welcomed) this.resendOutbox()
        }
        return
      case MessageType.Error:
        return this.handleError(message)
      case MessageType.Hello:
      case MessageType.Subscribe:
      case MessageType.Unsubscribe:
      case MessageType.Resume:
        return // client-to-server messages; a server never sends them
      default:
        return assertNever(message)
    }
  }

  private handleWelcome(lineage: string): void {
    // '' is a server that names no lineage: nothing to compare.
    if (lineage !== '' && this.lineage !== '' && lineage !== this.lineage) return this.resetLineage(lineage)
    if (lineage !== '' && lineage !== this.lineage) {
      this.lineage = lineage
      this.journalState()
    }
    this.welcomed = true
    this.resendOutbox()
  }

  private handleError(error: ServerErrorInfo): void {
    this.emit('error', error)
    const code = error.code
    if (code === ErrorCode.RateLimited) {
      // The server closes with 1008 next; keep everything and back off instead of hammering it.
      this.rateLimited = true
      return
    }
    if (error.clientSeq <= 0 || !this.outbox.has(error.clientSeq)) return
    if (code === ErrorCode.EmptyUpdate) {
      // Nothing in it the server lacks: as good as acknowledged.
      this.outbox.delete(error.clientSeq)
      this.options.journal?.outboxDelete([error.clientSeq])
      this.checkSynced()
      this.emit('settled')
      return
    }
    if (isRejectedForGood(code)) {
      // It will never be accepted as it is: stop resending it, but keep it (and the local doc) intact.
      const entry = this.outbox.get(error.clientSeq)!
      this.parked.set(
        error.clientSeq,
        new VaultError(code as ErrorCode, error.message, { docId: entry.docId }),
      )
      if (entry.supersedes) {
        // It covers every earlier update of its document: keep one copy of the rejected content, not many.
        const covered = [...this.outbox]
          .filter(([seq, other]) => seq < error.clientSeq && other.docId === entry.docId)
          .map(([seq]) => seq)
        for (const seq of covered) {
          this.outbox.delete(seq)
          this.parked.delete(seq)
        }
        if (covered.length > 0) this.options.journal?.outboxDelete(covered)
      }
      this.checkSynced()
      this.settleWaiters()
      this.emit('settled')
    }
    // MISSING_DEPENDENCIES: a sync step 1 follows and the answer supersedes it. NOT_SUBSCRIBED, INTERNAL:
    // kept and resent on the next connection.
  }

  private handleSync(docId: string, sync: SyncMessage): void {
    if (sync.step === SyncStep.Step1) {
      if (isServerOwned(docId)) return // the server's copy is the truth; ours only mirrors it
      // The server asks for what it lacks: one update that covers every earlier unacked one of this doc.
      const update = Y.encodeStateAsUpdate(this.doc(docId), sync.stateVector)
      // A server that lacks nothing still gets an answer only when something of ours waits for an ack.
      if (update.length > 2 || this.docHasLocalChanges(docId)) this.queueLocal(docId, update, true)
      return
    }
    this.applyRemote(docId, sync.update)
    if (sync.step === SyncStep.Step2) this.emit('loaded', docId)
  }

  private applyRemote(docId: string, update: Uint8Array): void {
    const doc = this.doc(docId)
    let integrated = false
    const onUpdate = (_: Uint8Array, origin: unknown): void => {
      if (origin === REMOTE_ORIGIN) integrated = true
    }
    doc.on('update', onUpdate)
    Y.applyUpdate(doc, update, REMOTE_ORIGIN)
    doc.off('update', onUpdate)
    // What did not integrate (missing dependencies) stays pending in the doc; store it as received so a
    // restart restores the same pending state the cursor accounts for.
    if (integrated || doc.store.pendingStructs !== null || doc.store.pendingDs !== null)
      this.options.journal?.docAppend(docId, update)
  }

  private acknowledge(seq: number, acked: number[]): void {
    const entry = this.outbox.get(seq)
    if (!entry) return
    this.outbox.delete(seq)
    this.parked.delete(seq)
    acked.push(seq)
    if (!entry.supersedes) return
    for (const [other, earlier] of this.outbox) {
      if (other < seq && earlier.docId === entry.docId) {
        this.outbox.delete(other)
        this.parked.delete(other)
        acked.push(other)
      }
    }
  }

  /** The server's copy was rebuilt or restored (same lineage): send our state of every document it did not list. */
  private pushLocalStateAfterEpochChange(entries: readonly CatchUpEntry[]): void {
    const listed = new Set(entries.filter((e) => e.kind !== CatchUpKind.Diff).map((e) => e.docId as string))
    for (const [docId, doc] of this.docs) {
      if (!listed.has(docId) && !isServerOwned(docId)) this.queueLocal(docId, Y.encodeStateAsUpdate(doc), true)
    }
  }

  /**
   * The server's history is not the one our state descends from (a restore, a re-created vault). Never
   * merge into it: hand the old documents to the SDK (which rescues unacknowledged content), drop every
   * document, the outbox and the cursor, and start over on a fresh socket that takes the server's state.
   */
  private resetLineage(lineage: string): void {
    this.flushLocalEdits()
    const previous = this.lineage
    const changed = this.docsWithLocalChanges()
    const docs = new Map(this.docs)
    for (const [docId, doc] of docs) {
      const listener = this.docListeners.get(docId)
      if (listener) doc.off('update', listener)
    }
    this.docs.clear()
    this.docListeners.clear()
    this.outbox.clear()
    this.parked.clear()
    this.cursor = EMPTY_CURSOR
    this.lineage = lineage
    this.options.journal?.reset({ cursor: this.cursor, nextSeq: this.nextSeq, lineage })
    const error = new VaultError(
      ClientErrorCode.LineageChanged,
      'the server vault was replaced; unacknowledged local edits were moved aside',
    )
    const waiters = this.waiters
    this.waiters = []
    for (const waiter of waiters) {
      if (waiter.docId === undefined || changed.has(waiter.docId)) waiter.reject(error)
      else this.waiters.push(waiter)
    }
    const socket = this.socket
    this.detach()
    socket?.close(1000, 'lineage changed')
    this.emit('lineageChanged', { previous, current: lineage, docs, changed })
    this.emit('settled')
    if (this.stopped) return
    this.attempt = 0
    this.open()
  }

  private reportProgress(): void {
    if (!this.catchUp) return
    const { entries, done, bytes } = this.catchUp
    const bytesTotal = entries.reduce((sum, entry) => sum + entry.bytes, 0)
    this.progress = { docsDone: done, docsTotal: entries.length, bytesDone: bytes, bytesTotal }
    this.emit('progress', this.progress)
  }

  private checkSynced(): void {
    if (this.catchUp || !this.socket || !this.welcomed) {
      this.settleWaiters()
      return
    }
    this.setStatus(this.unacked > 0 ? 'syncing' : 'synced')
    this.settleWaiters()
  }

  private setStatus(status: ClientStatus): void {
    if (this.status === status) return
    this.status = status
    this.emit('status', status)
  }
}
