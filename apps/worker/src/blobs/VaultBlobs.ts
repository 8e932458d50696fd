// The Durable Object's side of binaries (docs/binaries.md): the chunk index, pack reservations,
// commits and head decisions. The Worker does the data plane (hashing, pack bodies); this class only
// decides, so every decision about one vault happens in one place, in order.

import { ManifestError, decideHead, decodeManifest, distinctChunks, encodePack, readPackHeader, versionIdOf } from '@amber/blobs'
import type { CommitAnswer, HeadRecord, Manifest, VersionInfo } from '@amber/blobs'
import { EntryKind, isTreeError } from '@amber/core'
import type { FileId, RoomLogger } from '@amber/core'
import type { BlobConfig } from '../config.ts'
import type { BinaryRoom } from './BinaryRoom.ts'
import type { BlobCounts, BlobIndex, ChunkLocation } from './BlobIndex.ts'
import { blobKeys, createPackId } from './blobKeys.ts'
import { collectGarbage } from './collectGarbage.ts'

/** Which file a commit is for: by id (the chunk API, with the writer's base) or by path (PUT files). */
export type CommitTarget =
  | { readonly fileId: string; readonly base?: string }
  /** `ifMatch`: the head's sha256 the writer saw; the commit succeeds that head. */
  | { readonly path: string; readonly ifMatch?: string }

export type CommitOutcome =
  | { readonly kind: 'committed'; readonly fileId: string; readonly created: boolean; readonly answer: CommitAnswer }
  | { readonly kind: 'missing-chunks'; readonly missing: string[] }
  | { readonly kind: 'bad-manifest'; readonly message: string }
  | { readonly kind: 'file-not-found' }
  | { readonly kind: 'not-a-binary' }
  | { readonly kind: 'precondition-failed' }

export interface VaultBlobsOptions {
  readonly vaultId: string
  readonly index: BlobIndex
  readonly bucket: R2Bucket
  readonly config: BlobConfig
  readonly logger: RoomLogger
  readonly now?: () => number
  /** Asks the host's alarm for a wake (the room's scheduler). */
  readonly wakeAt: (at: number) => void
  /** Stored bytes changed: the host reports usage. */
  readonly onUsageChanged: () => void
}

/** Where a committed manifest's bytes are: still in hot storage, or a chunk of a pack in R2. */
export type ManifestSource = { readonly bytes: Uint8Array } | { readonly location: ChunkLocation }

/**
 * Manifests up to this size wait in DO SQLite and reach R2 together, in one pack per flush: a vault of
 * many small files then costs one R2 write per pack of chunks, not one more per file. Bigger ones (files
 * of roughly 100 MB and up) are written at once, each as a pack of its own.
 */
export const HOT_MANIFEST_MAX_BYTES = 128 * 1024
/** Hot manifests adding up to this are flushed at the next alarm, whatever their age. */
const HOT_MANIFESTS_FLUSH_BYTES = 4 * 1024 * 1024

/** After a maintenance run that could not finish (a corrupt pack, R2 down), wait this long before trying again. */
const MAINTENANCE_RETRY_MS = 10 * 60_000

export class VaultBlobs {
  readonly #options: VaultBlobsOptions
  readonly #index: BlobIndex
  readonly #now: () => number
  /** Commit decisions run one at a time: a head decision must see the head the previous commit chose. */
  #commits: Promise<unknown> = Promise.resolve()
  /** Heads decided whose write the room has not applied yet (it runs between frames). */
  readonly #decidedHeads = new Map<string, HeadRecord>()
  /** Maintenance does not run again before this (in memory: a wake only costs one extra attempt). */
  #maintenanceNotBefore = 0

  constructor(options: VaultBlobsOptions) {
    this.#options = options
    this.#index = options.index
    this.#now = options.now ?? Date.now
  }

  missing(hashes: readonly string[]): string[] {
    return this.#index.missing(hashes, this.#now())
  }

  locate(hashes: readonly string[]): { found: ChunkLocation[]; missing: string[] } {
    return this.#index.locate(hashes)
  }

  /** Reserves a pack id before its object is written, so GC can find an upload that died mid-put. */
  reservePack(bytes: number): string {
    const packId = createPackId()
    this.#index.reservePack(packId, bytes, this.#now())
    this.#scheduleMaintenance()
    return packId
  }

  /** Indexes a stored pack; undefined when its reservation expired (GC removed it), so the caller deletes the object. */
  registerPack(packId: string, entries: readonly Omit<ChunkLocation, 'packId'>[]): { stored: number; duplicates: number } | undefined {
    const result = this.#index.registerPack(packId, entries, this.#now())
    if (result !== undefined) {
      this.#scheduleMaintenance()
      this.#options.onUsageChanged()
    }
    return result
  }

