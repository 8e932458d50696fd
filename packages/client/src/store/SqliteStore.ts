// The Node LocalStore: one SQLite file per vault through better-sqlite3, in WAL mode, one transaction per
// commit. better-sqlite3 is synchronous, so a commit is written before its promise settles, and commits
// run in call order without a queue.

import Database from 'better-sqlite3'
import type { LocalStore, OutboxEntry, StoreBatch, VaultRecord } from './LocalStore.ts'
import { compactThresholdOf, compactUpdates } from './compactUpdates.ts'
import type { LocalStoreOptions } from './compactUpdates.ts'
import { planBatch } from './planBatch.ts'
import type { BatchPlan } from './planBatch.ts'

export type { LocalStore, OutboxEntry, StoreBatch, VaultRecord } from './LocalStore.ts'
export type { LocalStoreOptions } from './compactUpdates.ts'
export { DEFAULT_COMPACT_THRESHOLD } from './compactUpdates.ts'

export interface SqliteStoreOptions extends LocalStoreOptions {
  /**
   * SQLite's `synchronous` setting. `'full'` (default) syncs the WAL on every commit: a resolved commit
   * survives a process kill, an OS crash and a power cut. `'normal'` syncs only at checkpoints and on
   * `flush()`: a resolved commit survives a process kill, but an OS crash or power cut may lose commits
   * made since the last checkpoint (at most ~4 MB of WAL; `flush()` checkpoints). Measured on a 2-core
   * VM, a keystroke-sized commit takes 0.2 ms under 'full' and 0.02 ms under 'normal' (medians).
   */
  readonly synchronous?: 'full' | 'normal'
}

/** Bumped when the tables change; a file from a newer SDK is refused rather than misread. */
const SCHEMA_VERSION = 1

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS record (
    id INTEGER PRIMARY KEY CHECK (id = 0),
    device_id TEXT NOT NULL,
    cursor_epoch TEXT NOT NULL,
    cursor_seq INTEGER NOT NULL,
    next_seq INTEGER NOT NULL,
    lineage TEXT NOT NULL
  );
  -- Append order is rowid order: a new rowid is always above every live one, so deletes never reorder a document.
  CREATE TABLE IF NOT EXISTS doc_update (id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL, data BLOB NOT NULL);
  CREATE INDEX IF NOT EXISTS doc_update_by_doc ON doc_update (doc_id, id);
  CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL,
    data BLOB NOT NULL,
    supersedes INTEGER NOT NULL
  );
