// A vault's append-only update log. Hot: rows in Durable Object SQLite, written by group commit before
// any ack (the durability point). Cold: content-addressed segments and V2 snapshots in R2, written by
// flush and compaction. Sequence numbers are vault-wide; only committed ones are ever reported.

import { mergeUpdatesInTree } from '@amber/protocol'
import * as Y from 'yjs'
import type { StorageAdapter, StorageChunk } from '../storage/StorageAdapter.ts'
import type { FaultInjector } from './commitSteps.ts'
import { decodeDocIndex, encodeDocIndex } from './docIndex.ts'
import type { DocIndex, SegmentRef, SnapshotRef } from './docIndex.ts'
import { IntegrityError, sha256Hex, verifySha256 } from './integrity.ts'
import { LOG_ENTRY_OVERHEAD, decodeLogEntries, decodeSegment, encodeLogEntries, encodeSegment } from './logEntries.ts'
import type { LogEntry } from './logEntries.ts'
import { coldKeys, hotKeys, parseColdKey, parseHotLogKey } from './storageKeys.ts'

/** Origin of transactions that replay stored state into a document (never re-logged). */
export const LOAD_ORIGIN = Symbol('amber-load')

export interface UpdateLogOptions {
  readonly hot: StorageAdapter
  readonly cold: StorageAdapter
  readonly batchWindowMs: number
  readonly now: () => number
  readonly faults?: FaultInjector
  /** Called when a commit fails: the in-memory state can no longer be trusted. */
  readonly onCommitFailure: (error: unknown) => void
  /** Called after every commit (acks ride on this), with the documents it logged entries for. */
  readonly onCommitted?: (docIds: readonly string[]) => void
}

export interface HotRowRef {
  readonly key: string
  readonly first: number
  readonly last: number
  readonly bytes: number
  readonly entries: number
}

interface CatalogEntry {
  lastSeq: number
  snapshot?: SnapshotRef
  segments: SegmentRef[]
  hotRows: HotRowRef[]
  /** When the oldest hot row still waiting for a flush was written (ms). */
  oldestHotAt?: number
}

interface Batch {
  readonly entries: Map<string, LogEntry[]>
  readonly saves: StorageChunk[]
  readonly removes: string[]
  readonly callbacks: Array<() => void>
  readonly done: Promise<void>
  resolve(): void
  reject(error: unknown): void
}

function createBatch(): Batch {
  let resolve!: () => void
  let reject!: (error: unknown) => void
  const done = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  // A failed batch is reported through onCommitFailure; waiters see the rejection, nobody else must.
  done.catch(() => undefined)
  return { entries: new Map(), saves: [], removes: [], callbacks: [], done, resolve, reject }
}

function isEmpty(batch: Batch): boolean {
  return batch.entries.size === 0 && batch.saves.length === 0 && batch.removes.length === 0 && batch.callbacks.length === 0
}

export interface CatchUpRead {
  /** 'full' when the updates start from a snapshot (the log was compacted past the asked seq). */
  readonly kind: 'log' | 'full'
  readonly updates: Uint8Array[]
}

export class UpdateLog {
  /** Storage commits and rows written, for benchmarks. */
  readonly stats = { commits: 0, rowsWritten: 0, entriesWritten: 0, flushes: 0, compactions: 0 }
  private openBatch = createBatch()
  private inFlight: Batch | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  /** Set by dispose: a dropped room's log never writes again (its replacement owns the storage now). */
  private disposed = false
  private nextSeq: number
  private committed: number
  /** Loads, catch-up reads, flushes and compactions of one document never interleave. */
  private readonly docLocks = new Map<string, Promise<unknown>>()
  /** Bytes the catalog accounts for (snapshots, segments, hot rows), over every document. */
  private catalogBytes = 0
  /** What updates appended but not yet committed will cost once written (see {@link UpdateLog.appendCost}). */
  private uncommittedBytes = 0

  private constructor(
    private readonly options: UpdateLogOptions,
    readonly epoch: string,
    /** The vault's history id: survives a rebuild from cold storage (a new epoch), never reused by another vault. */
    readonly lineage: string,
    private readonly catalog: Map<string, CatalogEntry>,
  ) {
    let head = 0
    for (const entry of catalog.values()) {
      head = Math.max(head, entry.lastSeq)
      this.catalogBytes += bytesOf(entry)
    }
    this.committed = head
    this.nextSeq = head + 1
  }

