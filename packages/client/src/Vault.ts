// A connected vault, as an app embeds it: the tree, open notes with presence, binary files, honest sync
// status and catch-up progress, offline-first persistence through a LocalStore, and the lineage guard's
// rescue of local edits when the server's copy of the vault was replaced.

import type { HeadRecord, VersionInfo } from '@amber/blobs'
import { HEADS_DOC_ID, TREE_DOC_ID } from '@amber/protocol'
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate } from 'y-protocols/awareness'
import type * as Y from 'yjs'
import { BinaryFiles } from './binary/BinaryFiles.ts'
import type {
  BinaryWrite,
  FileToWrite,
  ReadFileOptions,
  TransferOptions,
  WriteFileOptions,
  WriteResult,
} from './binary/BinaryFiles.ts'
import type { BlobHttp } from './binary/BlobHttp.ts'
import { blobSource, bytesSource } from './binary/ByteSource.ts'
import { HeadsView } from './binary/HeadsView.ts'
import type { RetryPolicy } from './binary/retry.ts'
import { Emitter } from './Emitter.ts'
import { NoteHandle } from './NoteHandle.ts'
import type { NoteHost } from './NoteHandle.ts'
import type { StoreWriter } from './StoreWriter.ts'
import { EntryKind, getEntry, pathOf } from './tree/coreTree.ts'
import type { FileId, TreeEntry } from './tree/coreTree.ts'
import { VaultTree } from './tree/VaultTree.ts'
import { REMOTE_ORIGIN } from './VaultClient.ts'
import type {
  ClientStatus,
  LineageChange,
  ServerErrorInfo,
  SyncProgress,
  VaultClient,
} from './VaultClient.ts'
import { ClientErrorCode, VaultError } from './VaultError.ts'
import type { VaultErrorCode } from './VaultError.ts'
import type { LocalStore } from './store/LocalStore.ts'
import { pageStorage, saveUnloadJournal, unloadJournalKey } from './unloadJournal.ts'

/** Connection and sync state; see {@link Vault.status}. */
export type VaultStatus = ClientStatus

/** A note whose unacknowledged local edits were moved aside by the lineage guard. */
export interface RescuedNote {
  /** The note's file id in the previous lineage. */
  readonly docId: string
  /** Its path in the previous lineage (`Recovered/<id>.md` when the old tree did not name it). */
  readonly path: string
  /** Its full local text, unacknowledged edits included. */
  readonly text: string
}

/** Payload of the `lineageChanged` event. */
export interface LineageChangedEvent {
  /** The lineage this device's state descended from. */
  readonly previous: string
  /** The server's lineage, which the device now follows. */
  readonly current: string
  /** Notes that held local edits the server never acknowledged, with their full local text. */
  readonly rescued: readonly RescuedNote[]
  /** The files written back with the rescued texts (`rescue: 'copy'`, the default); empty otherwise. */
  readonly copies: readonly TreeEntry[]
}

/** Payload of the `binaryConflict` event: two devices wrote one binary concurrently and one version lost. */
export interface BinaryConflictEvent {
  /** The file's path now (its last path when it was deleted). */
  readonly path: string
  readonly fileId: string
  /** The head that won, which names the loser as `conflict`. */
  readonly head: HeadRecord
  /** The version that lost: kept, listed by `fileVersions`, readable with `readFile(path, { version })`. */
  readonly lost: { readonly version: string; readonly device: string; readonly mtime: number }
}

/** Payload of the `head` event. */
export interface HeadEvent {
  /** The file's path now (its last path when it was deleted). */
  readonly path: string
  readonly fileId: string
  readonly head: HeadRecord
}

