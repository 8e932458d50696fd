// A small in-process stand-in for the vault server, speaking real protocol frames, for fast and
// deterministic SDK tests: catch-up from a cursor, relay, durable acks that a test can hold back,
// rejections, lineage and epoch changes, partitions. The real server is exercised by test/e2e.

import {
  CatchUpKind,
  DocChannel,
  ErrorCode,
  MessageType,
  SyncStep,
  decodeMessage,
  encodeMessage,
} from '@amber/protocol'
import type { CatchUpEntry, DocId, Message, MessageOf, VaultCursor } from '@amber/protocol'
import * as decoding from 'lib0/decoding'
import * as Y from 'yjs'
import type { SocketLike } from '../../src/index.ts'

interface Session {
  readonly socket: FakeSocket
  hello: MessageOf<typeof MessageType.Hello> | undefined
  readonly subscriptions: Set<string>
}

/** The client end of an in-process socket; frames travel on microtasks, like a fast network. */
export class FakeSocket implements SocketLike {
  binaryType = 'arraybuffer'
  onopen: SocketLike['onopen'] = null
  onmessage: SocketLike['onmessage'] = null
  onclose: SocketLike['onclose'] = null
  onerror: SocketLike['onerror'] = null
  closed = false
  /** Upgrade headers the client sent. */
  headers: Readonly<Record<string, string>> = {}

  constructor(private readonly server: FakeVaultServer) {}

  send(data: Uint8Array): void {
    if (this.closed) return
    const frame = data.slice()
    queueMicrotask(() => {
      if (!this.closed) this.server.receive(this, decodeMessage(frame))
    })
  }

  close(code = 1000, reason = ''): void {
    this.drop(code, reason)
  }

  /** Closes both ends; the client sees the close after frames already on their way. */
  drop(code: number, reason: string): void {
    if (this.closed) return
    this.closed = true
    this.server.forget(this)
    queueMicrotask(() => this.onclose?.({ code, reason }))
  }

  deliver(message: Message): void {
    if (this.closed) return
    const frame = encodeMessage(message)
    queueMicrotask(() => {
      if (!this.closed)
        this.onmessage?.({ data: frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength) })
    })
  }
}

export class FakeVaultServer {
  epoch = 'e1'
  lineage = 'L1'
  readonly docs = new Map<string, Y.Doc>()
  /** Per document, the seq of its last logged change. */
  readonly changedAt = new Map<string, number>()
  seq = 0
  readonly sessions = new Map<FakeSocket, Session>()
  /** While true, acks wait in `heldAcks` (the storage write is "slow"). */
  holdAcks = false
  private heldAcks: Array<() => void> = []
  /** While true, sockets cannot connect and open ones are cut. */
  partitioned = false
  /** Answers an update with an `Error` frame of the returned code instead of applying it. */
  reject: ((docId: string, session: Session) => ErrorCode | undefined) | undefined
  /** The latest awareness update of each awareness client, per document. */
  readonly awareness = new Map<string, Map<number, Uint8Array>>()
  /** Every frame a client sent, for assertions. */
  readonly received: Message[] = []
  connects = 0

  /** What `connectSocket` should return. */
  connect = (headers: Readonly<Record<string, string>> = {}): SocketLike => {
    const socket = new FakeSocket(this)
    socket.headers = headers
    this.connects++
    // A macrotask, like a real handshake: the client attached its handlers by then.
    setTimeout(() => {
      if (socket.closed) return
      if (this.partitioned) return socket.drop(1006, 'unreachable')
      this.sessions.set(socket, { socket, hello: undefined, subscriptions: new Set() })
      socket.onopen?.()
    }, 0)
    return socket
  }

  doc(docId: string): Y.Doc {
    let doc = this.docs.get(docId)
    if (!doc) this.docs.set(docId, (doc = new Y.Doc()))
    return doc
  }

  text(docId: string): string {
    return this.doc(docId).getText('content').toString()
  }

  /** Cuts every socket (1006) and refuses new ones until `heal`. */
  partition(): void {
    this.partitioned = true
    for (const socket of [...this.sessions.keys()]) socket.drop(1006, 'partition')
  }

  heal(): void {
    this.partitioned = false
  }