  /** Opens the log; with empty hot storage but cold data present it rebuilds the index from R2 (new epoch). */
  static async open(options: UpdateLogOptions): Promise<UpdateLog> {
    const { hot, cold } = options
    const catalog = new Map<string, CatalogEntry>()
    const lineage = await openLineage(hot, cold)
    const epochBytes = await hot.load(hotKeys.epoch)
    if (!epochBytes) {
      await rebuildIndexFromCold(hot, cold)
      const epoch = createRandomId()
      await hot.commit({ save: [{ key: hotKeys.epoch, data: new TextEncoder().encode(epoch) }] })
      return UpdateLog.open(options)
    }
    for (const { key, data } of await hot.loadRange(hotKeys.indexAll)) {
      const index = decodeDocIndex(data)
      catalog.set(key.slice(hotKeys.indexAll.length), {
        lastSeq: index.lastSeq,
        snapshot: index.snapshot,
        segments: [...index.segments],
        hotRows: [],
      })
    }
    const now = options.now()
    for (const { key, data } of await hot.loadRange(hotKeys.logAll)) {
      const parsed = parseHotLogKey(key)
      if (!parsed) continue
      const entry = catalogEntry(catalog, parsed.docId)
      entry.hotRows.push({ key, first: parsed.first, last: parsed.last, bytes: data.length, entries: decodeLogEntries(data).length })
      entry.lastSeq = Math.max(entry.lastSeq, parsed.last)
      entry.oldestHotAt ??= now
    }
    return new UpdateLog(options, new TextDecoder().decode(epochBytes), lineage, catalog)
  }

  /**
   * Bytes stored for every document: snapshots, segments, hot rows, and updates not yet committed (at
   * their {@link UpdateLog.appendCost}). After a rebuild from cold storage a document's cold objects
   * count from its first load on (R2 lists keys without sizes).
   */
  get storedBytes(): number {
    return this.catalogBytes + this.uncommittedBytes
  }

  /** Bytes stored for one document (snapshot plus log tail, committed or not). */
  docBytes(docId: string): number {
    const entry = this.catalog.get(docId)
    let bytes = entry ? bytesOf(entry) : 0
    for (const batch of [this.inFlight, this.openBatch]) {
      for (const { update } of batch?.entries.get(docId) ?? []) bytes += this.appendCost(update.length)
    }
    return bytes
  }

  /** What appending an update of `updateBytes` adds to the stored bytes, at most (its row framing included). */
  appendCost(updateBytes: number): number {
    return updateBytes + LOG_ENTRY_OVERHEAD
  }

  /** Runs a change to a document's catalog entry and keeps the byte total in step with it. */
  private account<T>(entry: CatalogEntry, change: () => T): T {
    const before = bytesOf(entry)
    const result = change()
    this.catalogBytes += bytesOf(entry) - before
    return result
  }

  /** The highest sequence number whose commit is durable. */
  get committedSeq(): number {
    return this.committed
  }

  docIds(): string[] {
    return [...this.catalog.keys()]
  }

  lastSeqOf(docId: string): number {
    return this.catalog.get(docId)?.lastSeq ?? 0
  }

  /** Documents with entries logged after `seq`, in no particular order. */
  changedSince(seq: number): string[] {
    const ids: string[] = []
    for (const [docId, entry] of this.catalog) if (entry.lastSeq > seq) ids.push(docId)
    return ids
  }

  /** True while the document has entries not yet durable (it must stay loaded). */
  hasUncommitted(docId: string): boolean {
    return this.openBatch.entries.has(docId) || (this.inFlight?.entries.has(docId) ?? false)
  }

  private withDocLock<T>(docId: string, task: () => Promise<T>): Promise<T> {
    const previous = this.docLocks.get(docId) ?? Promise.resolve()
    const run = previous.then(task, task)
    const settled = run.then(
      () => undefined,
      () => undefined,
    )
    this.docLocks.set(docId, settled)
    void settled.then(() => {
      if (this.docLocks.get(docId) === settled) this.docLocks.delete(docId)
    })
    return run
  }

  // ---- group commit -----------------------------------------------------------------------------