/** Events of a {@link Vault}. */
export interface VaultEvents {
  /** `offline` → `connecting` → `syncing` → `synced` (and back to `syncing` on every local edit until its ack). */
  status: (status: VaultStatus) => void
  /** Catch-up progress after every received document; monotonic within one catch-up, ends at the totals. */
  progress: (progress: SyncProgress) => void
  /** A non-fatal error: an update the server rejected, a local store failure. Sync goes on. */
  error: (error: VaultError) => void
  /** The SDK stopped (revoked or expired credential, vault gone, …): status is `offline` until `connect()`. */
  fatal: (error: VaultError) => void
  /** The server's vault was restored or re-created; local state was replaced by the server's. */
  lineageChanged: (event: LineageChangedEvent) => void
  /**
   * Concurrent writes of one binary: this device's commit lost, or a head naming a loser arrived (once
   * per lost version). Newest mtime wins; the loser stays readable as a version.
   */
  binaryConflict: (event: BinaryConflictEvent) => void
  /** A binary's head changed on the server (a new version, a decided conflict): time to read it again. */
  head: (event: HeadEvent) => void
}

/** Options of {@link Vault.open}. */
export interface OpenOptions {
  /** Create the file (and missing folders) when no entry exists at the path. Default false. */
  readonly create?: boolean
}

/** What the lineage guard does with rescued texts besides emitting `lineageChanged`. */
export type RescueMode = 'copy' | 'event'

/** @internal Everything `connectVault` hands the vault. */
export interface VaultParts {
  readonly vaultId: string
  readonly deviceId: string
  readonly deviceName: string | undefined
  readonly lazy: boolean
  readonly rescue: RescueMode
  readonly client: VaultClient
  readonly writer: StoreWriter
  readonly store: LocalStore
  /** The vault sets `report`: where the writer's commit failures go. */
  readonly storeErrors: { report?: (error: unknown) => void }
  readonly now: () => number
  /** The binary HTTP API, and how its transfers retry. */
  readonly http: BlobHttp
  readonly retry: RetryPolicy
  readonly random: () => number
}

interface OpenNote {
  readonly handles: Set<NoteHandle>
  awareness: Awareness
  offAwareness: () => void
}

/**
 * A vault connected with {@link connectVault}: one WebSocket for all its notes, state persisted in the
 * local store, reconnects with backoff by itself.
 *
 * @example
 * ```ts
 * const vault = await connectVault({ url, vaultId, credential: token, store })
 * vault.on('status', (status) => console.log(status)) // offline | connecting | syncing | synced
 * await vault.whenLoaded()
 * console.log(vault.tree.list().map((entry) => entry.path))
 * ```
 */
export class Vault {
  readonly vaultId: string
  /** This replica's id, chosen once per local store. */
  readonly deviceId: string
  readonly deviceName: string | undefined
  /** The file tree: list, watch, create, rename, move, delete. */
  readonly tree: VaultTree
  readonly #parts: VaultParts
  readonly #client: VaultClient
  readonly #events = new Emitter<VaultEvents>()
  readonly #notes = new Map<FileId, OpenNote>()
  readonly #loading = new Map<FileId, Promise<void>>()
  readonly #loaded = new Set<string>()
  readonly #releaseLater = new Set<FileId>()
  readonly #cleanup: Array<() => void> = []
  readonly #heads: HeadsView
  readonly #binaries: BinaryFiles
  #caughtUp = false
  #closed = false

