// The vault room: every socket of one vault, the live (lazily loaded) documents, merge, relay,
// durable acks, catch-up and maintenance. Knows nothing about Cloudflare; a host wires sockets,
// storage adapters and an alarm to it.

import {
  CatchUpKind,
  DocChannel,
  ErrorCode,
  FATAL_CLOSE_CODE,
  FatalReason,
  HEADS_DOC_ID,
  MessageType,
  PROTOCOL_VERSIONS,
  ProtocolDecodeError,
  RATE_LIMITED_CLOSE_CODE,
  SyncStep,
  TREE_DOC_ID,
  assertNever,
  canWrite,
  createSeqRanges,
  decodeMessage,
  peekDocUpdate,
  decodeYFrame,
  encodeMessage,
  encodeYAwareness,
  encodeYSync,
  isDocId,
  mergeUpdatesInTree,
} from '@amber/protocol'
import type { CatchUpEntry, DocHave, DocId, Message, MessageOf, SyncMessage, VaultCursor } from '@amber/protocol'
import type { HeadRecord } from '@amber/blobs'
import * as Y from 'yjs'
import type { FaultInjector } from '../log/commitSteps.ts'
import { LOAD_ORIGIN, UpdateLog, hasPending } from '../log/UpdateLog.ts'
import { hotKeys } from '../log/storageKeys.ts'
import type { StorageAdapter } from '../storage/StorageAdapter.ts'
import {
  EntryKind,
  TreeError,
  TreeErrorCode,
  createEntry,
  createFileId,
  deleteEntry,
  getEntry,
  isFileId,
  kindForPath,
  normalizePath,
  repairTree,
  resolvePath,
  setEntryMeta,
} from '../tree/index.ts'
import type { FileId, TreeEntry } from '../tree/index.ts'
import { AwarenessRelay } from './AwarenessRelay.ts'
import { readHead, writeHead } from './headsDoc.ts'
import { NotePreconditionFailed } from './NotePreconditionFailed.ts'
import { applyTextEdit, editFromBase, etagOf, noteTextOf, planTextEdit } from './noteText.ts'
import { DEFAULT_ROOM_CONFIG } from './RoomConfig.ts'
import type { RoomConfig } from './RoomConfig.ts'
import { TokenBucket } from './TokenBucket.ts'
import { UpdateRejected, guardUpdate } from './UpdateGuard.ts'
import type { ConnectRoute, Connection, DeviceEvent, RoomLogger, RoomScheduler, SessionAccess, SessionState } from './hostTypes.ts'
import { ServedBases } from './ServedBases.ts'
import { VaultSession, YSession, isVaultWide } from './sessions.ts'
import type { Session } from './sessions.ts'

export interface VaultRoomOptions {
  readonly vaultId: string
  /** Hot storage (Durable Object SQLite): the durability point of every ack. */
  readonly hot: StorageAdapter
  /** Cold storage (R2), already scoped to this vault. */
  readonly cold: StorageAdapter
  readonly scheduler: RoomScheduler
  readonly config?: Partial<RoomConfig>
  readonly now?: () => number
  readonly logger?: RoomLogger
  /**
   * Device sync state for the host's registry (last seen, acked cursor). Called synchronously on the
   * room's path: keep it cheap; what it throws is logged, never raised into the room.
   */
  readonly onDevice?: (event: DeviceEvent) => void
  /** Test hook for the crash matrix. */
  readonly faults?: FaultInjector
}

/** Origin of transactions the server itself writes (tree repairs, notes created by path, heads, HTTP writes). */
export const SERVER_ORIGIN = Symbol('amber-server')

interface LiveDoc {
  readonly id: string
  readonly ydoc: Y.Doc
  readonly awareness: AwarenessRelay
  lastUsed: number
}

const consoleLogger: RoomLogger = {
  warn: (message, fields) => console.warn(message, fields ?? {}),
  error: (message, fields) => console.error(message, fields ?? {}),
}

export class VaultRoom {
  readonly config: RoomConfig
  private readonly sessions = new Map<Connection, Session>()
  private readonly docs = new Map<string, LiveDoc>()
  private readonly loading = new Map<string, Promise<LiveDoc>>()
  private readonly now: () => number
  private readonly logger: RoomLogger
  /** Frames are handled one at a time, in arrival order, across all sockets. */
  private queue: Promise<void> = Promise.resolve()
  private maintenance: Promise<void> = Promise.resolve()
  private failed = false
  /** Documents whose compaction found pending structs; skipped until they log something new. */
  private readonly compactionBlocked = new Set<string>()
  private log!: UpdateLog
  private tree!: LiveDoc
  /** Server-owned binary heads; loaded at open and never unloaded, like the tree. */
  private heads!: LiveDoc
  private servedBases!: ServedBases

  private constructor(private readonly options: VaultRoomOptions) {
    this.config = { ...DEFAULT_ROOM_CONFIG, ...options.config }
    this.now = options.now ?? Date.now
    this.logger = options.logger ?? consoleLogger
  }

  static async open(options: VaultRoomOptions): Promise<VaultRoom> {
    const room = new VaultRoom(options)
    room.log = await UpdateLog.open({
      hot: options.hot,
      cold: options.cold,
      batchWindowMs: room.config.batchWindowMs,
      now: room.now,
      faults: options.faults,
      onCommitFailure: (error) => room.fail(error),
      onCommitted: (docIds) => room.afterCommit(docIds),
    })
    room.tree = await room.loadDoc(TREE_DOC_ID)
    room.heads = await room.loadDoc(HEADS_DOC_ID)
    room.servedBases = await ServedBases.open(options.hot, room.log, room.config.servedBaseTtlMs)
    room.scheduleMaintenance()
    return room
  }