  /** Adds an update to the open batch and returns its vault sequence number (not yet committed). */
  append(docId: string, update: Uint8Array): number {
    const seq = this.nextSeq++
    let entries = this.openBatch.entries.get(docId)
    if (!entries) this.openBatch.entries.set(docId, (entries = []))
    entries.push({ seq, update })
    this.uncommittedBytes += this.appendCost(update.length)
    this.scheduleCommit()
    return seq
  }

  /**
   * Writes extra state (session records, served note states) atomically with the next batch. The last
   * change staged for a key wins, as if each were its own commit (a batch applies saves before removes).
   */
  stage(change: { save?: StorageChunk; remove?: string }): void {
    if (change.save) {
      this.unstage(change.save.key)
      this.openBatch.saves.push(change.save)
    }
    if (change.remove) {
      this.unstage(change.remove)
      this.openBatch.removes.push(change.remove)
    }
    this.scheduleCommit()
  }

  private unstage(key: string): void {
    const { saves, removes } = this.openBatch
    for (let i = saves.length - 1; i >= 0; i--) if (saves[i]!.key === key) saves.splice(i, 1)
    for (let i = removes.length - 1; i >= 0; i--) if (removes[i] === key) removes.splice(i, 1)
  }

  /** Runs `callback` once everything appended so far is durable (acks ride on this). */
  afterCommit(callback: () => void): void {
    this.openBatch.callbacks.push(callback)
    this.scheduleCommit()
  }

  /** Resolves once everything appended so far is durable. */
  whenCommitted(): Promise<void> {
    if (!isEmpty(this.openBatch)) return this.openBatch.done
    return this.inFlight?.done ?? Promise.resolve()
  }

  /** Stops the batch timer (the room is being dropped). */
  dispose(): void {
    this.disposed = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }

