// A vault-protocol client: one socket for every document of a vault, an outbox of local updates kept
// until the server's durable ack, cursor-based catch-up on reconnect, backoff with jitter. Documents
// live in memory here; persistent local stores come with the SDK.

import {
  CatchUpKind,
  DocChannel,
  ErrorCode,
  FATAL_CLOSE_CODE,
  MessageType,
  PROTOCOL_VERSIONS,
  SyncStep,
  decodeMessage,
  encodeMessage,
  mergeUpdatesInTree,
} from '@amber/protocol'
import type { CatchUpEntry, DeviceId, DocHave, DocId, Message, SyncMessage, VaultCursor } from '@amber/protocol'
import * as Y from 'yjs'

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

export type ClientStatus = 'offline' | 'connecting' | 'syncing' | 'synced'

export interface VaultClientOptions {
  /** Opens a new socket to the vault's sync endpoint. */
  readonly connect: () => SocketLike
  readonly deviceId: string
  /** Keep every document (default), or only the tree and documents opened with `open`. */
  readonly subscribeAll?: boolean
  readonly reconnect?: { readonly minDelayMs?: number; readonly maxDelayMs?: number }
  /** Seeded randomness for backoff jitter in tests; defaults to Math.random. */
  readonly random?: () => number
}

export interface VaultClientEvents {
  status: (status: ClientStatus) => void
  error: (error: { docId: string; clientSeq: number; code: string; message: string }) => void
  progress: (progress: { docsDone: number; docsTotal: number; bytesDone: number; bytesTotal: number }) => void
  fatal: (reason: string) => void
  awareness: (docId: string, update: Uint8Array) => void
  /** The server sent a document's state (catch-up, or the answer to a subscribe). */
  loaded: (docId: string) => void
}

/** Origin of transactions that apply what came from the server; they are never sent back. */
export const REMOTE_ORIGIN = Symbol('amber-remote')

interface OutboxEntry {
  readonly docId: string
  readonly update: Uint8Array
  /** A resend from the server's state vector covers every earlier entry of its document. */
  readonly supersedes: boolean
}

export class VaultClient {
  readonly docs = new Map<string, Y.Doc>()
  cursor: VaultCursor = { epoch: '', seq: 0 }
  status: ClientStatus = 'offline'
  private readonly outbox = new Map<number, OutboxEntry>()
  /**
   * Local updates of the current turn of the event loop, per document. They leave as one merged update
   * with one sequence number at the end of the turn: a burst (a paste, a replayed trace, a bulk edit)
   * costs one frame, one server apply and one log entry, while a lone keystroke still leaves at once.
   */
  private readonly pendingLocal = new Map<string, Uint8Array[]>()
  private pendingFlushScheduled = false
  private nextSeq = 1
  private socket: SocketLike | undefined
  private welcomed = false
  private stopped = true
  private attempt = 0
  private retryTimer: ReturnType<typeof setTimeout> | undefined
  private catchUp: { entries: readonly CatchUpEntry[]; done: number; bytes: number; epochChanged: boolean } | undefined
  private readonly listeners = new Map<keyof VaultClientEvents, Set<(...args: never[]) => void>>()
  private syncedWaiters: Array<() => void> = []

  constructor(private readonly options: VaultClientOptions) {}

  on<E extends keyof VaultClientEvents>(event: E, listener: VaultClientEvents[E]): () => void {
    let set = this.listeners.get(event)
    if (!set) this.listeners.set(event, (set = new Set()))
    set.add(listener as (...args: never[]) => void)
    return () => set.delete(listener as (...args: never[]) => void)
  }

  private emit<E extends keyof VaultClientEvents>(event: E, ...args: Parameters<VaultClientEvents[E]>): void {
    for (const listener of this.listeners.get(event) ?? []) (listener as unknown as (...a: typeof args) => void)(...args)
  }