  get epoch(): string {
    return this.log.epoch
  }

  get committedCursor(): VaultCursor {
    return { epoch: this.log.epoch, seq: this.log.committedSeq }
  }

  /** The vault's history id (sent in Welcome): kept across a rebuild from cold storage, new only for a new vault. */
  get lineage(): string {
    return this.log.lineage
  }

  /** Storage and memory figures for benchmarks, tests and the host's usage report (`storedBytes`, against `quotaBytes`). */
  stats() {
    return {
      ...this.log.stats,
      loadedDocs: this.docs.size,
      sessions: this.sessions.size,
      committedSeq: this.log.committedSeq,
      storedBytes: this.log.storedBytes,
    }
  }

  // ---- host entry points --------------------------------------------------------------------------

  /**
   * A new socket, already authenticated by the host. `sessionId` is the socket's tag (per-socket storage
   * is keyed by it); `access` is what the token granted, enforced on every frame.
   */
  connect(conn: Connection, route: ConnectRoute, sessionId: string, access: SessionAccess): void {
    if (route.kind === 'vault') {
      const session = new VaultSession(conn, sessionId, access, this.createRateLimit())
      this.sessions.set(conn, session)
      conn.saveState({ kind: 'vault', sessionId, access })
      return
    }
    void this.enqueue(async () => {
      const path = normalizePath(route.path)
      const existing = resolvePath(this.tree.ydoc, path)
      // Opening a missing path creates the note on its first write; a viewer may not create anything.
      if (existing === undefined && !canWrite(access.role)) {
        conn.close(FATAL_CLOSE_CODE, FatalReason.NotFound)
        return
      }
      const docId = existing ?? createFileId()
      const session = new YSession(conn, sessionId, access, this.createRateLimit(), docId, path)
      this.sessions.set(conn, session)
      conn.saveState({ kind: 'y', sessionId, access, docId })
      const live = await this.loadDoc(docId)
      conn.send(encodeYSync({ step: SyncStep.Step1, stateVector: Y.encodeStateVector(live.ydoc) }))
      const awareness = live.awareness.encodeAll()
      if (awareness) conn.send(encodeYAwareness(awareness))
    }, conn)
  }

  /** After a wake from hibernation: re-attach a live socket and resynchronise it once, at vault level. */
  restore(conn: Connection, state: SessionState): void {
    if (state.kind === 'y') {
      const session = new YSession(conn, state.sessionId, state.access, this.createRateLimit(), state.docId, undefined)
      this.sessions.set(conn, session)
      void this.enqueue(async () => {
        const live = await this.loadDoc(state.docId)
        conn.send(encodeYSync({ step: SyncStep.Step1, stateVector: Y.encodeStateVector(live.ydoc) }))
      }, conn)
      return
    }
    const session = new VaultSession(conn, state.sessionId, state.access, this.createRateLimit())
    session.hello = state.hello
    session.caughtUp = state.hello !== undefined
    this.sessions.set(conn, session)
    if (!state.hello) return
    void this.enqueue(async () => {
      const stored = await this.options.hot.load(hotKeys.session(state.sessionId))
      if (stored) for (const docId of decodeSubscriptions(stored)) session.subscriptions.add(docId)
      session.cursorSent = this.log.committedSeq
      this.send(session, { type: MessageType.Resync, cursor: this.committedCursor })
    }, conn)
  }

  receive(conn: Connection, frame: Uint8Array): Promise<void> {
    return this.enqueue(() => this.handleFrame(conn, frame), conn)
  }

  disconnect(conn: Connection): void {
    const session = this.sessions.get(conn)
    if (!session) return
    this.sessions.delete(conn)
    const removals: Array<[string, Set<number>]> =
      session.kind === 'vault' ? [...session.awarenessClients] : [[session.docId, session.awarenessClients]]
    for (const [docId, clients] of removals) {
      const live = this.docs.get(docId)
      const update = live?.awareness.remove(clients)
      if (update) this.relayAwareness(docId, update, undefined)
    }
    if (session.kind === 'vault' && session.subscriptions.size > 0) {
      this.log.stage({ remove: hotKeys.session(session.sessionId) })
    }
    if (session.kind === 'vault') this.reportDevice(session, false)
  }

  /** The host's alarm fired: flush, compact and unload whatever is due, then ask for the next wake. */
  alarm(): Promise<void> {
    const run = this.maintenance.then(() => this.runMaintenance())
    this.maintenance = run.catch((error: unknown) => this.logger.error('maintenance failed', { error: String(error) }))
    return run
  }

  /** Resolves once every frame received so far is handled and everything appended is durable. */
  async whenIdle(): Promise<void> {
    await this.queue
    await this.log.whenCommitted()
  }

  /** Stops timers; the room must not be used afterwards (tests drop a room this way to "restart" it). */
  dispose(): void {
    this.failed = true
    this.log.dispose()
    for (const live of this.docs.values()) live.ydoc.destroy()
    this.docs.clear()
  }

  // ---- server-side API: binary heads, plain HTTP file access ---------------------------------------

  /** The binary's head as the `heads` document holds it, or undefined. */
  getHead(fileId: string): HeadRecord | undefined {
    return readHead(this.heads.ydoc, fileId)
  }