  private scheduleCommit(): void {
    // The only in-memory timer of the room, and only while a batch is open.
    if (this.timer !== undefined || this.inFlight || this.disposed) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.commitOpenBatch()
    }, this.options.batchWindowMs)
  }

  private async commitOpenBatch(): Promise<void> {
    const batch = this.openBatch
    this.openBatch = createBatch()
    this.inFlight = batch
    const { hot, faults, now } = this.options
    try {
      const rows: StorageChunk[] = []
      const written: Array<[string, HotRowRef]> = []
      let maxSeq = 0
      for (const [docId, entries] of batch.entries) {
        const first = entries[0]!.seq
        const last = entries[entries.length - 1]!.seq
        const data = encodeLogEntries(entries)
        const key = hotKeys.log(docId, first, last)
        rows.push({ key, data })
        written.push([docId, { key, first, last, bytes: data.length, entries: entries.length }])
        maxSeq = Math.max(maxSeq, last)
      }
      if (rows.length > 0 || batch.saves.length > 0 || batch.removes.length > 0) {
        faults?.('write')
        await hot.commit({ save: [...rows, ...batch.saves], remove: batch.removes })
        faults?.('durable')
        this.stats.commits++
        this.stats.rowsWritten += rows.length + batch.saves.length
        for (const entries of batch.entries.values()) this.stats.entriesWritten += entries.length
      }
      const at = now()
      for (const [docId, row] of written) {
        const entry = catalogEntry(this.catalog, docId)
        this.account(entry, () => entry.hotRows.push(row))
        entry.lastSeq = Math.max(entry.lastSeq, row.last)
        entry.oldestHotAt ??= at
      }
      for (const entries of batch.entries.values()) for (const { update } of entries) this.uncommittedBytes -= this.appendCost(update.length)
      this.committed = Math.max(this.committed, maxSeq)
      this.inFlight = undefined
      batch.resolve()
      for (const callback of batch.callbacks) callback()
      this.options.onCommitted?.([...batch.entries.keys()])
    } catch (error) {
      this.inFlight = undefined
      batch.reject(error)
      this.options.onCommitFailure(error)
      return
    }
    if (!isEmpty(this.openBatch)) this.scheduleCommit()
  }

  // ---- reading ----------------------------------------------------------------------------------

  /** Replays everything stored for the document (and anything not yet durable) into `doc`. */
  loadInto(docId: string, doc: Y.Doc): Promise<void> {
    return this.withDocLock(docId, () => this.loadIntoUnlocked(docId, doc))
  }

  private async loadIntoUnlocked(docId: string, doc: Y.Doc): Promise<void> {
    // Capture not-yet-durable entries first: anything committed while we read storage is then in one or the other.
    const pending = [...(this.inFlight?.entries.get(docId) ?? []), ...(this.openBatch.entries.get(docId) ?? [])]
    const entry = this.catalog.get(docId)
    const [snapshot, segments, rows] = await Promise.all([
      entry?.snapshot ? this.loadSnapshot(entry.snapshot.key) : undefined,
      Promise.all((entry?.segments ?? []).map((segment) => this.loadSegmentWithSize(segment.key))),
      this.options.hot.loadRange(hotKeys.logPrefix(docId)),
    ])
    if (entry) this.learnColdSizes(entry, snapshot, segments)
    const tail: Uint8Array[] = []
    for (const { entries } of segments) for (const { update } of entries) tail.push(update)
    for (const row of rows) for (const { update } of decodeLogEntries(row.data)) tail.push(update)
    for (const { update } of pending) tail.push(update)
    Y.transact(
      doc,
      () => {
        if (snapshot) Y.applyUpdateV2(doc, snapshot, LOAD_ORIGIN)
        if (tail.length > 0) Y.applyUpdate(doc, mergeUpdatesInTree(tail), LOAD_ORIGIN)
      },
      LOAD_ORIGIN,
    )
  }

  /**
   * What a client at `seq` lacks, read from storage without decoding a document: the log entries after
   * `seq`, or — when compaction merged entries past `seq` — the snapshot (as V1) plus the entries after it.
   */
  readSince(docId: string, seq: number): Promise<CatchUpRead> {
    return this.withDocLock(docId, () => this.readSinceUnlocked(docId, seq))
  }

  private async readSinceUnlocked(docId: string, seq: number): Promise<CatchUpRead> {
    const entry = this.catalog.get(docId)
    if (!entry) return { kind: 'log', updates: [] }
    const snapshotRef = entry.snapshot && entry.snapshot.through > seq ? entry.snapshot : undefined
    const from = snapshotRef?.through ?? seq
    const [snapshot, segments, rows] = await Promise.all([
      snapshotRef ? this.loadSnapshot(snapshotRef.key) : undefined,
      Promise.all(entry.segments.filter((segment) => segment.last > from).map((segment) => this.loadSegment(segment.key))),
      this.options.hot.loadRange(hotKeys.logPrefix(docId)),
    ])
    const updates: Uint8Array[] = snapshot ? [Y.convertUpdateFormatV2ToV1(snapshot)] : []
    for (const entries of segments) for (const e of entries) if (e.seq > from) updates.push(e.update)
    for (const row of rows) {
      if ((parseHotLogKey(row.key)?.last ?? 0) <= from) continue
      for (const e of decodeLogEntries(row.data)) if (e.seq > from) updates.push(e.update)
    }
    return { kind: snapshotRef ? 'full' : 'log', updates }
  }

  private async loadSegment(key: string): Promise<LogEntry[]> {
    return (await this.loadSegmentWithSize(key)).entries
  }

  private async loadSegmentWithSize(key: string): Promise<{ entries: LogEntry[]; bytes: number }> {
    const parsed = parseColdKey(key)
    if (parsed?.kind !== 'segment') throw new IntegrityError(`not a segment key: ${key}`)
    const data = await this.options.cold.load(key)
    if (!data) throw new IntegrityError(`segment ${key} is missing from cold storage`)
    await verifySha256(key, data, parsed.sha)
    return { entries: decodeSegment(data), bytes: data.length }
  }

  /**
   * An index rebuilt from cold storage does not know object sizes (R2 lists keys only); a load learns
   * them. Called under the document lock, so `entry` still lists exactly the objects just read.
   */
  private learnColdSizes(entry: CatalogEntry, snapshot: Uint8Array | undefined, segments: ReadonlyArray<{ bytes: number }>): void {
    this.account(entry, () => {
      if (entry.snapshot && snapshot) entry.snapshot = { ...entry.snapshot, bytes: snapshot.length }
      entry.segments = entry.segments.map((segment, i) => ({ ...segment, bytes: segments[i]!.bytes }))
    })
  }

  private async loadSnapshot(key: string): Promise<Uint8Array> {
    const parsed = parseColdKey(key)
    if (parsed?.kind !== 'snapshot') throw new IntegrityError(`not a snapshot key: ${key}`)
    const data = await this.options.cold.load(key)
    if (!data) throw new IntegrityError(`snapshot ${key} is missing from cold storage`)
    await verifySha256(key, data, parsed.sha)
    return data
  }

  // ---- maintenance (driven by the alarm scheduler) ----------------------------------------------

  /** Documents whose hot rows should move to a cold segment now, and when the next one falls due. */
  flushDue(limits: { flushBytes: number; flushEntries: number; flushAfterMs: number }): {
    due: string[]
    nextAt: number | undefined
  } {
    const now = this.options.now()
    const due: string[] = []
    let nextAt: number | undefined
    for (const [docId, entry] of this.catalog) {
      if (entry.hotRows.length === 0) continue
      const bytes = entry.hotRows.reduce((sum, row) => sum + row.bytes, 0)
      const entries = entry.hotRows.reduce((sum, row) => sum + row.entries, 0)
      const deadline = (entry.oldestHotAt ?? now) + limits.flushAfterMs
      if (bytes >= limits.flushBytes || entries >= limits.flushEntries || deadline <= now) due.push(docId)
      else nextAt = Math.min(nextAt ?? deadline, deadline)
    }
    return { due, nextAt }
  }

  /** When maintenance is next due for these documents (now if a flush threshold is crossed). */
  maintenanceDueAt(
    docIds: readonly string[],
    limits: { flushBytes: number; flushEntries: number; flushAfterMs: number },
  ): number | undefined {
    const now = this.options.now()
    let at: number | undefined
    for (const docId of docIds) {
      const entry = this.catalog.get(docId)
      if (!entry || entry.hotRows.length === 0) continue
      let bytes = 0
      let entries = 0
      for (const row of entry.hotRows) {
        bytes += row.bytes
        entries += row.entries
      }
      const due = bytes >= limits.flushBytes || entries >= limits.flushEntries ? now : (entry.oldestHotAt ?? now) + limits.flushAfterMs
      at = Math.min(at ?? due, due)
    }
    return at
  }

  compactionDue(limits: { compactSegments: number; compactBytes: number }): string[] {
    const due: string[] = []
    for (const [docId, entry] of this.catalog) {
      if (entry.segments.length === 0) continue
      let bytes = 0
      for (const segment of entry.segments) bytes += segment.bytes
      const bytesDue = bytes >= Math.max(limits.compactBytes, entry.snapshot?.bytes ?? 0)
      if (entry.segments.length >= limits.compactSegments || bytesDue) due.push(docId)
    }
    return due
  }

  /** Moves a document's durable hot rows into one content-addressed cold segment. */
  flush(docId: string): Promise<SegmentRef | undefined> {
    return this.withDocLock(docId, () => this.flushUnlocked(docId))
  }

  private async flushUnlocked(docId: string): Promise<SegmentRef | undefined> {
    const entry = this.catalog.get(docId)
    const rows = entry ? [...entry.hotRows] : []
    if (!entry || rows.length === 0) return undefined
    const { hot, cold } = this.options
    const wanted = new Set(rows.map((row) => row.key))
    const stored = (await hot.loadRange(hotKeys.logPrefix(docId))).filter((chunk) => wanted.has(chunk.key))
    if (stored.length !== rows.length) throw new Error(`hot rows of ${docId} vanished before their flush`)
    const entries: LogEntry[] = []
    for (const chunk of stored) entries.push(...decodeLogEntries(chunk.data))
    const body = encodeSegment(entries)
    const first = rows[0]!.first
    const last = rows[rows.length - 1]!.last
    const key = coldKeys.segment(docId, first, last, await sha256Hex(body))
    // Same rows, same bytes, same key: a flush retried after a crash rewrites the same object.
    await cold.commit({ save: [{ key, data: body }] })
    const segment: SegmentRef = { key, first, last, bytes: body.length }
    const index: DocIndex = { lastSeq: entry.lastSeq, snapshot: entry.snapshot, segments: [...entry.segments, segment] }
    await hot.commit({
      save: [{ key: hotKeys.index(docId), data: encodeDocIndex(index) }],
      remove: rows.map((row) => row.key),
    })
    const flushed = new Set(rows.map((row) => row.key))
    this.account(entry, () => {
      entry.segments.push(segment)
      entry.hotRows = entry.hotRows.filter((row) => !flushed.has(row.key))
    })
    entry.oldestHotAt = entry.hotRows.length > 0 ? this.options.now() : undefined
    this.stats.flushes++
    return segment
  }

  /**
   * Merges a document's snapshot, segments and hot rows into a new V2 snapshot, verifies it by
   * re-decoding (state vector and delete set), and only then deletes exactly what it merged.
   * Returns 'blocked' while the stored state has pending structs or a pending delete set.
   */
  compact(docId: string): Promise<'done' | 'blocked' | 'nothing'> {
    return this.withDocLock(docId, () => this.compactUnlocked(docId))
  }

  private async compactUnlocked(docId: string): Promise<'done' | 'blocked' | 'nothing'> {
    const entry = this.catalog.get(docId)
    if (!entry || (entry.segments.length === 0 && entry.hotRows.length === 0)) return 'nothing'
    const { hot, cold } = this.options
    const merged = { snapshot: entry.snapshot, segments: [...entry.segments], rows: [...entry.hotRows] }
    const doc = new Y.Doc()
    const [snapshot, segments, rows] = await Promise.all([
      merged.snapshot ? this.loadSnapshot(merged.snapshot.key) : undefined,
      Promise.all(merged.segments.map((segment) => this.loadSegment(segment.key))),
      Promise.all(merged.rows.map((row) => hot.load(row.key))),
    ])
    const tail: Uint8Array[] = []
    for (const entries of segments) for (const { update } of entries) tail.push(update)
    for (const data of rows) {
      if (!data) throw new Error(`hot row of ${docId} vanished during compaction`)
      for (const { update } of decodeLogEntries(data)) tail.push(update)
    }
    Y.transact(doc, () => {
      if (snapshot) Y.applyUpdateV2(doc, snapshot)
      if (tail.length > 0) Y.applyUpdate(doc, mergeUpdatesInTree(tail))
    })
    if (hasPending(doc)) {
      doc.destroy()
      return 'blocked'
    }
    const through = Math.max(
      merged.snapshot?.through ?? 0,
      ...merged.segments.map((segment) => segment.last),
      ...merged.rows.map((row) => row.last),
    )
    const body = Y.encodeStateAsUpdateV2(doc)
    verifySnapshot(docId, doc, body)
    const key = coldKeys.snapshot(docId, through, await sha256Hex(body))
    await cold.commit({ save: [{ key, data: body }] })
    const newSnapshot: SnapshotRef = { key, through, bytes: body.length }
    const mergedRows = new Set(merged.rows.map((row) => row.key))
    const keptSegments = entry.segments.filter((segment) => segment.first > through)
    const index: DocIndex = { lastSeq: entry.lastSeq, snapshot: newSnapshot, segments: keptSegments }
    await hot.commit({
      save: [{ key: hotKeys.index(docId), data: encodeDocIndex(index) }],
      remove: [...mergedRows],
    })
    this.account(entry, () => {
      entry.snapshot = newSnapshot
      entry.segments = keptSegments
      entry.hotRows = entry.hotRows.filter((row) => !mergedRows.has(row.key))
    })
    if (entry.hotRows.length === 0) entry.oldestHotAt = undefined
    // Cold objects merged into the snapshot: the listed ones, and any orphan of an interrupted flush
    // or compaction whose entries are covered too.
    const obsolete = (await cold.listKeys(coldKeys.docPrefix(docId))).filter((coldKey) => {
      const parsed = parseColdKey(coldKey)
      if (!parsed || coldKey === key) return false
      return parsed.kind === 'segment' ? parsed.last <= through : parsed.through <= through
    })
    if (obsolete.length > 0) await cold.commit({ remove: obsolete })
    doc.destroy()
    this.stats.compactions++
    return 'done'
  }
}