  /** A committed manifest's bytes or place; undefined when no version has it. */
  manifestSource(version: string): ManifestSource | undefined {
    const bytes = this.#index.hotManifest(version)
    if (bytes !== undefined) return { bytes }
    if (!this.#index.hasManifest(version)) return undefined
    const location = this.#index.locate([version]).found[0]
    return location === undefined ? undefined : { location }
  }

  versions(fileId: string): VersionInfo[] {
    return this.#index.versions(fileId)
  }

  counts(): BlobCounts {
    return this.#index.counts()
  }

  /**
   * Commits run their decisions one at a time (each head decision sees the one before), but wait for
   * durability side by side: the heads of many commits then share one storage commit.
   */
  commit(room: BinaryRoom, target: CommitTarget, manifestBytes: Uint8Array): Promise<CommitOutcome> {
    const run = this.#commits.then(() => this.#commit(room, target, manifestBytes))
    this.#commits = run.catch(() => undefined) // a failed commit answers its caller; the next one still runs
    return run.then(async ({ outcome, durable }) => {
      await durable
      return outcome
    })
  }

  async #commit(room: BinaryRoom, target: CommitTarget, manifestBytes: Uint8Array): Promise<{ outcome: CommitOutcome; durable?: Promise<void> }> {
    const decided = await this.#decide(room, target, manifestBytes)
    if (decided.kind !== 'committed') return { outcome: decided }
    const { headChanged, entryDurable, ...outcome } = decided
    if (!headChanged) return { outcome, durable: entryDurable }
    const { fileId, answer } = outcome
    this.#decidedHeads.set(fileId, answer.head)
    const headDurable = room.setHead(fileId, answer.head).finally(() => {
      if (this.#decidedHeads.get(fileId) === answer.head) this.#decidedHeads.delete(fileId)
    })
    return { outcome, durable: Promise.all([entryDurable, headDurable]).then(() => undefined) }
  }

  /** The decision of one commit; a new file's entry is created here, and `entryDurable` says when it is stored. */
  async #decide(
    room: BinaryRoom,
    target: CommitTarget,
    manifestBytes: Uint8Array,
  ): Promise<Exclude<CommitOutcome, { kind: 'committed' }> | (Extract<CommitOutcome, { kind: 'committed' }> & { headChanged: boolean; entryDurable?: Promise<void> })> {
    let manifest
    try {
      manifest = decodeManifest(manifestBytes)
    } catch (error) {
      if (error instanceof ManifestError) return { kind: 'bad-manifest', message: error.message }
      throw error
    }
    const version = await versionIdOf(manifestBytes)
    const file = this.#resolveTarget(room, target)
    if ('kind' in file) return file
    const chunks = distinctChunks(manifest)
    // Touched now, so GC spares them while the manifest is written; checked again below, without a pause.
    const missing = this.#index.missing(chunks, this.#now())
    if (missing.length > 0) return { kind: 'missing-chunks', missing }
    const wrong = this.#wrongLength(manifest)
    if (wrong !== undefined) return { kind: 'bad-manifest', message: wrong }
    // A big manifest goes to R2 first, unreferenced (GC takes it if the commit fails below); a small one
    // is written to hot storage in the same synchronous step as its version row.
    const known = this.#index.hasManifest(version)
    const hot = manifestBytes.length <= HOT_MANIFEST_MAX_BYTES
    if (!known && !hot) await this.#storeManifests([{ version, bytes: manifestBytes }])
    // Creating the entry is decided now but stored alongside the head: commits need not wait on each other's storage.
    const ensured = file.fileId === undefined ? await ensureBinary(room, file.path) : undefined
    const fileId = file.fileId ?? ensured?.fileId
    if (fileId === undefined) return { kind: 'not-a-binary' }
    // From here to the head decision nothing awaits: GC cannot drop a chunk between the check and the references.
    const now = this.#now()
    const stillMissing = this.#index.missing(chunks, now)
    if (stillMissing.length > 0) return { kind: 'missing-chunks', missing: stillMissing }
    const summary = { version, sha256: manifest.sha256, size: manifest.size, mtime: manifest.mtime, device: manifest.device }
    const row = { ...summary, fileId, committedAt: now, manifestBytes: manifestBytes.length, ...(file.base === undefined ? {} : { base: file.base }) }
    if (!known && hot) this.#index.putHotManifest(version, manifestBytes, now)
    const added = this.#index.insertVersion(row, chunks)
    if (!known && !hot) this.#index.settleManifests([version])
    const decision = decideHead(this.#headOf(room, fileId), summary, file.base, now)
    if (added) this.#options.onUsageChanged()
    return {
      kind: 'committed',
      fileId,
      created: ensured !== undefined,
      answer: { version, head: decision.head, won: decision.won },
      headChanged: decision.changed,
      ...(ensured === undefined ? {} : { entryDurable: ensured.durable }),
    }
  }

  /** The head a decision must see: one decided but not yet in the heads document, else the document's. */
  #headOf(room: BinaryRoom, fileId: string): HeadRecord | undefined {
    return this.#decidedHeads.get(fileId) ?? room.getHead(fileId)
  }

