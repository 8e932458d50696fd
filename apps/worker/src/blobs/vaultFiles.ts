// The Durable Object's side of the plain HTTP files API: what is at a path, and writing a note by path.
// Answers are plain data (they cross the RPC boundary); expected refusals are values, not exceptions.

import type { HeadRecord } from '@amber/blobs'
import { EntryKind, NotePreconditionFailed, UpdateRejected, isTreeError } from '@amber/core'
import type { FileId } from '@amber/core'
import type { BinaryRoom } from './BinaryRoom.ts'

export type FileContent =
  | { readonly kind: 'missing' }
  | { readonly kind: 'text'; readonly text: string; readonly etag: string }
  | { readonly kind: 'binary'; readonly head: HeadRecord }

/** What a PUT at `path` writes: an existing entry decides, else the vault's text extensions. */
export type WriteTarget = { readonly kind: 'text' } | { readonly kind: 'binary'; readonly headSha256?: string } | { readonly kind: 'folder' }

export type NoteWrite =
  | { readonly kind: 'written'; readonly fileId: FileId; readonly etag: string; readonly created: boolean }
  | { readonly kind: 'precondition-failed' }
  | { readonly kind: 'bad-path'; readonly message: string }
  /** Past the note's or the vault's size limit (maxDocBytes, quotaBytes). */
  | { readonly kind: 'too-large'; readonly message: string }

/** The current content at `path`; a binary with no committed version yet reads as missing. */
export async function readFileAt(room: BinaryRoom, path: string): Promise<FileContent> {
  const entry = room.entryAt(path)
  switch (entry?.kind) {
    case EntryKind.Text:
      return { kind: 'text', ...(await room.readNote(entry.id)) }
    case EntryKind.Binary: {
      const head = room.getHead(entry.id)
      return head === undefined ? { kind: 'missing' } : { kind: 'binary', head }
    }
    default:
      return { kind: 'missing' }
  }
}

export function writeTargetAt(room: BinaryRoom, path: string): WriteTarget {
  const entry = room.entryAt(path)
  const kind = entry?.kind ?? room.kindForPath(path)
  switch (kind) {
    case EntryKind.Text:
      return { kind: 'text' }
    case EntryKind.Folder:
      return { kind: 'folder' }
    case EntryKind.Binary: {
      const head = entry === undefined ? undefined : room.getHead(entry.id)
      return head === undefined ? { kind: 'binary' } : { kind: 'binary', headSha256: head.sha256 }
    }
  }
}

export async function writeNoteAt(room: BinaryRoom, path: string, text: string, ifMatch: string | undefined): Promise<NoteWrite> {
  try {
    return { kind: 'written', ...(await room.writeNote(path, text, ifMatch)) }
  } catch (error) {
    if (error instanceof NotePreconditionFailed) return { kind: 'precondition-failed' }
    // A path through a note or a binary as if it were a folder, say.
    if (isTreeError(error)) return { kind: 'bad-path', message: error.message }
    if (error instanceof UpdateRejected) return { kind: 'too-large', message: error.message }
    throw error
  }
}
