// The vault's binary index in its Durable Object's SQLite: packs, where each chunk lives and how many
// versions reference it, and every committed version. One DO per vault, so a chunk hash known from
// another vault names nothing here. All blob SQL is in this file.

import { packHeaderBytes } from '@amber/blobs'
import type { VersionInfo } from '@amber/blobs'

/** Where one chunk's bytes are: a byte range of a pack object. */
export interface ChunkLocation {
  readonly hash: string
  readonly packId: string
  readonly offset: number
  readonly length: number
}

export interface PackRow {
  readonly id: string
  readonly bytes: number
  /** Bytes of the chunks the index still points at in this pack. */
  readonly liveBytes: number
  readonly createdAt: number
}

export interface VersionRow extends VersionInfo {
  readonly fileId: string
  readonly manifestBytes: number
}

/** Storage figures for the usage report and benchmarks. */
export interface BlobCounts {
  /** What binaries take: pack objects in R2 (reserved ones included) and manifests still in hot storage. */
  readonly binaryBytes: number
  readonly packBytes: number
  readonly hotManifestBytes: number
  /** Every committed manifest, wherever it is (most are chunks of packs, so inside `packBytes`). */
  readonly manifestBytes: number
  readonly chunks: number
  readonly packs: number
  readonly versions: number
  readonly r2Writes: number
}

const SCHEMA = [
  // A pack is 'pending' from its reservation until its object is stored and its chunks registered.
  `CREATE TABLE IF NOT EXISTS blob_packs (id TEXT PRIMARY KEY, state TEXT NOT NULL CHECK (state IN ('pending', 'live')),
     bytes INTEGER NOT NULL, live_bytes INTEGER NOT NULL, created_at INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS blob_chunks (hash TEXT PRIMARY KEY, pack_id TEXT NOT NULL, offset INTEGER NOT NULL,
     length INTEGER NOT NULL, refs INTEGER NOT NULL, touched_at INTEGER NOT NULL)`,
  'CREATE INDEX IF NOT EXISTS blob_chunks_by_pack ON blob_chunks (pack_id, offset)',
  'CREATE INDEX IF NOT EXISTS blob_chunks_unreferenced ON blob_chunks (touched_at) WHERE refs = 0',
  // Keyed by (version, file): two files may hold byte-identical manifests, each is a version of its own file.
  `CREATE TABLE IF NOT EXISTS blob_versions (version TEXT NOT NULL, file_id TEXT NOT NULL, sha256 TEXT NOT NULL,
     size INTEGER NOT NULL, mtime INTEGER NOT NULL, device TEXT NOT NULL, base TEXT, committed_at INTEGER NOT NULL,
     manifest_bytes INTEGER NOT NULL, PRIMARY KEY (version, file_id))`,
  'CREATE INDEX IF NOT EXISTS blob_versions_by_file ON blob_versions (file_id, committed_at)',
  'CREATE TABLE IF NOT EXISTS blob_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)',
  // Small manifests wait here (hot) until maintenance writes them to R2 together as one pack (cold).
  'CREATE TABLE IF NOT EXISTS blob_manifests_hot (version TEXT PRIMARY KEY, bytes BLOB NOT NULL, stored_at INTEGER NOT NULL)',
  // Binary bytes stored, kept by triggers so the usage report after every commit reads one row, not the index.
  `INSERT INTO blob_counters (name, value)
     SELECT 'binary_bytes', (SELECT COALESCE(SUM(bytes), 0) FROM blob_packs) + (SELECT COALESCE(SUM(LENGTH(bytes)), 0) FROM blob_manifests_hot)
     WHERE NOT EXISTS (SELECT 1 FROM blob_counters WHERE name = 'binary_bytes')`,
  ...(
    [
      ['blob_packs_added', 'INSERT ON blob_packs', '+ NEW.bytes'],
      ['blob_packs_deleted', 'DELETE ON blob_packs', '- OLD.bytes'],
      ['blob_manifests_hot_added', 'INSERT ON blob_manifests_hot', '+ LENGTH(NEW.bytes)'],
      ['blob_manifests_hot_deleted', 'DELETE ON blob_manifests_hot', '- LENGTH(OLD.bytes)'],
    ] as const
  ).map(([name, event, change]) => `CREATE TRIGGER IF NOT EXISTS ${name} AFTER ${event} BEGIN UPDATE blob_counters SET value = value ${change} WHERE name = 'binary_bytes'; END`),
]