function catalogEntry(catalog: Map<string, CatalogEntry>, docId: string): CatalogEntry {
  let entry = catalog.get(docId)
  if (!entry) catalog.set(docId, (entry = { lastSeq: 0, segments: [], hotRows: [] }))
  return entry
}

export function hasPending(doc: Y.Doc): boolean {
  return doc.store.pendingStructs !== null || doc.store.pendingDs !== null
}

/**
 * A snapshot that lost deletions has the same state vector: compare the delete set too. Throws
 * {@link IntegrityError} unless `body` (a V2 update) reproduces `source` exactly.
 */
export function verifySnapshot(docId: string, source: Y.Doc, body: Uint8Array): void {
  const check = new Y.Doc()
  try {
    Y.applyUpdateV2(check, body)
    if (hasPending(check) || !Y.equalSnapshots(Y.snapshot(source), Y.snapshot(check))) {
      throw new IntegrityError(`snapshot of ${docId} does not reproduce the merged state; compaction aborted`)
    }
  } finally {
    check.destroy()
  }
}

/** What the catalog accounts for one document: its snapshot, segments and hot rows. */
function bytesOf(entry: CatalogEntry): number {
  let bytes = entry.snapshot?.bytes ?? 0
  for (const segment of entry.segments) bytes += segment.bytes
  for (const row of entry.hotRows) bytes += row.bytes
  return bytes
}