  /** @internal Use {@link connectVault}. */
  constructor(parts: VaultParts) {
    this.#parts = parts
    this.#client = parts.client
    this.vaultId = parts.vaultId
    this.deviceId = parts.deviceId
    this.deviceName = parts.deviceName
    const client = this.#client
    this.tree = new VaultTree({
      treeDoc: () => client.doc(TREE_DOC_ID),
      noteDoc: (id) => client.doc(id),
      now: parts.now,
    })
    this.#cleanup.push(
      client.on('status', (status) => this.#onStatus(status)),
      client.on('connected', () => this.#onConnected()),
      client.on('progress', (progress) => this.#events.emit('progress', progress)),
      client.on('error', (info) => this.#events.emit('error', this.#serverError(info))),
      client.on('fatal', (reason) =>
        this.#events.emit(
          'fatal',
          new VaultError(reason as VaultErrorCode, `the server closed the vault: ${reason}`, { fatal: true }),
        ),
      ),
      client.on('loaded', (docId) => this.#loaded.add(docId)),
      client.on('caughtUp', () => (this.#caughtUp = true)),
      client.on('awareness', (docId, update) => {
        const note = this.#notes.get(docId as FileId)
        if (note) applyAwarenessUpdate(note.awareness, update, REMOTE_ORIGIN)
      }),
      client.on('lineageChanged', (change) => this.#onLineageChanged(change)),
      client.on('settled', () => this.#releaseSettled()),
    )
    parts.storeErrors.report = (error) => this.#events.emit('error', storeError(error))
    // Created now, so a lazy vault's Hello names the tree and the heads documents, in this order: the
    // server answers in Hello order, and a head is only useful once the tree has its path.
    client.doc(TREE_DOC_ID)
    this.#heads = new HeadsView(() => client.doc(HEADS_DOC_ID), {
      head: (fileId, head) => this.#events.emit('head', { path: this.#pathOf(fileId), fileId, head }),
      conflict: (fileId, head) => this.#onBinaryConflict(fileId, head),
    })
    this.#binaries = new BinaryFiles({
      http: parts.http,
      tree: this.tree,
      heads: this.#heads,
      store: parts.store,
      deviceId: parts.deviceId,
      retry: parts.retry,
      random: parts.random,
      treeSynced: () => client.whenDocSynced(TREE_DOC_ID),
      reportError: (error) => this.#events.emit('error', storeError(error)),
    })
    this.#listenToPage()
  }

  /** `offline` | `connecting` | `syncing` | `synced`: synced means caught up and every local edit durably acknowledged. */
  get status(): VaultStatus {
    return this.#client.status
  }

  /** The latest catch-up progress (documents and bytes done / total). */
  get progress(): SyncProgress {
    return this.#client.progress
  }

  /** True while some local edit lacks the server's durable ack (never false on merely "sent"). */
  get hasLocalChanges(): boolean {
    return this.#client.hasLocalChanges
  }

  /** Local updates the server rejected for good in this session (kept locally; see {@link Vault.retryRejected}). */
  get rejected(): readonly VaultError[] {
    return [...this.#client.rejected.values()]
  }

  /**
   * Adds an event listener; returns the function that removes it.
   * @example
   * const off = vault.on('progress', ({ docsDone, docsTotal }) => bar.set(docsDone / docsTotal))
   */
  on<E extends keyof VaultEvents>(event: E, listener: VaultEvents[E]): () => void {
    return this.#events.on(event, listener)
  }

  /**
   * Resolves once the vault is caught up with the server and every local edit made so far has the
   * server's durable ack — never on "sent". Rejects with a `VaultError` when the server rejected an edit
   * for good (`READ_ONLY`, `QUOTA_EXCEEDED`, …) or the lineage guard moved edits aside (`LINEAGE_CHANGED`).
   * @example
   * vault.tree.createFile('Inbox/Note.md', { text: 'hello' })
   * await vault.whenSynced() // now it survives this device being lost
   */
  whenSynced(): Promise<void> {
    if (this.#closed) return Promise.reject(closedError())
    return this.#client.whenSynced()
  }

  /**
   * Resolves after this session's first catch-up: the tree and (eager vaults) every note are as current
   * as the server's. Offline it waits for the connection.
   * @example
   * vault.on('progress', showProgress)
   * await vault.whenLoaded()
   */
  whenLoaded(): Promise<void> {
    if (this.#caughtUp) return Promise.resolve()
    return new Promise((resolve) => {
      const off = this.#client.on('caughtUp', () => {
        off()
        resolve()
      })
    })
  }

  /**
   * Opens the text note at `path` (resolved through the tree) and returns its handle. Eager vaults have
   * every note locally already; lazy ones load it from the local store and subscribe to it. Throws a
   * `VaultError` `PATH_NOT_FOUND` (unless `create`) or `NOT_TEXT`.
   * @example
   * const note = await vault.open('Daily/2026-11-27.md', { create: true })
   * note.text.insert(0, 'Hello')
   */
  async open(path: string, options: OpenOptions = {}): Promise<NoteHandle> {
    this.#checkOpen()
    let entry = this.tree.get(path)
    if (!entry) {
      if (!options.create)
        throw new VaultError(ClientErrorCode.PathNotFound, `no note at ${JSON.stringify(path)}`, { path })
      entry = this.tree.createFile(path)
    }
    if (entry.kind !== EntryKind.Text)
      throw new VaultError(ClientErrorCode.NotText, `${entry.path} is a ${entry.kind}, not a text note`, {
        path,
      })
    const id = entry.id
    await this.#ensureLoaded(id)
    this.#checkOpen()
    let note = this.#notes.get(id)
    if (!note) {
      this.#releaseLater.delete(id)
      note = { handles: new Set(), ...this.#createAwareness(id) }
      this.#notes.set(id, note)
      // Eager vaults hold the note already; the subscription brings the presence of those viewing it.
      if (!this.#parts.lazy) this.#client.subscribe(id)
    }
    const handle = new NoteHandle(id, this.#noteHost)
    note.handles.add(handle)
    return handle
  }

  // ---- binary files ---------------------------------------------------------------------------------

  /**
   * Writes `data` as a new version of the binary file at `path` (the entry and missing folders are
   * created). Only chunks the server lacks are uploaded, so a small edit of a large file sends a few
   * chunks; transient failures are retried from where they stopped. The version's base is the head this
   * device knew: a write made without seeing another device's version is concurrent with it, and the
   * later mtime wins (`won: false` and a `binaryConflict` event when this one lost). Needs the network.
   * @example
   * const { version, won } = await vault.writeFile('Photos/cat.jpg', new Uint8Array(await file.arrayBuffer()), {
   *   onProgress: ({ phase, bytesDone, bytesTotal }) => console.log(phase, bytesDone, bytesTotal),
   * })
   */
  async writeFile(path: string, data: Uint8Array | Blob, options: WriteFileOptions = {}): Promise<WriteResult> {
    this.#checkOpen()
    const { source, mtime } = this.#binaryWrite({ path, data, mtime: options.mtime })
    return this.#binaries.write(path, source, { ...options, mtime })
  }

  /**
   * Writes several binary files in one go, like {@link Vault.writeFile} for each, but their missing chunks
   * travel together in shared packs (a few uploads for a folder of photos, not one per photo) and the
   * server is asked once which chunks it already has. Each file is committed as its own version, against
   * the head this device knew; results come in the order of `items`. Progress covers the whole batch. A
   * batch cut off by the network resumes from what the server already stored.
   * @example
   * const results = await vault.writeFiles(
   *   [...input.files].map((file) => ({ path: `Photos/${file.name}`, data: file })),
   *   { onProgress: ({ phase, bytesDone, bytesTotal }) => bar.set(phase, bytesDone / bytesTotal) },
   * )
   * const lost = results.filter((result) => !result.won) // a concurrent write with a later mtime won
   */
  async writeFiles(items: readonly FileToWrite[], options: TransferOptions = {}): Promise<WriteResult[]> {
    this.#checkOpen()
    return this.#binaries.writeMany(
      items.map((item) => this.#binaryWrite(item)),
      options,
    )
  }

  #binaryWrite({ path, data, mtime }: FileToWrite): BinaryWrite {
    const source = data instanceof Uint8Array ? bytesSource(data) : blobSource(data)
    const lastModified = typeof File !== 'undefined' && data instanceof File ? data.lastModified : undefined
    return { path, source, mtime: mtime ?? lastModified ?? this.#parts.now() }
  }

  /**
   * The bytes of the binary file at `path`: its head, or `options.version`. Every chunk is checked
   * against its SHA-256 (a corrupted one is fetched again) and the whole file against the manifest
   * before anything is returned. A head read is kept in the store's binary cache, when it has one, and
   * served from there while it is still the head (offline too).
   * @example
   * const bytes = await vault.readFile('Photos/cat.jpg')
   * const older = await vault.readFile('Photos/cat.jpg', { version: (await vault.fileVersions('Photos/cat.jpg'))[1]!.version })
   */
  async readFile(path: string, options: ReadFileOptions = {}): Promise<Uint8Array> {
    this.#checkOpen()
    return this.#binaries.read(path, options)
  }

  /**
   * Every version of the binary file at `path`, newest commit first (superseded and losing ones too).
   * @example
   * for (const { version, mtime, device } of await vault.fileVersions('Photos/cat.jpg')) console.log(version, mtime, device)
   */
  async fileVersions(path: string): Promise<VersionInfo[]> {
    this.#checkOpen()
    return this.#binaries.versions(path)
  }

  /**
   * The head of the binary file at `path` as this device knows it (from the server's `heads` document,
   * kept offline), or undefined when it has none.
   * @example
   * const head = vault.head('Photos/cat.jpg')
   * if (head?.conflict) console.log(`a concurrent version by ${head.conflict.device} lost`)
   */
  head(path: string): HeadRecord | undefined {
    return this.#binaries.head(path)
  }

  /** @internal The binary transfers, for `@amber/client/node`. */
  get binaries(): BinaryFiles {
    this.#checkOpen()
    return this.#binaries
  }

  #onBinaryConflict(fileId: string, head: HeadRecord): void {
    const lost = head.conflict
    if (!lost) return
    this.#events.emit('binaryConflict', {
      path: this.#pathOf(fileId),
      fileId,
      head,
      lost: { version: lost.version, device: lost.device, mtime: lost.mtime },
    })
  }

  /** A file's path, live or deleted ('' when the tree does not know it). */
  #pathOf(fileId: string): string {
    return getEntry(this.#client.doc(TREE_DOC_ID), fileId as FileId)?.path ?? ''
  }

  /** Closes the socket and stays offline (edits are kept and persisted) until {@link Vault.connect}. */
  disconnect(): void {
    this.#checkOpen()
    this.#client.stop()
  }

  /** Connects now: after `disconnect()`, after a fatal stop (with a fresh credential), or to skip the backoff wait. */
  connect(): void {
    this.#checkOpen()
    this.#client.reconnectNow()
  }

  /** Sends the edits the server rejected for good once more (after a role change or freed quota). */
  retryRejected(): void {
    this.#checkOpen()
    this.#client.retryRejected()
  }

  /** Commits every local change to the store now and makes it durable (done by itself on `pagehide`). */
  async flush(): Promise<void> {
    this.#client.flushLocalEdits()
    await this.#parts.writer.flush()
  }

  /**
   * Withdraws presence, closes the socket and commits every local change to the store. Unacknowledged
   * edits stay in the store's outbox and sync on the next `connectVault` with the same store; pending
   * `whenSynced()` calls reject with `CLOSED`. The store itself stays open: close it after this if the
   * app is done with it.
   * @example
   * await vault.close()
   * await store.close()
   */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#client.flushLocalEdits()
    for (const note of this.#notes.values()) {
      note.awareness.setLocalState(null)
      note.offAwareness()
      note.awareness.destroy()
    }
    this.#notes.clear()
    this.#closed = true
    this.#client.stop()
    this.#client.cancelWaiters(closedError())
    for (const off of this.#cleanup.splice(0)) off()
    this.tree.dispose()
    this.#heads.dispose()
    try {
      await this.#parts.writer.flush()
    } finally {
      this.#parts.writer.close()
      this.#events.removeAll()
    }
  }

  // ---- notes ----------------------------------------------------------------------------------------

  readonly #noteHost: NoteHost = {
    docOf: (id) => this.#client.doc(id),
    awarenessOf: (id) => {
      const note = this.#notes.get(id)
      if (!note) throw closedError()
      return note.awareness
    },
    pathOf: (id) => {
      const entry = getEntry(this.#client.doc(TREE_DOC_ID), id)
      return entry && entry.deleted === undefined ? entry.path : undefined
    },
    hasLocalChanges: (id) => this.#client.docHasLocalChanges(id),
    whenSynced: (id) => this.#client.whenDocSynced(id),
    whenLoaded: (id) => this.#whenNoteLoaded(id),
    release: (handle) => this.#release(handle),
  }

  async #ensureLoaded(id: FileId): Promise<void> {
    if (this.#client.hasDoc(id)) return
    let loading = this.#loading.get(id)
    if (!loading) {
      loading = (async () => {
        // Writes still queued for this note must be in the store before reading it back.
        await this.#parts.writer.idle()
        const updates = await this.#parts.store.readDoc(id)
        if (!this.#closed) this.#client.loadDoc(id, updates)
      })().finally(() => this.#loading.delete(id))
      this.#loading.set(id, loading)
    }
    await loading
  }

  #whenNoteLoaded(id: FileId): Promise<void> {
    if (!this.#parts.lazy) return this.whenLoaded()
    if (this.#loaded.has(id)) return Promise.resolve()
    return new Promise((resolve) => {
      const off = this.#client.on('loaded', (docId) => {
        if (docId !== id) return
        off()
        resolve()
      })
    })
  }

  #createAwareness(id: FileId): Pick<OpenNote, 'awareness' | 'offAwareness'> {
    const awareness = new Awareness(this.#client.doc(id))
    const onUpdate = (
      changes: { added: number[]; updated: number[]; removed: number[] },
      origin: unknown,
    ): void => {
      if (origin === REMOTE_ORIGIN || origin === 'timeout') return
      const own = [...changes.added, ...changes.updated, ...changes.removed].filter(
        (client) => client === awareness.clientID,
      )
      if (own.length > 0) this.#client.sendAwareness(id, encodeAwarenessUpdate(awareness, own))
    }
    awareness.on('update', onUpdate)
    return { awareness, offAwareness: () => awareness.off('update', onUpdate) }
  }

  #release(handle: NoteHandle): void {
    const note = this.#notes.get(handle.id)
    if (!note || !note.handles.delete(handle) || note.handles.size > 0) return
    note.awareness.setLocalState(null)
    note.offAwareness()
    note.awareness.destroy()
    this.#notes.delete(handle.id)
    if (this.#parts.lazy && !this.#client.release(handle.id)) this.#releaseLater.add(handle.id)
  }

  /** Lazy vaults drop closed notes from memory once their edits are acknowledged. */
  #releaseSettled(): void {
    for (const id of [...this.#releaseLater]) {
      if (this.#notes.has(id) || this.#client.release(id)) this.#releaseLater.delete(id)
    }
  }

  /** A new socket: learn who is viewing each open note, and tell them (through the server) we are back. */
  #onConnected(): void {
    for (const [id, note] of this.#notes) {
      this.#client.subscribe(id)
      const awareness = note.awareness
      const state = awareness.getLocalState()
      if (state === null) continue
      // When our socket closed, the server told everyone we left, with our clock + 1: announce the
      // same state with a clock beyond that, or devices that stayed connected would ignore it.
      const meta = awareness.meta.get(awareness.clientID)
      if (meta) meta.clock++
      awareness.setLocalState(state)
    }
  }

  #onStatus(status: ClientStatus): void {
    if (status === 'offline') {
      // Nobody's presence can be trusted without a connection; it comes back with the next one. Forget
      // the others outright (state and clock), so their next announcement applies whatever its clock.
      for (const note of this.#notes.values()) forgetOthers(note.awareness)
    }
    this.#events.emit('status', status)
  }

  #serverError(info: ServerErrorInfo): VaultError {
    const tree = this.#client.hasDoc(TREE_DOC_ID) ? this.#client.doc(TREE_DOC_ID) : undefined
    const path =
      tree && info.docId !== '' && info.docId !== TREE_DOC_ID ? pathOf(tree, info.docId as FileId) : undefined
    return new VaultError(info.code as VaultErrorCode, info.message, {
      docId: info.docId || undefined,
      ...(path === undefined ? {} : { path }),
    })
  }

  // ---- lineage guard --------------------------------------------------------------------------------

  /**
   * Runs while the client has already dropped the old documents and before it dials the server again:
   * rescued texts written back now are journaled right after the reset, in the same store batch.
   */
  #onLineageChanged(change: LineageChange): void {
    const rescued = rescue(change)
    this.#caughtUp = false
    this.#loaded.clear()
    for (const [id, note] of this.#notes) {
      note.offAwareness()
      note.awareness.destroy()
      Object.assign(note, this.#createAwareness(id))
      for (const handle of note.handles) handle.emitReset()
    }
    this.tree.replaced()
    this.#heads.replaced()
    const copies: TreeEntry[] = []
    if (this.#parts.rescue === 'copy') {
      for (const note of rescued) {
        // At its old path: when the server's vault has that path too, the server's tree repair gives the
        // younger entry (this copy) a visible conflict name, deterministically on every device.
        copies.push(this.#writeCopy(note))
      }
    }
    this.#events.emit('lineageChanged', {
      previous: change.previous,
      current: change.current,
      rescued,
      copies,
    })
  }

  #writeCopy(note: RescuedNote): TreeEntry {
    for (let attempt = 1; ; attempt++) {
      const path = attempt === 1 ? note.path : withSuffix(note.path, ` (rescued ${attempt})`)
      if (this.tree.get(path)) continue
      return this.tree.createFile(path, { text: note.text })
    }
  }

  // ---- page lifecycle -------------------------------------------------------------------------------

  #listenToPage(): void {
    const target = globalThis as {
      addEventListener?: (type: string, listener: () => void) => void
      removeEventListener?: (type: string, listener: () => void) => void
      document?: { visibilityState?: string }
    }
    if (
      typeof target.addEventListener !== 'function' ||
      typeof target.removeEventListener !== 'function' ||
      !target.document
    )
      return
    const add = target.addEventListener.bind(target)
    const remove = target.removeEventListener.bind(target)
    // The page may be frozen or killed after these: hand everything to the store now, and keep a
    // synchronous copy of what is not committed yet, in case the page dies before the commit does.
    const storage = pageStorage()
    const journalKey = unloadJournalKey(this.deviceId)
    const save = (): void => {
      const uncommitted = this.#parts.writer.uncommitted()
      const journaled = storage !== undefined && uncommitted !== undefined && saveUnloadJournal(storage, journalKey, uncommitted)
      this.flush().then(
        () => {
          if (journaled) storage.removeItem(journalKey)
        },
        (error: unknown) => this.#events.emit('error', storeError(error)),
      )
    }
    const onVisibility = (): void => {
      if (target.document?.visibilityState === 'hidden') save()
    }
    const onOnline = (): void => {
      if (!this.#closed && this.#client.status === 'offline') this.#client.reconnectNow()
    }
    add('pagehide', save)
    add('visibilitychange', onVisibility)
    add('online', onOnline)
    this.#cleanup.push(() => {
      remove('pagehide', save)
      remove('visibilitychange', onVisibility)
      remove('online', onOnline)
    })
  }