type Row = Record<string, SqlStorageValue>

/**
 * A stored pack worth repacking: the pack a repack would write (a header for the live chunks, and their
 * bytes) is below the given share (`?`) of its size. Counting the header keeps a pack of a few tiny
 * chunks from being rewritten again and again for nothing.
 */
const SPARSE_PACK = `state = 'live' AND live_bytes > 0 AND ${packHeaderBytes(0)} + live_bytes
  + ${packHeaderBytes(1) - packHeaderBytes(0)} * (SELECT COUNT(*) FROM blob_chunks c WHERE c.pack_id = blob_packs.id) < bytes * ?`

export class BlobIndex {
  readonly #sql: SqlStorage

  constructor(sql: SqlStorage) {
    this.#sql = sql
    for (const statement of SCHEMA) sql.exec(statement)
  }

  /** The hashes not indexed; every indexed one is touched, so GC spares it while its upload goes on. */
  missing(hashes: Iterable<string>, now: number): string[] {
    const missing: string[] = []
    for (const hash of new Set(hashes)) {
      const touched = this.#sql.exec('UPDATE blob_chunks SET touched_at = ? WHERE hash = ? RETURNING hash', now, hash).toArray()
      if (touched.length === 0) missing.push(hash)
    }
    return missing
  }

  locate(hashes: Iterable<string>): { found: ChunkLocation[]; missing: string[] } {
    const found: ChunkLocation[] = []
    const missing: string[] = []
    for (const hash of hashes) {
      const row = this.#sql.exec<{ pack_id: string; offset: number; length: number }>('SELECT pack_id, offset, length FROM blob_chunks WHERE hash = ?', hash).toArray()[0]
      if (row === undefined) missing.push(hash)
      else found.push({ hash, packId: row.pack_id, offset: row.offset, length: row.length })
    }
    return { found, missing }
  }

  reservePack(packId: string, bytes: number, now: number): void {
    this.#sql.exec("INSERT INTO blob_packs (id, state, bytes, live_bytes, created_at) VALUES (?, 'pending', ?, 0, ?)", packId, bytes, now)
  }

  /**
   * Indexes a stored pack's chunks: new ones point into it (unreferenced until a version commits them),
   * ones already indexed elsewhere are duplicates and only touched. False when the reservation is gone.
   */
  registerPack(packId: string, entries: readonly Omit<ChunkLocation, 'packId'>[], now: number): { stored: number; duplicates: number } | undefined {
    const pack = this.#sql.exec("SELECT id FROM blob_packs WHERE id = ? AND state = 'pending'", packId).toArray()
    if (pack.length === 0) return undefined
    let stored = 0
    let liveBytes = 0
    // A hash listed twice in one pack is indexed at its first place; the second copy is a duplicate.
    const seen = new Set<string>()
    for (const { hash, offset, length } of entries) {
      if (seen.has(hash)) continue
      seen.add(hash)
      const row = this.#sql
        .exec<{ pack_id: string }>(
          'INSERT INTO blob_chunks (hash, pack_id, offset, length, refs, touched_at) VALUES (?, ?, ?, ?, 0, ?) ON CONFLICT (hash) DO UPDATE SET touched_at = excluded.touched_at RETURNING pack_id',
          hash,
          packId,
          offset,
          length,
          now,
        )
        .one()
      if (row.pack_id !== packId) continue
      stored++
      liveBytes += length
    }
    const duplicates = entries.length - stored
    this.#sql.exec("UPDATE blob_packs SET state = 'live', live_bytes = ? WHERE id = ?", liveBytes, packId)
    this.countR2Write()
    return { stored, duplicates }
  }

  hasManifest(version: string): boolean {
    return this.#sql.exec('SELECT 1 FROM blob_versions WHERE version = ? LIMIT 1', version).toArray().length > 0
  }

  /** Keeps a small manifest in hot storage until the next manifest flush. */
  putHotManifest(version: string, bytes: Uint8Array, now: number): void {
    this.#sql.exec('INSERT INTO blob_manifests_hot (version, bytes, stored_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', version, bytes, now)
  }

