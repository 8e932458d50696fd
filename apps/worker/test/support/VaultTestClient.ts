// A small vault-protocol client for integration and end-to-end tests, independent of any transport:
// it keeps a device's state (docs, outbox, cursor) across sockets, like a real device across reconnects.
// Web-standard APIs only, so it runs in workerd (SELF.fetch sockets) and in Node (`ws`).

import {
  DocChannel,
  MessageType,
  PROTOCOL_VERSIONS,
  SyncStep,
  TREE_DOC_ID,
  decodeMessage,
  encodeMessage,
} from '@amber/protocol'
import type { DeviceId, DocId, Message, VaultCursor } from '@amber/protocol'
import * as Y from 'yjs'

export interface TestTransport {
  send(frame: Uint8Array): void
  close(code?: number, reason?: string): void
}

interface Pending {
  readonly docId: DocId
  readonly update: Uint8Array
}

/** Marks updates that came from the server, so they are not echoed back. */
const REMOTE = Symbol('remote')
/** y-protocols' encoding of an update with no structs and no deletes. */
const EMPTY_UPDATE_BYTES = 2

export class VaultTestClient {
  readonly deviceId: DeviceId
  readonly docs = new Map<string, Y.Doc>()
  /** Sent but not yet acknowledged updates, by clientSeq. */
  readonly pending = new Map<number, Pending>()
  readonly acked = new Set<number>()
  readonly received: Message[] = []
  readonly errors: Extract<Message, { type: typeof MessageType.Error }>[] = []
  cursor: VaultCursor = { epoch: '', seq: 0 }
  epoch: string | undefined
  caughtUp = false
  closed: { code: number; reason: string } | undefined
  #seq = 0
  /** Sync step 2 replies (whole-document diffs) by clientSeq: acking one covers every earlier update of its doc. */
  readonly #diffs = new Map<number, DocId>()
  #transport: TestTransport | undefined
  #waiters = new Set<() => void>()
  readonly #subscribeAll: boolean

  constructor(deviceId: string, options: { subscribeAll?: boolean } = {}) {
    this.deviceId = deviceId as DeviceId
    this.#subscribeAll = options.subscribeAll ?? true
  }

  /** The client's replica of `docId`, created empty on first use; local edits are sent automatically. */
  doc(docId: string): Y.Doc {
    let doc = this.docs.get(docId)
    if (doc === undefined) {
      doc = new Y.Doc()
      doc.on('update', (update: Uint8Array, origin: unknown) => {
        if (origin !== REMOTE) this.#sendUpdate(docId as DocId, update)
      })
      this.docs.set(docId, doc)
    }
    return doc
  }

  get tree(): Y.Doc {
    return this.doc(TREE_DOC_ID)
  }

  get connected(): boolean {
    return this.#transport !== undefined
  }