  /** Sends the acks held back while `holdAcks` was set ("the storage write completed"). */
  releaseAcks(): void {
    this.holdAcks = false
    const held = this.heldAcks
    this.heldAcks = []
    for (const send of held) send()
  }

  get pendingAcks(): number {
    return this.heldAcks.length
  }

  /** The vault's history is replaced (restore, re-created vault): new lineage and epoch, given contents. */
  replaceHistory(lineage: string, contents: ReadonlyMap<string, Y.Doc> = new Map()): void {
    this.lineage = lineage
    this.epoch = `${this.epoch}+`
    this.docs.clear()
    this.changedAt.clear()
    this.seq = 0
    for (const [docId, doc] of contents) this.log(docId, Y.encodeStateAsUpdate(doc))
    for (const socket of [...this.sessions.keys()]) socket.drop(1012, 'restarting')
  }

  /** Writes an update as if another device sent it (logged, relayed). */
  log(docId: string, update: Uint8Array, except?: Session): void {
    Y.applyUpdate(this.doc(docId), update)
    this.changedAt.set(docId, ++this.seq)
    for (const session of this.sessions.values()) {
      if (session === except || !this.receives(session, docId)) continue
      session.socket.deliver({
        type: MessageType.Doc,
        docId: docId as DocId,
        body: { channel: DocChannel.Sync, clientSeq: 0, sync: { step: SyncStep.Update, update } },
      })
    }
  }

  forget(socket: FakeSocket): void {
    this.sessions.delete(socket)
  }

  private receives(session: Session, docId: string): boolean {
    return (
      session.hello !== undefined &&
      (session.hello.subscribeAll || docId === 'tree' || docId === 'heads' || session.subscriptions.has(docId))
    )
  }

  private get cursor(): VaultCursor {
    return { epoch: this.epoch, seq: this.seq }
  }

  private readonly waiters = new Set<() => void>()

  /** Resolves once `check` holds; re-checked after every frame the server handles. */
  until(check: () => boolean): Promise<void> {
    if (check()) return Promise.resolve()
    return new Promise((resolve) => {
      const waiter = (): void => {
        if (!check()) return
        this.waiters.delete(waiter)
        resolve()
      }
      this.waiters.add(waiter)
    })
  }

  receive(socket: FakeSocket, message: Message): void {
    this.handle(socket, message)
    for (const waiter of [...this.waiters]) waiter()
  }

  private handle(socket: FakeSocket, message: Message): void {
    this.received.push(message)
    const session = this.sessions.get(socket)
    if (!session) return
    switch (message.type) {
      case MessageType.Hello:
        session.hello = message
        socket.deliver({
          type: MessageType.Welcome,
          version: 1,
          epoch: this.epoch,
          headSeq: this.seq,
          sessionId: `s${this.connects}`,
          lineage: this.lineage,
        })
        if (!message.subscribeAll) for (const have of message.docs) session.subscriptions.add(have.docId)
        return this.catchUp(session, message.cursor, message.docs)
      case MessageType.Resume:
        return this.catchUp(session, message.cursor, message.docs)
      case MessageType.Subscribe: {
        session.subscriptions.add(message.docId)
        const doc = this.doc(message.docId)
        socket.deliver(
          this.sync(message.docId, {
            step: SyncStep.Step2,
            update: Y.encodeStateAsUpdate(doc, message.stateVector),
          }),
        )
        socket.deliver(
          this.sync(message.docId, { step: SyncStep.Step1, stateVector: Y.encodeStateVector(doc) }),
        )
        for (const awareness of this.awareness.get(message.docId)?.values() ?? []) {
          socket.deliver({
            type: MessageType.Doc,
            docId: message.docId,
            body: { channel: DocChannel.Awareness, awareness },
          })
        }
        return
      }
      case MessageType.Unsubscribe:
        session.subscriptions.delete(message.docId)
        return
      case MessageType.Doc: {
        const { docId, body } = message
        if (body.channel === DocChannel.Awareness) {
          // Kept per awareness client, like the real server, for later subscribers.
          const decoder = decoding.createDecoder(body.awareness)
          if (decoding.readVarUint(decoder) === 1) {
            let states = this.awareness.get(docId)
            if (!states) this.awareness.set(docId, (states = new Map()))
            states.set(decoding.readVarUint(decoder), body.awareness)
          }
          for (const other of this.sessions.values()) {
            if (other !== session && this.receives(other, docId)) other.socket.deliver(message)
          }
          return
        }
        if (body.sync.step === SyncStep.Step1) {
          socket.deliver(
            this.sync(docId, {
              step: SyncStep.Step2,
              update: Y.encodeStateAsUpdate(this.doc(docId), body.sync.stateVector),
            }),
          )
          return
        }
        const refused = this.reject?.(docId, session)
        if (refused !== undefined) {
          socket.deliver({
            type: MessageType.Error,
            docId,
            clientSeq: body.clientSeq,
            code: refused,
            message: `refused: ${refused}`,
          })
          return
        }
        const doc = this.doc(docId)
        const before = Y.encodeStateVector(doc)
        Y.applyUpdate(doc, body.sync.update)
        if (doc.store.pendingStructs !== null) {
          socket.deliver({
            type: MessageType.Error,
            docId,
            clientSeq: body.clientSeq,
            code: ErrorCode.MissingDependencies,
            message: 'resend',
          })
          socket.deliver(this.sync(docId, { step: SyncStep.Step1, stateVector: Y.encodeStateVector(doc) }))
          return
        }
        const integrated = Y.encodeStateAsUpdate(doc, before)
        this.changedAt.set(docId, ++this.seq)
        for (const other of this.sessions.values()) {
          if (other !== session && this.receives(other, docId))
            other.socket.deliver(this.sync(docId, { step: SyncStep.Update, update: integrated }))
        }
        const seq = body.clientSeq
        const ack = (): void =>
          socket.deliver({ type: MessageType.Ack, cursor: this.cursor, ranges: [{ first: seq, last: seq }] })
        if (this.holdAcks) this.heldAcks.push(ack)
        else ack()
        return
      }
      default:
        return
    }
  }