  hotManifest(version: string): Uint8Array | undefined {
    const row = this.#sql.exec<{ bytes: ArrayBuffer }>('SELECT bytes FROM blob_manifests_hot WHERE version = ?', version).toArray()[0]
    return row === undefined ? undefined : new Uint8Array(row.bytes)
  }

  hotManifests(): { version: string; bytes: Uint8Array }[] {
    return this.#sql
      .exec<{ version: string; bytes: ArrayBuffer }>('SELECT version, bytes FROM blob_manifests_hot ORDER BY stored_at, version')
      .toArray()
      .map(({ version, bytes }) => ({ version, bytes: new Uint8Array(bytes) }))
  }

  /** When hot manifests are due in R2: the oldest plus the flush delay, or now once they add up to `maxBytes`. */
  manifestFlushAt(flushAfterMs: number, maxBytes: number, now: number): number | undefined {
    const row = this.#sql.exec<{ oldest: number | null; bytes: number | null }>('SELECT MIN(stored_at) AS oldest, SUM(LENGTH(bytes)) AS bytes FROM blob_manifests_hot').one()
    if (row.oldest === null) return undefined
    return (row.bytes ?? 0) >= maxBytes ? now : row.oldest + flushAfterMs
  }

  /**
   * The flushed manifests are now chunks of a registered pack: each gets a reference that never goes
   * (versions are kept), and leaves hot storage.
   */
  settleManifests(versions: readonly string[]): void {
    for (const version of versions) {
      this.#sql.exec('UPDATE blob_chunks SET refs = refs + 1 WHERE hash = ?', version)
      this.#sql.exec('DELETE FROM blob_manifests_hot WHERE version = ?', version)
    }
  }

  /** Records a version; on a new row each distinct chunk gains one reference. False when it was already there. */
  insertVersion(row: VersionRow, chunks: readonly string[]): boolean {
    const inserted = this.#sql
      .exec(
        'INSERT INTO blob_versions (version, file_id, sha256, size, mtime, device, base, committed_at, manifest_bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING version',
        row.version,
        row.fileId,
        row.sha256,
        row.size,
        row.mtime,
        row.device,
        row.base ?? null,
        row.committedAt,
        row.manifestBytes,
      )
      .toArray()
    if (inserted.length === 0) return false
    for (const hash of new Set(chunks)) this.#sql.exec('UPDATE blob_chunks SET refs = refs + 1 WHERE hash = ?', hash)
    return true
  }

  /** A file's versions, newest commit first. */
  versions(fileId: string): VersionInfo[] {
    return this.#sql
      .exec<{ version: string; sha256: string; size: number; mtime: number; device: string; base: string | null; committed_at: number }>(
        'SELECT version, sha256, size, mtime, device, base, committed_at FROM blob_versions WHERE file_id = ? ORDER BY committed_at DESC, rowid DESC',
        fileId,
      )
      .toArray()
      .map(({ base, committed_at, ...rest }) => ({ ...rest, committedAt: committed_at, ...(base === null ? {} : { base }) }))
  }

  countR2Write(): void {
    this.#sql.exec("INSERT INTO blob_counters (name, value) VALUES ('r2_writes', 1) ON CONFLICT (name) DO UPDATE SET value = value + 1")
  }

  counts(): BlobCounts {
    const one = (query: string) => Number(this.#sql.exec<{ n: number | null }>(query).one().n ?? 0)
    return {
      binaryBytes: this.binaryBytes(),
      packBytes: one('SELECT SUM(bytes) AS n FROM blob_packs'),
      hotManifestBytes: one('SELECT SUM(LENGTH(bytes)) AS n FROM blob_manifests_hot'),
      manifestBytes: one('SELECT SUM(manifest_bytes) AS n FROM (SELECT DISTINCT version, manifest_bytes FROM blob_versions)'),
      chunks: one('SELECT COUNT(*) AS n FROM blob_chunks'),
      packs: one('SELECT COUNT(*) AS n FROM blob_packs'),
      versions: one('SELECT COUNT(*) AS n FROM blob_versions'),
      r2Writes: one("SELECT SUM(value) AS n FROM blob_counters WHERE name = 'r2_writes'"),
    }
  }

  /** Binary bytes stored for the vault: pack objects (reserved ones included) and hot manifests. */
  binaryBytes(): number {
    return this.#sql.exec<{ value: number }>("SELECT value FROM blob_counters WHERE name = 'binary_bytes'").one().value
  }

  // ---- garbage collection and repacking --------------------------------------------------------------

  /** Drops chunks no version references that were last touched at or before `cutoff`; returns how many. */
  dropUnreferenced(cutoff: number): number {
    this.#sql.exec(
      `UPDATE blob_packs SET live_bytes = live_bytes - (SELECT SUM(length) FROM blob_chunks c WHERE c.pack_id = blob_packs.id AND c.refs = 0 AND c.touched_at <= ?1)
       WHERE id IN (SELECT pack_id FROM blob_chunks WHERE refs = 0 AND touched_at <= ?1)`,
      cutoff,
    )
    return this.#sql.exec('DELETE FROM blob_chunks WHERE refs = 0 AND touched_at <= ? RETURNING hash', cutoff).toArray().length
  }