  /**
   * Records a binary's head in the `heads` document, and its size, hash and mtime on its tree entry (when
   * the tree holds it), as server writes relayed to every session. Resolves once durable.
   */
  setHead(fileId: string, head: HeadRecord): Promise<void> {
    return this.runServerOp(() => {
      if (!isFileId(fileId)) throw new TreeError(TreeErrorCode.InvalidId, `invalid file id ${JSON.stringify(fileId)}`)
      writeHead(this.heads.ydoc, fileId, head, SERVER_ORIGIN)
      if (this.hasTreeEntry(fileId)) setEntryMeta(this.tree.ydoc, fileId, { size: head.size, hash: head.sha256 }, head.mtime, SERVER_ORIGIN)
    })
  }

  /** The live tree entry at a vault path (NFC, see `normalizePath`), or undefined. */
  entryAt(path: string): TreeEntry | undefined {
    const id = resolvePath(this.tree.ydoc, path)
    return id === undefined ? undefined : this.entry(id)
  }

  /** The tree entry `fileId`, live or tombstoned, or undefined. */
  entry(fileId: FileId): TreeEntry | undefined {
    return getEntry(this.tree.ydoc, fileId)
  }

  /** The kind a new file at `path` gets: text for the vault's text extensions, else binary. */
  kindForPath(path: string): EntryKind {
    return kindForPath(this.tree.ydoc, normalizePath(path))
  }

  /**
   * The id of the live binary at `path`, creating it (and missing folders) when the path is free.
   * Throws `TreeError` (`PATH_TAKEN` for a folder or note there). Resolves as soon as decided, with
   * `durable` for the creation being stored: a caller that writes more (a head) waits for both together.
   */
  async ensureBinaryEntry(path: string): Promise<{ fileId: FileId; durable: Promise<void> }> {
    const { value, durable } = await this.decideServerOp(() => this.fileAt(path, EntryKind.Binary) ?? this.createFileAt(path, EntryKind.Binary))
    return { fileId: value, durable }
  }

  /**
   * A note's text and ETag (hex SHA-256 of its UTF-8). The state served is kept (see {@link ServedBases})
   * so a later `writeNote` naming this ETag merges against it. Throws `TreeError` `NOT_FOUND` for an
   * id that is no note. Resolves once that state is durable.
   */
  readNote(fileId: FileId): Promise<{ text: string; etag: string }> {
    return this.runServerOp(async () => {
      if (this.entry(fileId)?.kind !== EntryKind.Text) throw new TreeError(TreeErrorCode.NotFound, `no note ${fileId}`)
      const live = await this.loadDoc(fileId)
      return this.serveNote(fileId, live)
    })
  }

  /**
   * Sets the text of the note at `path` as a minimal edit, creating the note when the path is free.
   * Without `ifMatch`, or with the current ETag, the edit is diffed against the current text; with the
   * ETag of a state served earlier (kept up to `servedBaseTtlMs`), against that state, and merged, so
   * edits made since survive. Otherwise throws {@link NotePreconditionFailed}. Throws `TreeError` for a
   * folder or binary path and `UpdateRejected` past `maxDocBytes` or `quotaBytes`. The returned ETag is
   * of the text after the write (concurrent edits included). Resolves once durable.
   */
  writeNote(path: string, text: string, ifMatch?: string): Promise<{ fileId: FileId; etag: string; created: boolean }> {
    return this.runServerOp(async () => {
      const existing = this.fileAt(path, EntryKind.Text)
      if (existing === undefined && ifMatch !== undefined) throw new NotePreconditionFailed(`no note at ${JSON.stringify(path)}`)
      const fileId = existing ?? createFileId()
      const live = await this.loadDoc(fileId)
      const current = noteTextOf(live.ydoc).toString()
      if (ifMatch === undefined || ifMatch === (await etagOf(current))) {
        const edit = planTextEdit(current, text)
        // Checked before the entry is created, so a refused write leaves nothing behind.
        if (edit.insertedBytes > 0) this.checkStorageLimits(fileId, edit.insertedBytes)
        if (existing === undefined) this.createFileAt(path, EntryKind.Text, fileId)
        applyTextEdit(live.ydoc, edit, SERVER_ORIGIN)
      } else {
        const base = await this.servedBases.load(fileId, ifMatch, this.now())
        if (base === undefined) throw new NotePreconditionFailed(`${JSON.stringify(ifMatch)} names no state of ${JSON.stringify(path)} served within servedBaseTtlMs`)
        const { update, insertedBytes } = editFromBase(base, text, live.ydoc)
        if (insertedBytes > 0) this.checkStorageLimits(fileId, update.length)
        Y.applyUpdate(live.ydoc, update, SERVER_ORIGIN)
      }
      // The answer's ETag is served too: a writer's next PUT may name it.
      const { etag } = await this.serveNote(fileId, live)
      return { fileId, etag, created: existing === undefined }
    })
  }

  /** Tombstones the live entry at `path` (recoverable with the tree's `restoreEntry`); its id, or undefined. Resolves once durable. */
  deletePath(path: string): Promise<FileId | undefined> {
    return this.runServerOp(() => {
      const id = resolvePath(this.tree.ydoc, path)
      if (id !== undefined) deleteEntry(this.tree.ydoc, id, this.now(), SERVER_ORIGIN)
      return id
    })
  }

  /** The note's text and ETag, remembering the state they were read from. */
  private async serveNote(fileId: FileId, live: LiveDoc): Promise<{ text: string; etag: string }> {
    const text = noteTextOf(live.ydoc).toString()
    const state = Y.encodeStateAsUpdate(live.ydoc)
    const etag = await etagOf(text)
    this.servedBases.remember(fileId, etag, state, this.now())
    // Maintenance prunes it once expired, even if nothing else wakes the room by then.
    this.options.scheduler.wakeAt(this.now() + this.config.servedBaseTtlMs)
    return { text, etag }
  }