  #checkOpen(): void {
    if (this.#closed) throw closedError()
  }
}

/** The texts of notes with unacknowledged edits, from the documents the client dropped. */
function rescue(change: LineageChange): RescuedNote[] {
  const oldTree = change.docs.get(TREE_DOC_ID)
  const rescued: RescuedNote[] = []
  for (const docId of [...change.changed].sort()) {
    if (docId === TREE_DOC_ID) continue
    const doc: Y.Doc | undefined = change.docs.get(docId)
    if (!doc) continue
    const entry = oldTree ? getEntry(oldTree, docId as FileId) : undefined
    if (entry && (entry.kind !== EntryKind.Text || entry.deleted !== undefined)) continue
    const text = doc.getText('content').toString()
    if (text === '') continue
    rescued.push({ docId, path: entry?.path ?? `Recovered/${docId}.md`, text })
  }
  return rescued
}

/** Drops every remote awareness client without the tombstone clock `removeAwarenessStates` keeps. */
function forgetOthers(awareness: Awareness): void {
  const others = [...awareness.getStates().keys()].filter((client) => client !== awareness.clientID)
  if (others.length === 0) return
  for (const client of others) {
    awareness.states.delete(client)
    awareness.meta.delete(client)
  }
  const changes = { added: [], updated: [], removed: others }
  awareness.emit('change', [changes, REMOTE_ORIGIN])
  awareness.emit('update', [changes, REMOTE_ORIGIN])
}

function withSuffix(path: string, suffix: string): string {
  const slash = path.lastIndexOf('/')
  const dot = path.lastIndexOf('.')
  return dot > slash + 1 ? `${path.slice(0, dot)}${suffix}${path.slice(dot)}` : `${path}${suffix}`
}

function closedError(): VaultError {
  return new VaultError(ClientErrorCode.Closed, 'the vault is closed')
}

/** A local store failure as the SDK reports it. */
function storeError(error: unknown): VaultError {
  return new VaultError(
    ClientErrorCode.StoreFailed,
    `the local store failed: ${error instanceof Error ? error.message : String(error)}`,
    { cause: error },
  )
}
