// StorageAdapter over a Durable Object's SQLite storage: the room's hot tier (update log, metadata).
// A DO SQLite row holds at most 2 MB, so values are split into 1 MiB parts keyed by (key, part).

import type { StorageAdapter, StorageBatch, StorageChunk } from '@amber/core'
import { validateStorageBatch } from '@amber/core'
import { compareKeys } from './compareKeys.ts'
import { prefixUpperBound } from './prefixUpperBound.ts'

/** Largest part stored in one row; half the platform's 2 MB row limit leaves room for the key. */
export const SQLITE_PART_BYTES = 1024 * 1024

const TABLE = 'amber_kv'

interface PartRow extends Record<string, SqlStorageValue> {
  key: string
  part: number
  data: ArrayBuffer
}

export class DoSqliteStorageAdapter implements StorageAdapter {
  readonly #storage: DurableObjectStorage

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage
    storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS ${TABLE} (key TEXT NOT NULL, part INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (key, part))`,
    )
  }

  async load(key: string): Promise<Uint8Array | undefined> {
    const rows = this.#storage.sql.exec<PartRow>(`SELECT key, part, data FROM ${TABLE} WHERE key = ? ORDER BY part`, key).toArray()
    return rows.length === 0 ? undefined : joinParts(rows)
  }

  async loadRange(prefix: string): Promise<StorageChunk[]> {
    const chunks: StorageChunk[] = []
    let parts: PartRow[] = []
    for (const row of this.#rangeCursor<PartRow>('key, part, data', prefix)) {
      if (parts.length > 0 && parts[0]!.key !== row.key) {
        chunks.push({ key: parts[0]!.key, data: joinParts(parts) })
        parts = []
      }
      parts.push(row)
    }
    if (parts.length > 0) chunks.push({ key: parts[0]!.key, data: joinParts(parts) })
    // SQLite orders TEXT by UTF-8 bytes (code points); the contract promises UTF-16 code unit order.
    return chunks.sort((a, b) => compareKeys(a.key, b.key))
  }

  async listKeys(prefix: string): Promise<string[]> {
    const keys: string[] = []
    for (const row of this.#rangeCursor<{ key: string }>('key', prefix, 'part = 0')) keys.push(row.key)
    return keys.sort(compareKeys)
  }

  async commit(batch: StorageBatch): Promise<void> {
    const { saves, removes } = validateStorageBatch(batch)
    const sql = this.#storage.sql
    this.#storage.transactionSync(() => {
      for (const { key, data } of saves) {
        sql.exec(`DELETE FROM ${TABLE} WHERE key = ?`, key)
        // An empty value is still one (empty) part, so it loads as present.
        for (let part = 0, offset = 0; part === 0 || offset < data.byteLength; part++, offset += SQLITE_PART_BYTES) {
          const bytes = data.slice(offset, offset + SQLITE_PART_BYTES)
          sql.exec(`INSERT INTO ${TABLE} (key, part, data) VALUES (?, ?, ?)`, key, part, bytes.buffer)
        }
      }
      for (const key of removes) sql.exec(`DELETE FROM ${TABLE} WHERE key = ?`, key)
    })
    // Writes are durable once sync() resolves; only then may the room acknowledge them.
    await this.#storage.sync()
  }

  /** Rows whose key starts with `prefix`, by an index range rather than LIKE (`%` and `_` are wildcards there). */
  #rangeCursor<T extends Record<string, SqlStorageValue>>(columns: string, prefix: string, extra?: string): Iterable<T> {
    const where: string[] = []
    const args: string[] = []
    if (prefix !== '') {
      where.push('key >= ?')
      args.push(prefix)
      const upper = prefixUpperBound(prefix)
      if (upper !== undefined) {
        where.push('key < ?')
        args.push(upper)
      }
    }
    if (extra !== undefined) where.push(extra)
    const clause = where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`
    return this.#storage.sql.exec<T>(`SELECT ${columns} FROM ${TABLE} ${clause} ORDER BY key, part`, ...args)
  }
}

function joinParts(rows: readonly PartRow[]): Uint8Array {
  if (rows.length === 1) return new Uint8Array(rows[0]!.data)
  let size = 0
  for (const row of rows) size += row.data.byteLength
  const out = new Uint8Array(size)
  let offset = 0
  for (const row of rows) {
    out.set(new Uint8Array(row.data), offset)
    offset += row.data.byteLength
  }
  return out
}
