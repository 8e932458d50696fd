// The one interface every local store implements (IndexedDB in browsers, SQLite in Node, memory for
// tests). The SDK keeps a vault offline-first through it: documents, the outbox of updates not yet
// durably acknowledged, and the vault record (device id, cursor, next client sequence, lineage).
// A store is a dumb, durable key space: it never interprets Yjs updates, except to merge a document's
// updates when it compacts them.

import type { VaultCursor } from '@amber/protocol'

/** The vault-level record. */
export interface VaultRecord {
  /** Stable id of this replica; chosen once when the store is first used. */
  readonly deviceId: string
  /** The server cursor up to which every update has reached this store. */
  readonly cursor: VaultCursor
  /** The next client sequence number to assign (strictly increasing over the device's life). */
  readonly nextSeq: number
  /** The server's vault lineage this replica descends from; '' before the first Welcome. */
  readonly lineage: string
}

/** One local update waiting for the server's durable ack. */
export interface OutboxEntry {
  readonly seq: number
  readonly docId: string
  readonly update: Uint8Array
  /** A resend from the server's state vector covers every earlier entry of its document. */
  readonly supersedes: boolean
}

/**
 * One atomic write. Either every part of it is durable after `commit` resolves, or none is: a crash
 * between an outbox write and its document write must never lose or double an edit.
 *
 * Parts apply in field order: record, appendUpdates, replaceDocs, deleteDocs, putOutbox, deleteOutbox.
 * So a replace drops the same batch's appends to its document, a delete drops both, a deleted seq drops
 * its put, and within one list the last entry for a key wins. A batch with an invalid part (a docId that
 * is no string, an empty or non-Uint8Array update, a seq that is no positive safe integer) rejects
 * before anything is written. Updates are copied: the caller may reuse its buffers once `commit` returns.
 */
export interface StoreBatch {
  readonly record?: VaultRecord
  /** Updates appended to documents (V1 encoding); local and remote alike. */
  readonly appendUpdates?: ReadonlyArray<{ readonly docId: string; readonly update: Uint8Array }>
  /** Replaces a document's stored updates with one state (compaction, or a lineage reset). */
  readonly replaceDocs?: ReadonlyArray<{ readonly docId: string; readonly state: Uint8Array }>
  readonly deleteDocs?: readonly string[]
  readonly putOutbox?: readonly OutboxEntry[]
  readonly deleteOutbox?: readonly number[]
}

/** A binary's bytes kept for offline reads: one version per file. */
export interface CachedBinary {
  readonly version: string
  readonly bytes: Uint8Array
}

export interface LocalStore {
  /** The vault record, or undefined for a store never written. */
  readRecord(): Promise<VaultRecord | undefined>
  /** Ids of every stored document, sorted by UTF-16 code units (plain `Array.prototype.sort`). */
  listDocs(): Promise<string[]>
  /**
   * Every stored update of a document in append order (one entry after a replace, or after the store
   * compacted a long list); [] when unknown. Reads issued after a `commit` call see that batch.
   */
  readDoc(docId: string): Promise<Uint8Array[]>
  /** Every outbox entry, by ascending seq. */
  readOutbox(): Promise<OutboxEntry[]>
  /** Applies a batch atomically and durably. Batches commit in call order. */
  commit(batch: StoreBatch): Promise<void>
  /** Makes every committed batch durable now (a no-op for stores that are durable on commit). */
  flush(): Promise<void>
  /** Flushes and releases the store; no call after it. */
  close(): Promise<void>
  /**
   * Optional binary cache: the bytes last stored for a file, or undefined. The SDK stores only a head
   * version it verified as a whole, and serves `readFile` from it while that version is wanted.
   */
  getBinary?(fileId: string): Promise<CachedBinary | undefined>
  /** Replaces the file's cached bytes (bytes are copied). Not part of `commit`: a cache, not state. */
  putBinary?(fileId: string, version: string, bytes: Uint8Array): Promise<void>
}