`

interface RecordRow {
  device_id: string
  cursor_epoch: string
  cursor_seq: number
  next_seq: number
  lineage: string
}

interface OutboxRow {
  seq: number
  doc_id: string
  data: Buffer
  supersedes: number
}

/**
 * A LocalStore in one SQLite file (Node; needs the optional peer dependency `better-sqlite3` 12).
 * One process at a time should own a vault's file; a second one waits up to 5 s for each write lock.
 *
 * @example
 * ```ts
 * import { SqliteStore } from '@amber/client/store/sqlite'
 * const store = new SqliteStore('vault-123.sqlite') // or { synchronous: 'normal' } to trade a power-cut window for speed
 * await store.commit({ appendUpdates: [{ docId: 'notes/a.md', update }] })
 * await store.close()
 * ```
 */
export class SqliteStore implements LocalStore {
  readonly #db: Database.Database
  readonly #options: SqliteStoreOptions
  readonly #threshold: number
  readonly #synchronous: 'full' | 'normal'
  readonly #statements
  readonly #commit: (plan: BatchPlan) => void

  /** Opens (creating if needed) the store at `filename`; ':memory:' gives a private in-memory one. */
  constructor(filename: string, options: SqliteStoreOptions = {}) {
    this.#options = options
    this.#threshold = compactThresholdOf(options)
    this.#synchronous = options.synchronous ?? 'full'
    if (this.#synchronous !== 'full' && this.#synchronous !== 'normal') throw new RangeError("synchronous must be 'full' or 'normal'")
    const db = (this.#db = new Database(filename))
    try {
      db.pragma('busy_timeout = 5000')
      db.pragma('journal_mode = WAL')
      db.pragma(`synchronous = ${this.#synchronous === 'full' ? 'FULL' : 'NORMAL'}`)
      const version = db.pragma('user_version', { simple: true }) as number
      if (version > SCHEMA_VERSION) throw new Error(`${filename} has store schema ${version}; this SDK reads up to ${SCHEMA_VERSION}`)
      db.transaction(() => {
        db.exec(SCHEMA)
        db.pragma(`user_version = ${SCHEMA_VERSION}`)
      }).immediate()
    } catch (error) {
      db.close()
      throw error
    }
    this.#statements = {
      readRecord: db.prepare<[], RecordRow>('SELECT device_id, cursor_epoch, cursor_seq, next_seq, lineage FROM record WHERE id = 0'),
      writeRecord: db.prepare<[string, string, number, number, string]>(
        'INSERT OR REPLACE INTO record (id, device_id, cursor_epoch, cursor_seq, next_seq, lineage) VALUES (0, ?, ?, ?, ?, ?)',
      ),
      listDocs: db.prepare<[], string>('SELECT DISTINCT doc_id FROM doc_update').pluck(),
      readDoc: db.prepare<[string], Buffer>('SELECT data FROM doc_update WHERE doc_id = ? ORDER BY id').pluck(),
      countDoc: db.prepare<[string], number>('SELECT count(*) FROM doc_update WHERE doc_id = ?').pluck(),
      appendDoc: db.prepare<[string, Buffer]>('INSERT INTO doc_update (doc_id, data) VALUES (?, ?)'),
      deleteDoc: db.prepare<[string]>('DELETE FROM doc_update WHERE doc_id = ?'),
      readOutbox: db.prepare<[], OutboxRow>('SELECT seq, doc_id, data, supersedes FROM outbox ORDER BY seq'),
      putOutbox: db.prepare<[number, string, Buffer, number]>('INSERT OR REPLACE INTO outbox (seq, doc_id, data, supersedes) VALUES (?, ?, ?, ?)'),
      deleteOutbox: db.prepare<[number]>('DELETE FROM outbox WHERE seq = ?'),
    }
    // IMMEDIATE takes the write lock up front, so a second process waits instead of failing mid-commit.
    const apply = db.transaction((plan: BatchPlan) => this.#apply(plan))
    this.#commit = (plan) => apply.immediate(plan)
  }

  async readRecord(): Promise<VaultRecord | undefined> {
    const row = this.#statements.readRecord.get()
    if (!row) return undefined
    return { deviceId: row.device_id, cursor: { epoch: row.cursor_epoch, seq: row.cursor_seq }, nextSeq: row.next_seq, lineage: row.lineage }
  }

  async listDocs(): Promise<string[]> {
    // Sorted here, not by SQLite: its BINARY order is UTF-8's, the other stores' is UTF-16's.
    return this.#statements.listDocs.all().sort()
  }

  async readDoc(docId: string): Promise<Uint8Array[]> {
    return this.#statements.readDoc.all(docId).map(toUint8Array)
  }

  async readOutbox(): Promise<OutboxEntry[]> {
    return this.#statements.readOutbox
      .all()
      .map((row) => ({ seq: row.seq, docId: row.doc_id, update: toUint8Array(row.data), supersedes: row.supersedes === 1 }))
  }

  async commit(batch: StoreBatch): Promise<void> {
    const plan = planBatch(batch)
    if (!plan.empty) this.#commit(plan)
  }

  async flush(): Promise<void> {
    // Under synchronous=NORMAL the WAL is synced only when checkpointed; FULL already synced every commit.
    if (this.#synchronous === 'normal') this.#db.pragma('wal_checkpoint(FULL)')
  }

  async close(): Promise<void> {
    if (!this.#db.open) return
    await this.flush()
    this.#db.close()
  }

  /** Runs inside the commit's transaction; a throw rolls all of it back. */
  #apply(plan: BatchPlan): void {
    const s = this.#statements
    const { record } = plan
    if (record) s.writeRecord.run(record.deviceId, record.cursor.epoch, record.cursor.seq, record.nextSeq, record.lineage)
    for (const [docId, { reset, updates }] of plan.docs) {
      if (reset) s.deleteDoc.run(docId)
      if (updates.length === 0) continue
      const count = reset ? 0 : (s.countDoc.get(docId) ?? 0)
      const merged =
        count + updates.length > this.#threshold
          ? compactUpdates(docId, [...(count > 0 ? s.readDoc.all(docId).map(toUint8Array) : []), ...updates], this.#options)
          : undefined
      if (merged && count > 0) s.deleteDoc.run(docId)
      for (const update of merged ? [merged] : updates) s.appendDoc.run(docId, toBuffer(update))
    }
    for (const [seq, entry] of plan.outbox) {
      if (entry) s.putOutbox.run(seq, entry.docId, toBuffer(entry.update), entry.supersedes ? 1 : 0)
      else s.deleteOutbox.run(seq)
    }
  }
}

/** A plain Uint8Array copy, so callers never hold a Buffer or share its memory. */
function toUint8Array(data: Buffer): Uint8Array {
  return new Uint8Array(data)
}

function toBuffer(data: Uint8Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength)
}