  /** Starts a session on a new socket: Hello, then the whole outbox pipelined behind it. */
  attach(transport: TestTransport): void {
    this.#transport = transport
    this.caughtUp = false
    this.closed = undefined
    const docs = [...this.#pendingDocs()].map((docId) => ({ docId, stateVector: Y.encodeStateVector(this.doc(docId)) }))
    this.#send({
      type: MessageType.Hello,
      versions: [...PROTOCOL_VERSIONS],
      deviceId: this.deviceId,
      cursor: this.cursor,
      subscribeAll: this.#subscribeAll,
      docs,
    })
    this.#resendPending()
  }

  /** The socket closed (or the test dropped it); edits made now queue in the outbox. */
  detach(code = 1006, reason = ''): void {
    this.#transport = undefined
    this.closed = { code, reason }
    this.#notify()
  }

  receive(frame: Uint8Array): void {
    const message = decodeMessage(frame)
    this.received.push(message)
    switch (message.type) {
      case MessageType.Welcome:
        this.epoch = message.epoch
        break
      case MessageType.CatchUp:
        break
      case MessageType.CatchUpDoc:
        Y.applyUpdate(this.doc(message.docId), message.update, REMOTE)
        break
      case MessageType.CatchUpEnd: {
        const trusted = this.cursor.epoch !== '' && this.cursor.epoch === message.cursor.epoch
        this.cursor = message.cursor
        this.caughtUp = true
        // An untrusted cursor: offer the server everything we hold (PROTOCOL.md, vault catch-up).
        if (!trusted) {
          for (const [docId, doc] of this.docs) {
            if (doc.store.clients.size > 0) this.#send({ type: MessageType.Subscribe, docId: docId as DocId, stateVector: Y.encodeStateVector(doc) })
          }
        }
        break
      }
      case MessageType.Doc: {
        if (message.body.channel !== DocChannel.Sync) break
        const doc = this.doc(message.docId)
        const sync = message.body.sync
        if (sync.step === SyncStep.Step1) {
          const diff = Y.encodeStateAsUpdate(doc, sync.stateVector)
          if (diff.byteLength > EMPTY_UPDATE_BYTES) this.#sendUpdate(message.docId, diff, SyncStep.Step2)
        } else {
          Y.applyUpdate(doc, sync.update, REMOTE)
        }
        break
      }
      case MessageType.Ack:
        for (const range of message.ranges) {
          for (let seq = range.first; seq <= range.last; seq++) {
            this.pending.delete(seq)
            this.acked.add(seq)
            // PROTOCOL.md (missing dependencies): the resend's ack covers the superseded sequence numbers.
            const docId = this.#diffs.get(seq)
            if (docId === undefined) continue
            this.#diffs.delete(seq)
            for (const [earlier, pending] of this.pending) {
              if (earlier < seq && pending.docId === docId) {
                this.pending.delete(earlier)
                this.acked.add(earlier)
              }
            }
          }
        }
        this.cursor = message.cursor
        break
      case MessageType.Resync:
        this.#send({
          type: MessageType.Resume,
          cursor: this.cursor,
          docs: [...this.#pendingDocs()].map((docId) => ({ docId, stateVector: Y.encodeStateVector(this.doc(docId)) })),
        })
        this.#resendPending()
        break
      case MessageType.Error:
        this.errors.push(message)
        break
      case MessageType.Hello:
      case MessageType.Subscribe:
      case MessageType.Unsubscribe:
      case MessageType.Resume:
        throw new Error(`server sent a client-only frame ${message.type}`)
      default:
        message satisfies never
    }
    this.#notify()
  }

  /** Resolves once `predicate` holds, re-checked after every frame or close; rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, what: string, timeoutMs = 8_000): Promise<void> {
    if (predicate()) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!predicate()) return
        cleanup()
        resolve()
      }
      const timer = setTimeout(() => {
        cleanup()
        reject(new Error(`${this.deviceId}: timed out after ${timeoutMs} ms waiting for ${what}; ${this.describe()}`))
      }, timeoutMs)
      const cleanup = (): void => {
        clearTimeout(timer)
        this.#waiters.delete(check)
      }
      this.#waiters.add(check)
    })
  }

  /** A one-line summary for timeout messages: what arrived, what is still pending, what went wrong. */
  describe(): string {
    const types = this.received.map((m) => m.type).join(',')
    const errors = this.errors.map((e) => `${e.code}(${e.docId}#${e.clientSeq}): ${e.message}`).join('; ')
    return `connected=${this.connected} closed=${JSON.stringify(this.closed)} pending=[${[...this.pending.keys()].join(',')}] cursor=${JSON.stringify(this.cursor)} received=[${types}] errors=[${errors}]`
  }

  /** Every local update acknowledged (durably stored by the server). */
  whenAllAcked(timeoutMs?: number): Promise<void> {
    return this.waitFor(() => this.pending.size === 0, 'all updates acked', timeoutMs)
  }

  whenCaughtUp(timeoutMs?: number): Promise<void> {
    return this.waitFor(() => this.caughtUp, 'catch-up end', timeoutMs)
  }

  #sendUpdate(docId: DocId, update: Uint8Array, step: typeof SyncStep.Step2 | typeof SyncStep.Update = SyncStep.Update): void {
    const clientSeq = ++this.#seq
    this.pending.set(clientSeq, { docId, update })
    if (step === SyncStep.Step2) this.#diffs.set(clientSeq, docId)
    if (this.#transport !== undefined) this.#sendDocUpdate(clientSeq, { docId, update }, step)
  }

  #resendPending(): void {
    for (const [clientSeq, pending] of this.pending) this.#sendDocUpdate(clientSeq, pending, SyncStep.Update)
  }

  #sendDocUpdate(clientSeq: number, { docId, update }: Pending, step: typeof SyncStep.Step2 | typeof SyncStep.Update): void {
    this.#send({ type: MessageType.Doc, docId, body: { channel: DocChannel.Sync, clientSeq, sync: { step, update } } })
  }

  #pendingDocs(): Set<DocId> {
    return new Set([...this.pending.values()].map((p) => p.docId))
  }

  #send(message: Message): void {
    this.#transport?.send(encodeMessage(message))
  }

  #notify(): void {
    for (const waiter of [...this.#waiters]) waiter()
  }
}
