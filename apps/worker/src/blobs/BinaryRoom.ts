// What the binary and file code needs of the vault room (packages/core VaultRoom): the tree, the heads
// document and notes by path. Narrow, so the DO-side logic reads as what it touches.

import type { HeadRecord } from '@amber/blobs'
import type { FileId, TreeEntry } from '@amber/core'

export interface BinaryRoom {
  /** The live entry at `path`, or undefined. */
  entryAt(path: string): TreeEntry | undefined
  /** The entry `fileId`, live or tombstoned. */
  entry(fileId: FileId): TreeEntry | undefined
  /** The kind a new file at `path` would get (the vault's text extensions). */
  kindForPath(path: string): TreeEntry['kind']
  /** The binary at `path`, created when the path is free; resolves once decided, `durable` once stored. */
  ensureBinaryEntry(path: string): Promise<{ fileId: FileId; durable: Promise<void> }>
  getHead(fileId: string): HeadRecord | undefined
  /** Writes the head into the `heads` document (and the entry's size and hash); resolves once durable. */
  setHead(fileId: string, head: HeadRecord): Promise<void>
  readNote(fileId: FileId): Promise<{ text: string; etag: string }>
  writeNote(path: string, text: string, ifMatch?: string): Promise<{ fileId: FileId; etag: string; created: boolean }>
  deletePath(path: string): Promise<FileId | undefined>
}