  // ---- frame handling -------------------------------------------------------------------------------

  /**
   * Runs a server operation between frames, in arrival order, and resolves with its result once what it
   * wrote is durable. Unlike a frame's task, its error goes to the caller.
   */
  private async runServerOp<T>(operation: () => T | Promise<T>): Promise<T> {
    const { value, durable } = await this.decideServerOp(operation)
    await durable
    return value
  }

  /** Runs a server operation between frames, in arrival order; resolves once it ran, with its durability apart. */
  private decideServerOp<T>(operation: () => T | Promise<T>): Promise<{ value: T; durable: Promise<void> }> {
    const run = this.queue.then(async () => {
      if (this.failed) throw new Error('the vault room is closed')
      const value = await operation()
      return { value, durable: this.log.whenCommitted() }
    })
    this.queue = run.then(
      () => undefined,
      () => undefined,
    )
    return run
  }

  private enqueue(task: () => Promise<void>, conn: Connection): Promise<void> {
    const run = this.queue.then(async () => {
      if (this.failed) return
      try {
        await task()
      } catch (error) {
        this.handleTaskError(conn, error)
      }
    })
    this.queue = run
    return run
  }

  private handleTaskError(conn: Connection, error: unknown): void {
    const session = this.sessions.get(conn)
    if (error instanceof UpdateRejected) return // already answered where it was raised
    if (error instanceof ProtocolDecodeError) {
      if (session?.kind === 'vault' && !session.hello) {
        conn.close(FATAL_CLOSE_CODE, FatalReason.BadHello)
        this.disconnect(conn)
      } else if (session?.kind === 'vault') {
        this.sendError(session, '', 0, ErrorCode.MalformedFrame, error.message)
      }
      return
    }
    this.logger.error('frame handling failed', { error: error instanceof Error ? error.stack : String(error) })
    if (session?.kind === 'vault') this.sendError(session, '', 0, ErrorCode.Internal, 'internal error')
  }

  private async handleFrame(conn: Connection, frame: Uint8Array): Promise<void> {
    const session = this.sessions.get(conn)
    if (!session) return
    const now = this.now()
    const { expiresAt } = session.access
    if (expiresAt !== undefined && now >= expiresAt) return this.close(session, FATAL_CLOSE_CODE, FatalReason.TokenExpired)
    // Before any decoding: a flood costs one comparison per frame, not a parse.
    if (!session.rate.take(now)) {
      const { messageRatePerSecond, messageBurst } = this.config
      const message = `frame rate exceeds messageRatePerSecond ${messageRatePerSecond} (messageBurst ${messageBurst})`
      if (session.kind === 'vault') this.sendError(session, '', 0, ErrorCode.RateLimited, message)
      return this.close(session, RATE_LIMITED_CLOSE_CODE, ErrorCode.RateLimited)
    }
    if (frame.length > this.config.maxFrameBytes) {
      const message = `frame of ${frame.length} bytes exceeds maxFrameBytes ${this.config.maxFrameBytes}`
      if (session.kind === 'vault') {
        const target = peekDocUpdate(frame)
        this.sendError(session, target?.docId ?? '', target?.clientSeq ?? 0, ErrorCode.FrameTooLarge, message)
      }
      else this.logger.warn('frame from a y-websocket client refused', { message })
      return
    }
    this.options.faults?.('decode')
    if (session.kind === 'y') return this.handleYFrame(session, frame)
    const message = decodeMessage(frame)
    if (!session.hello) {
      if (message.type !== MessageType.Hello) {
        conn.close(FATAL_CLOSE_CODE, FatalReason.BadHello)
        this.disconnect(conn)
        return
      }
      return this.handleHello(session, message)
    }
    switch (message.type) {
      case MessageType.Doc:
        return this.handleDocMessage(session, message)
      case MessageType.Subscribe:
        return this.handleSubscribe(session, message.docId, message.stateVector)
      case MessageType.Unsubscribe:
        if (session.subscriptions.delete(message.docId)) this.saveSubscriptions(session)
        return
      case MessageType.Resume:
        return this.catchUp(session, message.cursor, message.docs)
      case MessageType.Hello:
        this.sendError(session, '', 0, ErrorCode.MalformedFrame, 'Hello was already received')
        return
      case MessageType.Welcome:
      case MessageType.CatchUp:
      case MessageType.CatchUpDoc:
      case MessageType.CatchUpEnd:
      case MessageType.Ack:
      case MessageType.Resync:
      case MessageType.Error:
        this.sendError(session, '', 0, ErrorCode.MalformedFrame, `message type ${message.type} is server-to-client`)
        return
      default:
        return assertNever(message)
    }
  }

  private async handleHello(session: VaultSession, hello: MessageOf<typeof MessageType.Hello>): Promise<void> {
    // A loop, not Math.max(...versions): a 16 MB Hello lists millions of versions, too many arguments for a call.
    let version = -1
    for (const v of hello.versions) if ((PROTOCOL_VERSIONS as readonly number[]).includes(v) && v > version) version = v
    if (version < 0) {
      session.conn.close(FATAL_CLOSE_CODE, FatalReason.UnsupportedVersion)
      this.disconnect(session.conn)
      return
    }
    session.hello = { deviceId: hello.deviceId, version, subscribeAll: hello.subscribeAll }
    session.conn.saveState({ kind: 'vault', sessionId: session.sessionId, access: session.access, hello: session.hello })
    this.send(session, {
      type: MessageType.Welcome,
      version,
      epoch: this.log.epoch,
      headSeq: this.log.committedSeq,
      sessionId: session.sessionId,
      lineage: this.log.lineage,
    })
    for (const doc of hello.docs) {
      if (!session.hello.subscribeAll && isDocId(doc.docId) && !isVaultWide(doc.docId)) session.subscriptions.add(doc.docId)
    }
    if (session.subscriptions.size > 0) this.saveSubscriptions(session)
    await this.catchUp(session, hello.cursor, hello.docs)
    this.reportDevice(session, true)
  }