  /** Why the manifest's chunk lengths disagree with the stored chunks, if they do: its size would lie. */
  #wrongLength(manifest: Manifest): string | undefined {
    const stored = new Map(this.#index.locate(distinctChunks(manifest)).found.map(({ hash, length }) => [hash, length]))
    for (const [hash, length] of manifest.chunks) {
      if (stored.get(hash) !== length) return `chunk ${hash} is ${stored.get(hash)} bytes, not ${length}`
    }
    return undefined
  }

  /** The file a commit goes to, or why it cannot: by id it must be a live binary; by path it may be new. */
  #resolveTarget(room: BinaryRoom, target: CommitTarget): { fileId?: FileId; path: string; base?: string } | Exclude<CommitOutcome, { kind: 'committed' }> {
    if ('fileId' in target) {
      const entry = room.entry(target.fileId as FileId)
      if (entry === undefined || entry.deleted !== undefined) return { kind: 'file-not-found' }
      if (entry.kind !== EntryKind.Binary) return { kind: 'not-a-binary' }
      return { fileId: entry.id, path: entry.path, ...(target.base === undefined ? {} : { base: target.base }) }
    }
    const entry = room.entryAt(target.path)
    if (entry === undefined) return target.ifMatch === undefined ? { path: target.path } : { kind: 'precondition-failed' }
    if (entry.kind !== EntryKind.Binary) return { kind: 'not-a-binary' }
    const head = this.#headOf(room, entry.id)
    if (target.ifMatch !== undefined && head?.sha256 !== target.ifMatch) return { kind: 'precondition-failed' }
    // A write through the files API replaces what is there: it succeeds the current head.
    return { fileId: entry.id, path: entry.path, ...(head === undefined ? {} : { base: head.version }) }
  }

  // ---- maintenance ----------------------------------------------------------------------------------

  /**
   * From the vault's alarm, which the room shares: runs maintenance when due, else asks again for its
   * wake (an earlier wake set for the room replaced it).
   */
  async alarm(): Promise<void> {
    if (this.#maintenanceDue()) await this.#runMaintenance()
    else this.#scheduleMaintenance()
  }

  #maintenanceDue(): boolean {
    const now = this.#now()
    const at = this.#nextMaintenanceAt(now)
    return at !== undefined && at <= now && now >= this.#maintenanceNotBefore
  }

  /** Manifest flush, GC or repack: whichever is due first. */
  #nextMaintenanceAt(now: number): number | undefined {
    const { gcGraceMs, repackBelow, manifestFlushMs } = this.#options.config
    const gc = this.#index.nextMaintenanceAt(gcGraceMs, repackBelow, now)
    const flush = this.#index.manifestFlushAt(manifestFlushMs, HOT_MANIFESTS_FLUSH_BYTES, now)
    return gc === undefined ? flush : flush === undefined ? gc : Math.min(gc, flush)
  }

  /** When due, writes the hot manifests to R2 as one pack, then lets go of their hot copies. */
  async #flushManifests(now: number): Promise<void> {
    const due = this.#index.manifestFlushAt(this.#options.config.manifestFlushMs, HOT_MANIFESTS_FLUSH_BYTES, now)
    if (due === undefined || due > now) return
    const hot = this.#index.hotManifests()
    await this.#storeManifests(hot)
    this.#index.settleManifests(hot.map(({ version }) => version))
  }

  /** Manifests as chunks of one new pack (a manifest is named by its SHA-256, like a chunk): reserved, written, registered. */
  async #storeManifests(manifests: readonly { version: string; bytes: Uint8Array }[]): Promise<void> {
    const { bucket, vaultId } = this.#options
    const pack = encodePack(manifests.map(({ version, bytes }) => ({ hash: version, bytes })))
    const packId = createPackId()
    this.#index.reservePack(packId, pack.length, this.#now())
    await bucket.put(blobKeys.pack(vaultId, packId), pack)
    this.#index.registerPack(packId, readPackHeader(pack)!.entries, this.#now())
  }

  /** GC and repacking (called from the alarm when due); asks for the next wake itself. */
  async #runMaintenance(): Promise<void> {
    const { vaultId, bucket, config, logger } = this.#options
    const now = this.#now()
    let complete = false
    try {
      await this.#flushManifests(now)
      complete = await collectGarbage({ vaultId, bucket, index: this.#index, config, logger, now })
    } catch (error) {
      // R2 failing, say: what is left is found again by the next run (see collectGarbage).
      logger.error('blob maintenance failed', { vaultId, error: String(error) })
    }
    if (!complete) this.#maintenanceNotBefore = now + MAINTENANCE_RETRY_MS
    this.#options.onUsageChanged()
    this.#scheduleMaintenance()
  }

  #scheduleMaintenance(): void {
    const at = this.#nextMaintenanceAt(this.#now())
    if (at !== undefined) this.#options.wakeAt(Math.max(at, this.#maintenanceNotBefore))
  }
}

/** The binary at `path`, created when the path is free; undefined when a note or folder took it meanwhile. */
async function ensureBinary(room: BinaryRoom, path: string): Promise<{ fileId: FileId; durable: Promise<void> } | undefined> {
  try {
    return await room.ensureBinaryEntry(path)
  } catch (error) {
    if (isTreeError(error)) return undefined
    throw error
  }
}