  /** The document with this id, created empty locally if unknown. Local edits are sent and kept until acked. */
  doc(docId: string): Y.Doc {
    let doc = this.docs.get(docId)
    if (doc) return doc
    doc = new Y.Doc()
    this.docs.set(docId, doc)
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin !== REMOTE_ORIGIN) this.queueLocalEdit(docId, update)
    })
    if (!(this.options.subscribeAll ?? true) && this.welcomed) {
      this.send({ type: MessageType.Subscribe, docId: docId as DocId, stateVector: Y.encodeStateVector(doc) })
    }
    return doc
  }

  /** True while some local update lacks the server's durable ack. */
  get hasLocalChanges(): boolean {
    return this.outbox.size > 0 || this.pendingLocal.size > 0
  }

  /** Number of outgoing updates (each one or more local transactions) not yet durably acknowledged. */
  get unacked(): number {
    return this.outbox.size + this.pendingLocal.size
  }

  /** Resolves once every local update so far has the server's durable ack (never on "sent"). */
  whenSynced(): Promise<void> {
    if (!this.hasLocalChanges && this.status === 'synced') return Promise.resolve()
    return new Promise((resolve) => this.syncedWaiters.push(resolve))
  }

  start(): void {
    if (!this.stopped) return
    this.stopped = false
    this.open()
  }

  /** Closes the socket and stops reconnecting; local state and the outbox are kept. */
  stop(): void {
    this.stopped = true
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer)
    this.retryTimer = undefined
    const socket = this.socket
    this.detach()
    socket?.close(1000, 'client stopped')
    this.setStatus('offline')
  }

  /** Sends an awareness update for a document (y-protocols awareness encoding). */
  sendAwareness(docId: string, awareness: Uint8Array): void {
    if (this.welcomed) this.send({ type: MessageType.Doc, docId: docId as DocId, body: { channel: DocChannel.Awareness, awareness } })
  }

  // ---- connection -----------------------------------------------------------------------------------

  private open(): void {
    this.setStatus('connecting')
    const socket = this.options.connect()
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
    this.welcomed = false
    this.catchUp = undefined
  }

  private handleOpen(): void {
    this.flushLocalEdits()
    this.attempt = 0
    this.setStatus('syncing')
    this.send({
      type: MessageType.Hello,
      versions: [...PROTOCOL_VERSIONS],
      deviceId: this.options.deviceId as DeviceId,
      cursor: this.cursor,
      subscribeAll: this.options.subscribeAll ?? true,
      docs: this.docHaves(),
    })
    this.welcomed = true
    // Pipelined behind Hello: a reconnect is one round trip.
    this.resendOutbox()
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
    const ids = new Set<string>()
    for (const entry of this.outbox.values()) ids.add(entry.docId)
    if (!(this.options.subscribeAll ?? true)) for (const id of this.docs.keys()) ids.add(id)
    return [...ids].map((docId) => ({ docId: docId as DocId, stateVector: Y.encodeStateVector(this.doc(docId)) }))
  }

  private resendOutbox(): void {
    for (const [clientSeq, entry] of [...this.outbox].sort((a, b) => a[0] - b[0])) this.sendUpdate(entry.docId, clientSeq, entry.update)
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

  private flushLocalEdits(): void {
    this.pendingFlushScheduled = false
    const pending = [...this.pendingLocal]
    this.pendingLocal.clear()
    for (const [docId, updates] of pending) {
      this.queueLocal(docId, updates.length === 1 ? updates[0]! : mergeUpdatesInTree(updates), false)
    }
  }

  private queueLocal(docId: string, update: Uint8Array, supersedes: boolean): void {
    // Keep sequence order equal to edit order: anything still pending goes first.
    if (this.pendingLocal.size > 0) this.flushLocalEdits()
    const clientSeq = this.nextSeq++
    this.outbox.set(clientSeq, { docId, update, supersedes })
    if (this.welcomed) this.sendUpdate(docId, clientSeq, update)
    if (this.status === 'synced') this.setStatus('syncing')
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

  // ---- incoming -------------------------------------------------------------------------------------

  private handleData(data: unknown): void {
    const bytes = data instanceof Uint8Array ? data : data instanceof ArrayBuffer ? new Uint8Array(data) : undefined
    if (!bytes) return // text frames are not part of the protocol
    const message = decodeMessage(bytes)
    switch (message.type) {
      case MessageType.Welcome:
        return
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
        if (catchUp?.epochChanged) this.pushLocalStateAfterEpochChange(catchUp.entries)
        this.checkSynced()
        return
      }
      case MessageType.Doc:
        if (message.body.channel === DocChannel.Awareness) {
          this.emit('awareness', message.docId, message.body.awareness)
          return
        }
        return this.handleSync(message.docId, message.body.sync)
      case MessageType.Ack:
        for (const range of message.ranges) for (let seq = range.first; seq <= range.last; seq++) this.acknowledge(seq)
        if (message.cursor.epoch === this.cursor.epoch || this.cursor.epoch === '') this.cursor = message.cursor
        this.checkSynced()
        return
      case MessageType.Resync:
        if (message.cursor.epoch !== this.cursor.epoch || message.cursor.seq > this.cursor.seq || this.hasLocalChanges) {
          this.send({ type: MessageType.Resume, cursor: this.cursor, docs: this.docHaves() })
          this.resendOutbox()
        }
        return
      case MessageType.Error:
        this.emit('error', message)
        // Rejected for good (malformed, too large…): it will never be accepted, so stop resending it.
        if (message.code !== ErrorCode.MissingDependencies && message.clientSeq > 0) {
          this.outbox.delete(message.clientSeq)
          this.checkSynced()
        }
        return
      case MessageType.Hello:
      case MessageType.Subscribe:
      case MessageType.Unsubscribe:
      case MessageType.Resume:
        return // client-to-server messages; a server never sends them
    }
  }

  private handleSync(docId: string, sync: SyncMessage): void {
    if (sync.step === SyncStep.Step1) {
      // The server asks for what it lacks: one update that covers every earlier unacked one of this doc.
      const update = Y.encodeStateAsUpdate(this.doc(docId), sync.stateVector)
      this.queueLocal(docId, update, true)
      return
    }
    this.applyRemote(docId, sync.update)
    if (sync.step === SyncStep.Step2) this.emit('loaded', docId)
  }

  private applyRemote(docId: string, update: Uint8Array): void {
    Y.applyUpdate(this.doc(docId), update, REMOTE_ORIGIN)
  }

  private acknowledge(clientSeq: number): void {
    const entry = this.outbox.get(clientSeq)
    if (!entry) return
    this.outbox.delete(clientSeq)
    if (!entry.supersedes) return
    for (const [seq, other] of this.outbox) if (seq < clientSeq && other.docId === entry.docId) this.outbox.delete(seq)
  }

  /** The server's copy was rebuilt or restored: send our state of every document it did not list. */
  private pushLocalStateAfterEpochChange(entries: readonly CatchUpEntry[]): void {
    const listed = new Set(entries.filter((e) => e.kind !== CatchUpKind.Diff).map((e) => e.docId as string))
    for (const [docId, doc] of this.docs) {
      if (!listed.has(docId)) this.queueLocal(docId, Y.encodeStateAsUpdate(doc), true)
    }
  }

  private reportProgress(): void {
    if (!this.catchUp) return
    const { entries, done, bytes } = this.catchUp
    const bytesTotal = entries.reduce((sum, entry) => sum + entry.bytes, 0)
    this.emit('progress', { docsDone: done, docsTotal: entries.length, bytesDone: bytes, bytesTotal })
  }

  private checkSynced(): void {
    if (this.catchUp || !this.socket) return
    if (this.hasLocalChanges) {
      this.setStatus('syncing')
      return
    }
    this.setStatus('synced')
    const waiters = this.syncedWaiters
    this.syncedWaiters = []
    for (const resolve of waiters) resolve()
  }

  private setStatus(status: ClientStatus): void {
    if (this.status === status) return
    this.status = status
    this.emit('status', status)
  }
}