  /**
   * Vault catch-up: every document changed since the cursor that the session receives (log entries, or
   * the full state when compacted past the cursor or the cursor is not trusted), plus a diff against
   * each state vector the client sent, then the new committed cursor.
   */
  private async catchUp(session: VaultSession, cursor: VaultCursor, haves: readonly DocHave[]): Promise<void> {
    // Everything received before this point must be durable, so the cursor we hand out covers it.
    await this.log.whenCommitted()
    const head = this.log.committedSeq
    const trusted = cursor.epoch === this.log.epoch && cursor.seq <= head
    const fromSeq = trusted ? cursor.seq : 0
    const haveIds = new Set<string>()
    const entries: CatchUpEntry[] = []
    const payloads: Uint8Array[] = []
    const stepOnes: Array<[string, Uint8Array]> = []
    for (const have of haves) {
      if (!isDocId(have.docId) || haveIds.has(have.docId)) continue
      haveIds.add(have.docId)
      const live = await this.loadDoc(have.docId)
      const diff = Y.encodeStateAsUpdate(live.ydoc, have.stateVector)
      entries.push({ docId: have.docId, kind: CatchUpKind.Diff, bytes: diff.length })
      payloads.push(diff)
      if (this.asksFor(session, have.docId)) stepOnes.push([have.docId, Y.encodeStateVector(live.ydoc)])
    }
    const changed = trusted ? this.log.changedSince(fromSeq) : this.log.docIds()
    changed.sort(catchUpOrder)
    for (const docId of changed) {
      if (haveIds.has(docId) || !session.receives(docId)) continue
      // Served from stored bytes; a document nobody has open is not decoded just to catch someone up.
      const live = this.docs.get(docId)
      let update: Uint8Array
      let kind: CatchUpKind
      if (!trusted && live) {
        kind = CatchUpKind.FullState
        update = Y.encodeStateAsUpdate(live.ydoc)
      } else {
        const read = await this.log.readSince(docId, fromSeq)
        kind = read.kind === 'full' || !trusted ? CatchUpKind.FullState : CatchUpKind.Log
        update = mergeUpdatesInTree(read.updates)
      }
      entries.push({ docId: docId as DocId, kind, bytes: update.length })
      payloads.push(update)
      // A client that held state from another epoch may hold what the server lost: ask for it.
      // A fresh client (no cursor at all) has nothing to give, and a viewer may not give.
      if (!trusted && cursor.epoch !== '' && this.asksFor(session, docId)) {
        stepOnes.push([docId, live ? Y.encodeStateVector(live.ydoc) : Y.encodeStateVectorFromUpdate(update)])
      }
    }
    this.send(session, { type: MessageType.CatchUp, epoch: this.log.epoch, fromSeq, toSeq: head, entries })
    entries.forEach((entry, i) => this.send(session, { type: MessageType.CatchUpDoc, docId: entry.docId, update: payloads[i]! }))
    session.cursorSent = head
    session.caughtUp = true
    this.send(session, { type: MessageType.CatchUpEnd, cursor: { epoch: this.log.epoch, seq: head } })
    for (const [docId, stateVector] of stepOnes) this.sendSync(session, docId, { step: SyncStep.Step1, stateVector })
  }

  private async handleSubscribe(session: VaultSession, docId: DocId, stateVector: Uint8Array): Promise<void> {
    if (!isDocId(docId)) return this.sendError(session, docId, 0, ErrorCode.BadDocId, `invalid document id`)
    if (!session.hello?.subscribeAll && !isVaultWide(docId) && !session.subscriptions.has(docId)) {
      session.subscriptions.add(docId)
      this.saveSubscriptions(session)
    }
    const live = this.docs.get(docId)
    if (!live) {
      // Cold open: answer from the stored bytes; nobody edits the note yet, so it is not decoded.
      const stored = mergeUpdatesInTree((await this.log.readSince(docId, 0)).updates)
      this.sendSync(session, docId, { step: SyncStep.Step2, update: Y.diffUpdate(stored, stateVector) })
      if (this.asksFor(session, docId)) this.sendSync(session, docId, { step: SyncStep.Step1, stateVector: Y.encodeStateVectorFromUpdate(stored) })
      return
    }
    live.lastUsed = this.now()
    this.sendSync(session, docId, { step: SyncStep.Step2, update: Y.encodeStateAsUpdate(live.ydoc, stateVector) })
    if (this.asksFor(session, docId)) this.sendSync(session, docId, { step: SyncStep.Step1, stateVector: Y.encodeStateVector(live.ydoc) })
    const awareness = live.awareness.encodeAll()
    if (awareness) this.send(session, { type: MessageType.Doc, docId, body: { channel: DocChannel.Awareness, awareness } })
  }

  /** Step 1 asks the client for what the server lacks: never a viewer, never for the server-owned heads. */
  private asksFor(session: VaultSession, docId: string): boolean {
    return session.canWrite && docId !== HEADS_DOC_ID
  }