  private catchUp(
    session: Session,
    cursor: VaultCursor,
    haves: MessageOf<typeof MessageType.Hello>['docs'],
  ): void {
    const trusted = cursor.epoch === this.epoch && cursor.seq <= this.seq
    const entries: CatchUpEntry[] = []
    const payloads: Uint8Array[] = []
    const stepOnes: string[] = []
    const haveIds = new Set<string>()
    for (const have of haves) {
      haveIds.add(have.docId)
      const diff = Y.encodeStateAsUpdate(this.doc(have.docId), have.stateVector)
      entries.push({ docId: have.docId, kind: CatchUpKind.Diff, bytes: diff.length })
      payloads.push(diff)
      stepOnes.push(have.docId)
    }
    const ids = [...this.changedAt].filter(([, at]) => !trusted || at > cursor.seq).map(([id]) => id)
    ids.sort((a, b) => (a === 'tree' ? -1 : b === 'tree' ? 1 : a < b ? -1 : 1))
    for (const docId of ids) {
      if (haveIds.has(docId) || !this.receives(session, docId)) continue
      const update = Y.encodeStateAsUpdate(this.doc(docId))
      entries.push({ docId: docId as DocId, kind: CatchUpKind.FullState, bytes: update.length })
      payloads.push(update)
      if (!trusted && cursor.epoch !== '') stepOnes.push(docId)
    }
    const socket = session.socket
    socket.deliver({
      type: MessageType.CatchUp,
      epoch: this.epoch,
      fromSeq: trusted ? cursor.seq : 0,
      toSeq: this.seq,
      entries,
    })
    entries.forEach((entry, i) =>
      socket.deliver({ type: MessageType.CatchUpDoc, docId: entry.docId, update: payloads[i]! }),
    )
    socket.deliver({ type: MessageType.CatchUpEnd, cursor: this.cursor })
    for (const docId of stepOnes)
      socket.deliver(
        this.sync(docId, { step: SyncStep.Step1, stateVector: Y.encodeStateVector(this.doc(docId)) }),
      )
  }

  private sync(
    docId: string,
    sync: { step: 0; stateVector: Uint8Array } | { step: 1 | 2; update: Uint8Array },
  ): Message {
    return {
      type: MessageType.Doc,
      docId: docId as DocId,
      body: { channel: DocChannel.Sync, clientSeq: 0, sync },
    }
  }
}