  /** Reservations older than `cutoff` whose upload never registered. */
  stalePendingPacks(cutoff: number): string[] {
    return this.#ids("SELECT id FROM blob_packs WHERE state = 'pending' AND created_at <= ?", cutoff)
  }

  /** Stored packs the index no longer points into. */
  deadPacks(): string[] {
    return this.#ids("SELECT id FROM blob_packs WHERE state = 'live' AND live_bytes <= 0")
  }

  /** Stored packs created at or before `cutoff` that a repack would shrink below `share` of their size. */
  sparsePacks(cutoff: number, share: number): PackRow[] {
    return this.#sql
      .exec<{ id: string; bytes: number; live_bytes: number; created_at: number }>(
        `SELECT id, bytes, live_bytes, created_at FROM blob_packs WHERE ${SPARSE_PACK} AND created_at <= ? ORDER BY created_at`,
        share,
        cutoff,
      )
      .toArray()
      .map((row) => ({ id: row.id, bytes: row.bytes, liveBytes: row.live_bytes, createdAt: row.created_at }))
  }

  chunksIn(packId: string): ChunkLocation[] {
    return this.#sql
      .exec<{ hash: string; offset: number; length: number }>('SELECT hash, offset, length FROM blob_chunks WHERE pack_id = ? ORDER BY offset', packId)
      .toArray()
      .map((row) => ({ ...row, packId }))
  }

  /** Points the chunks copied out of `from` at their place in the new (reserved) pack, which becomes live; `from` is left dead. */
  movePack(from: string, to: string, moved: readonly Omit<ChunkLocation, 'packId'>[]): void {
    let liveBytes = 0
    for (const { hash, offset, length } of moved) {
      const updated = this.#sql.exec('UPDATE blob_chunks SET pack_id = ?, offset = ? WHERE hash = ? AND pack_id = ? RETURNING hash', to, offset, hash, from).toArray()
      if (updated.length > 0) liveBytes += length
    }
    this.#sql.exec("UPDATE blob_packs SET state = 'live', live_bytes = ? WHERE id = ?", liveBytes, to)
    this.#sql.exec('UPDATE blob_packs SET live_bytes = 0 WHERE id = ?', from)
    this.countR2Write()
  }

  deletePack(packId: string): void {
    this.#sql.exec('DELETE FROM blob_packs WHERE id = ?', packId)
  }

  /**
   * When GC next has something to do: the oldest unreferenced chunk or reservation or sparse pack
   * reaching the grace, or now for a dead pack. Undefined when nothing is pending.
   */
  nextMaintenanceAt(graceMs: number, share: number, now: number): number | undefined {
    if (this.deadPacks().length > 0) return now
    const oldest = this.#sql
      .exec<{ at: number | null }>(
        `SELECT MIN(at) AS at FROM (
           SELECT MIN(touched_at) AS at FROM blob_chunks WHERE refs = 0
           UNION ALL SELECT MIN(created_at) FROM blob_packs WHERE state = 'pending'
           UNION ALL SELECT MIN(created_at) FROM blob_packs WHERE ${SPARSE_PACK})`,
        share,
      )
      .one().at
    return oldest === null ? undefined : oldest + graceMs
  }

  #ids(query: string, ...bindings: SqlStorageValue[]): string[] {
    return this.#sql.exec<Row & { id: string }>(query, ...bindings).toArray().map((row) => row.id)
  }
}