  private async handleDocMessage(session: VaultSession, message: MessageOf<typeof MessageType.Doc>): Promise<void> {
    const { docId, body } = message
    if (!isDocId(docId)) {
      const clientSeq = body.channel === DocChannel.Sync ? body.clientSeq : 0
      return this.sendError(session, docId, clientSeq, ErrorCode.BadDocId, 'invalid document id')
    }
    if (body.channel === DocChannel.Awareness) {
      const live = await this.loadDoc(docId)
      let clients: number[]
      try {
        clients = live.awareness.apply(body.awareness)
      } catch (error) {
        return this.sendError(session, docId, 0, ErrorCode.MalformedFrame, `malformed awareness: ${(error as Error).message}`)
      }
      let owned = session.awarenessClients.get(docId)
      if (!owned) session.awarenessClients.set(docId, (owned = new Set()))
      for (const client of clients) owned.add(client)
      this.relayAwareness(docId, body.awareness, session)
      return
    }
    const { sync, clientSeq } = body
    if (sync.step === SyncStep.Step1) {
      const live = await this.loadDoc(docId)
      this.sendSync(session, docId, { step: SyncStep.Step2, update: Y.encodeStateAsUpdate(live.ydoc, sync.stateVector) })
      return
    }
    if (!session.canWrite) {
      return this.sendError(session, docId, clientSeq, ErrorCode.ReadOnly, `role ${session.access.role} may not write`)
    }
    const accepted = await this.applyClientUpdate(session, docId, sync.update, clientSeq)
    if (accepted && clientSeq > 0) {
      this.log.afterCommit(() => session.readyAcks.push(clientSeq))
    }
  }

  private async handleYFrame(session: YSession, frame: Uint8Array): Promise<void> {
    const message = decodeYFrame(frame)
    const live = await this.loadDoc(session.docId)
    switch (message.type) {
      case 'sync':
        if (message.sync.step === SyncStep.Step1) {
          session.conn.send(
            encodeYSync({ step: SyncStep.Step2, update: Y.encodeStateAsUpdate(live.ydoc, message.sync.stateVector) }),
          )
          return
        }
        // y-protocols has no error message: a viewer's write is dropped, and it keeps receiving updates.
        if (session.canWrite) await this.applyClientUpdate(session, session.docId, message.sync.update, 0)
        return
      case 'awareness': {
        let clients: number[]
        try {
          clients = live.awareness.apply(message.update)
        } catch (error) {
          this.logger.warn('malformed awareness from a y-websocket client', { error: (error as Error).message })
          return
        }
        for (const client of clients) session.awarenessClients.add(client)
        // The reference server echoes awareness to the sender too; the stock provider relies on that traffic.
        this.relayAwareness(session.docId, message.update, undefined)
        return
      }
      case 'query-awareness': {
        const all = live.awareness.encodeAll()
        if (all) session.conn.send(encodeYAwareness(all))
        return
      }
      default:
        return assertNever(message)
    }
  }

  /**
   * Guard, apply, relay, log. Returns whether the update may be acknowledged once durable: not when it
   * was rejected, nor when it depends on something the document lacks (then the client is asked to
   * resend from the server's state vector).
   */
  private async applyClientUpdate(session: Session, docId: string, update: Uint8Array, clientSeq: number): Promise<boolean> {
    let live: LiveDoc
    let verdict: ReturnType<typeof guardUpdate>
    try {
      if (docId === HEADS_DOC_ID) throw new UpdateRejected(ErrorCode.ReadOnly, 'the heads document is written by the server only')
      live = await this.loadDoc(docId)
      this.options.faults?.('guard')
      verdict = guardUpdate(update, live.ydoc, this.config)
      // A delete-only update adds no content: a vault at its quota can still delete to make room.
      if (!verdict.isNoop && !verdict.isDeleteOnly) this.checkStorageLimits(docId, update.length)
    } catch (error) {
      if (!(error instanceof UpdateRejected)) throw error
      if (session.kind === 'vault') this.sendError(session, docId, clientSeq, error.code, error.message)
      else this.logger.warn('update from a y-websocket client rejected', { code: error.code, message: error.message })
      return false
    }
    if (!verdict.isNoop) {
      this.options.faults?.('apply')
      const isNewNote = session.kind === 'y' && session.path !== undefined && docId !== TREE_DOC_ID && !this.hasTreeEntry(docId)
      // Structs parked as pending (from another session) integrate in this same transaction and are
      // emitted with it; then the author of this update needs the relay too, so exclude nobody.
      Y.applyUpdate(live.ydoc, update, hasPending(live.ydoc) ? undefined : session)
      if (docId === TREE_DOC_ID) this.repairTree()
      if (isNewNote && session.kind === 'y' && session.path !== undefined) this.createNoteAt(session.path, docId)
    }
    if (verdict.missingDependencies) {
      const message = 'update depends on changes the server does not hold; resend from the attached state vector'
      const stateVector = Y.encodeStateVector(live.ydoc)
      if (session.kind === 'vault') {
        this.sendError(session, docId, clientSeq, ErrorCode.MissingDependencies, message)
        this.sendSync(session, docId, { step: SyncStep.Step1, stateVector })
      } else {
        session.conn.send(encodeYSync({ step: SyncStep.Step1, stateVector }))
      }
      return false
    }
    return true
  }

  /**
   * Throws {@link UpdateRejected} when logging an update of `bytes` would take the document past
   * `maxDocBytes` or the vault past `quotaBytes`. The update's own size stands for what it will log:
   * what integrates is only known once applied, and an applied update cannot be taken back. (Structs
   * parked for missing dependencies count when they integrate, with the update that completes them.)
   */
  private checkStorageLimits(docId: string, bytes: number): void {
    const { maxDocBytes, quotaBytes } = this.config
    const cost = this.log.appendCost(bytes)
    const docBytes = this.log.docBytes(docId) + cost
    if (docBytes > maxDocBytes) {
      throw new UpdateRejected(ErrorCode.DocTooLarge, `update of ${bytes} bytes would store ${docBytes} bytes for ${docId}: exceeds maxDocBytes ${maxDocBytes}`)
    }
    const vaultBytes = this.log.storedBytes + cost
    if (vaultBytes > quotaBytes) {
      throw new UpdateRejected(ErrorCode.QuotaExceeded, `update of ${bytes} bytes would store ${vaultBytes} bytes in the vault: exceeds quotaBytes ${quotaBytes}`)
    }
  }