/**
 * The vault's lineage: read from hot storage, else from cold (hot was lost and is being rebuilt from it:
 * same history), else minted — only when neither holds one. Cold is written first, so a crash between
 * the two writes leaves it where the next open finds it.
 */
async function openLineage(hot: StorageAdapter, cold: StorageAdapter): Promise<string> {
  const inHot = await hot.load(hotKeys.lineage)
  if (inHot) return new TextDecoder().decode(inHot)
  const inCold = await cold.load(coldKeys.lineage)
  const data = inCold ?? new TextEncoder().encode(createRandomId())
  if (!inCold) await cold.commit({ save: [{ key: coldKeys.lineage, data }] })
  await hot.commit({ save: [{ key: hotKeys.lineage, data }] })
  return new TextDecoder().decode(data)
}

function createRandomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(9))
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_')
}

/**
 * Disaster recovery: recreates every document's hot index from cold storage alone (newest snapshot,
 * segments after it). Used when hot storage is empty; the caller then starts a new epoch.
 */
async function rebuildIndexFromCold(hot: StorageAdapter, cold: StorageAdapter): Promise<void> {
  const byDoc = new Map<string, { snapshot?: SnapshotRef; segments: SegmentRef[] }>()
  for (const key of await cold.listKeys(coldKeys.docsPrefix)) {
    const parsed = parseColdKey(key)
    if (!parsed) continue
    let doc = byDoc.get(parsed.docId)
    if (!doc) byDoc.set(parsed.docId, (doc = { segments: [] }))
    if (parsed.kind === 'snapshot') {
      if (!doc.snapshot || parsed.through > doc.snapshot.through) doc.snapshot = { key, through: parsed.through, bytes: 0 }
    } else {
      doc.segments.push({ key, first: parsed.first, last: parsed.last, bytes: 0 })
    }
  }
  const save: StorageChunk[] = []
  for (const [docId, doc] of byDoc) {
    const through = doc.snapshot?.through ?? 0
    const segments = doc.segments.filter((segment) => segment.last > through).sort((a, b) => a.first - b.first)
    const lastSeq = Math.max(through, ...segments.map((segment) => segment.last))
    save.push({ key: hotKeys.index(docId), data: encodeDocIndex({ lastSeq, snapshot: doc.snapshot, segments }) })
  }
  if (save.length > 0) await hot.commit({ save })
}