  // ---- documents ------------------------------------------------------------------------------------

  private loadDoc(docId: string): Promise<LiveDoc> {
    const live = this.docs.get(docId)
    if (live) {
      live.lastUsed = this.now()
      return Promise.resolve(live)
    }
    let loading = this.loading.get(docId)
    if (!loading) {
      loading = this.createLiveDoc(docId).finally(() => this.loading.delete(docId))
      this.loading.set(docId, loading)
    }
    return loading
  }

  private async createLiveDoc(docId: string): Promise<LiveDoc> {
    const ydoc = new Y.Doc({ gc: true })
    await this.log.loadInto(docId, ydoc)
    const live: LiveDoc = { id: docId, ydoc, awareness: new AwarenessRelay(), lastUsed: this.now() }
    // Every change that integrates — a client's update, a server repair — is relayed, then logged.
    ydoc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === LOAD_ORIGIN) return
      this.options.faults?.('broadcast')
      this.relayUpdate(docId, update, origin)
      this.options.faults?.('enqueue')
      this.log.append(docId, update)
    })
    this.docs.set(docId, live)
    this.options.scheduler.wakeAt(this.now() + this.config.unloadIdleMs)
    return live
  }

  private relayUpdate(docId: string, update: Uint8Array, origin: unknown): void {
    let vaultFrame: Uint8Array | undefined
    let yFrame: Uint8Array | undefined
    for (const session of this.sessions.values()) {
      if (session === origin || !session.receives(docId)) continue
      if (session.kind === 'vault') {
        vaultFrame ??= encodeMessage({
          type: MessageType.Doc,
          docId: docId as DocId,
          body: { channel: DocChannel.Sync, clientSeq: 0, sync: { step: SyncStep.Update, update } },
        })
        session.conn.send(vaultFrame)
      } else {
        yFrame ??= encodeYSync({ step: SyncStep.Update, update })
        session.conn.send(yFrame)
      }
    }
  }

  private relayAwareness(docId: string, awareness: Uint8Array, except: Session | undefined): void {
    let vaultFrame: Uint8Array | undefined
    let yFrame: Uint8Array | undefined
    for (const session of this.sessions.values()) {
      if (session === except || !session.receives(docId)) continue
      if (session.kind === 'vault') {
        vaultFrame ??= encodeMessage({ type: MessageType.Doc, docId: docId as DocId, body: { channel: DocChannel.Awareness, awareness } })
        session.conn.send(vaultFrame)
      } else {
        yFrame ??= encodeYAwareness(awareness)
        session.conn.send(yFrame)
      }
    }
  }

  private hasTreeEntry(docId: string): boolean {
    const files = this.tree.ydoc.getMap('files')
    return files.has(docId)
  }

  /** A y-websocket client wrote to a path that had no note: the server creates the tree entry. */
  private createNoteAt(path: string, docId: string): void {
    if (this.hasTreeEntry(docId)) return
    try {
      this.createFileAt(path, EntryKind.Text, docId as FileId)
    } catch (error) {
      this.logger.warn('could not create the tree entry for a new note', { path, error: (error as Error).message })
    }
  }

  /** Creates a tree entry (and missing folders) as the server. Throws the tree's `TreeError`. */
  private createFileAt(path: string, kind: EntryKind, id: FileId = createFileId()): FileId {
    createEntry(this.tree.ydoc, { path, kind, id, now: this.now(), origin: SERVER_ORIGIN })
    this.repairTree()
    return id
  }

  /**
   * The id of the live entry of `kind` at `path`, or undefined when the path is free. Throws `TreeError`
   * `PATH_TAKEN` when an entry of another kind (a folder, a note, a binary) holds the path.
   */
  private fileAt(path: string, kind: EntryKind): FileId | undefined {
    const entry = this.entryAt(path)
    if (entry !== undefined && entry.kind !== kind) {
      throw new TreeError(TreeErrorCode.PathTaken, `${JSON.stringify(entry.path)} is a ${entry.kind}, not a ${kind}`)
    }
    return entry?.id
  }

  /** Only the server resolves path conflicts, so replicas never race to rename. */
  private repairTree(): void {
    repairTree(this.tree.ydoc, this.now(), SERVER_ORIGIN)
  }

  // ---- commits and acks -----------------------------------------------------------------------------

  private afterCommit(docIds: readonly string[]): void {
    this.options.faults?.('ack')
    for (const docId of docIds) this.compactionBlocked.delete(docId)
    const committed = this.log.committedSeq
    for (const session of this.sessions.values()) {
      if (session.kind !== 'vault' || !session.hello || !session.caughtUp) continue
      if (session.readyAcks.length === 0 && session.cursorSent >= committed) continue
      const ranges = createSeqRanges(session.readyAcks)
      session.readyAcks = []
      session.cursorSent = committed
      this.send(session, { type: MessageType.Ack, cursor: { epoch: this.log.epoch, seq: committed }, ranges })
    }
    this.scheduleFlushFor(docIds)
  }

  private scheduleFlushFor(docIds: readonly string[]): void {
    if (docIds.length === 0) return
    const at = this.log.maintenanceDueAt(docIds, this.config)
    if (at !== undefined) this.options.scheduler.wakeAt(at)
  }

  private fail(error: unknown): void {
    if (this.failed) return
    this.logger.error('storage commit failed; closing every socket so clients resend', {
      error: error instanceof Error ? error.message : String(error),
    })
    this.failed = true
    for (const conn of this.sessions.keys()) conn.close(1011, 'storage failure; reconnect')
    this.sessions.clear()
    this.log.dispose()
  }

  /** True once the room failed or was disposed: the host should drop it and open a new one. */
  get isBroken(): boolean {
    return this.failed
  }

  // ---- maintenance ----------------------------------------------------------------------------------

  private async runMaintenance(): Promise<void> {
    if (this.failed) return
    const { due } = this.log.flushDue(this.config)
    for (const docId of due) await this.log.flush(docId)
    for (const docId of this.log.compactionDue(this.config)) {
      if (this.compactionBlocked.has(docId)) continue
      const live = this.docs.get(docId)
      const result = live && hasPending(live.ydoc) ? 'blocked' : await this.log.compact(docId)
      if (result === 'blocked') {
        // Retried once the document logs something new (its missing dependencies may have arrived).
        this.compactionBlocked.add(docId)
        this.logger.warn('compaction blocked by pending structs', { docId })
      }
    }
    this.unloadIdle()
    this.servedBases.pruneExpired(this.now())
    this.scheduleMaintenance()
  }

  private unloadIdle(): void {
    const cutoff = this.now() - this.config.unloadIdleMs
    for (const [docId, live] of this.docs) {
      if (isVaultWide(docId) || live.lastUsed > cutoff || this.isInUse(docId, live)) continue
      live.ydoc.destroy()
      this.docs.delete(docId)
    }
  }

  /** Presence, a bound editor socket, unwritten or pending changes keep a document in memory. */
  private isInUse(docId: string, live: LiveDoc): boolean {
    if (live.awareness.size > 0 || this.log.hasUncommitted(docId) || hasPending(live.ydoc)) return true
    for (const session of this.sessions.values()) if (session.kind === 'y' && session.docId === docId) return true
    return false
  }

  /**
   * Asks for the next wake: the earliest flush deadline, idle unload, or now when compaction is due.
   * Never a time in the past for work that cannot run now (a document kept in use, a blocked
   * compaction) — that would spin the alarm.
   */
  private scheduleMaintenance(): void {
    const now = this.now()
    let next = this.log.flushDue(this.config).nextAt
    for (const [docId, live] of this.docs) {
      if (isVaultWide(docId)) continue
      let at = live.lastUsed + this.config.unloadIdleMs
      if (at <= now) at = now + this.config.unloadIdleMs // kept because in use: look again one idle period later
      next = Math.min(next ?? at, at)
    }
    const expiry = this.servedBases.nextExpiryAt()
    if (expiry !== undefined) next = Math.min(next ?? expiry, expiry)
    if (this.log.compactionDue(this.config).some((docId) => !this.compactionBlocked.has(docId))) next = now
    if (next !== undefined) this.options.scheduler.wakeAt(next)
  }

  // ---- sessions -------------------------------------------------------------------------------------

  private createRateLimit(): TokenBucket {
    return new TokenBucket(this.config.messageRatePerSecond, this.config.messageBurst, this.now())
  }

  /** The room ends a session itself (expiry, rate limit): close the socket and forget the session. */
  private close(session: Session, code: number, reason: string): void {
    session.conn.close(code, reason)
    this.disconnect(session.conn)
  }

  private reportDevice(session: VaultSession, connected: boolean): void {
    const { onDevice } = this.options
    if (!onDevice || !session.hello) return
    try {
      onDevice({
        deviceId: session.hello.deviceId,
        tokenId: session.access.tokenId,
        role: session.access.role,
        connected,
        ackedSeq: session.cursorSent,
        headSeq: this.log.committedSeq,
        at: this.now(),
      })
    } catch (error) {
      // The registry is the host's bookkeeping; a failure there must not break syncing.
      this.logger.error('onDevice failed', { error: error instanceof Error ? error.message : String(error) })
    }
  }

  // ---- sending --------------------------------------------------------------------------------------

  private send(session: VaultSession, message: Message): void {
    session.conn.send(encodeMessage(message))
  }

  private sendSync(session: VaultSession, docId: string, sync: SyncMessage): void {
    this.send(session, { type: MessageType.Doc, docId: docId as DocId, body: { channel: DocChannel.Sync, clientSeq: 0, sync } })
  }

  private sendError(session: VaultSession, docId: string, clientSeq: number, code: ErrorCode, message: string): void {
    this.send(session, { type: MessageType.Error, docId, clientSeq, code, message })
  }

  private saveSubscriptions(session: VaultSession): void {
    this.log.stage({ save: { key: hotKeys.session(session.sessionId), data: encodeSubscriptions(session.subscriptions) } })
  }
}

export function createSessionId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12))
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
}

/** The tree first (paths before contents), then the heads, then everything else by id. */
function catchUpOrder(a: string, b: string): number {
  const rank = (docId: string) => (docId === TREE_DOC_ID ? 0 : docId === HEADS_DOC_ID ? 1 : 2)
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0)
}

function encodeSubscriptions(subscriptions: ReadonlySet<string>): Uint8Array {
  return new TextEncoder().encode([...subscriptions].join('\n'))
}

function decodeSubscriptions(bytes: Uint8Array): string[] {
  return new TextDecoder().decode(bytes).split('\n').filter(isDocId)
}