/** Rebuilds one document from cold storage alone (the recovery path, and what tests compare against). */
export async function loadDocFromCold(cold: StorageAdapter, docId: string): Promise<Y.Doc> {
  let snapshot: { key: string; through: number; sha: string } | undefined
  const segments: Array<{ key: string; first: number; last: number; sha: string }> = []
  for (const key of await cold.listKeys(coldKeys.docPrefix(docId))) {
    const parsed = parseColdKey(key)
    if (parsed?.kind === 'snapshot' && (!snapshot || parsed.through > snapshot.through)) snapshot = { key, ...parsed }
    if (parsed?.kind === 'segment') segments.push({ key, ...parsed })
  }
  const doc = new Y.Doc()
  if (snapshot) {
    const data = await cold.load(snapshot.key)
    if (!data) throw new IntegrityError(`snapshot ${snapshot.key} vanished`)
    await verifySha256(snapshot.key, data, snapshot.sha)
    Y.applyUpdateV2(doc, data)
  }
  const through = snapshot?.through ?? 0
  for (const segment of segments.filter((s) => s.last > through).sort((a, b) => a.first - b.first)) {
    const data = await cold.load(segment.key)
    if (!data) throw new IntegrityError(`segment ${segment.key} vanished`)
    await verifySha256(segment.key, data, segment.sha)
    for (const { update } of decodeSegment(data)) Y.applyUpdate(doc, update)
  }
  return doc
}
