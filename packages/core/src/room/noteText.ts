// A note's text as the server reads and writes it: the Y.Text `content`, its ETag, and whole-text writes
// turned into minimal edits (fast-diff), so a plain HTTP PUT does not clobber what a live editor typed.

import diff from 'fast-diff'
import * as random from 'lib0/random'
import * as Y from 'yjs'
import { sha256Hex } from '../log/integrity.ts'

/** The Y.Text a note keeps its text in; the client SDK's NoteHandle and y-websocket editors bind the same. */
export const NOTE_TEXT = 'content'

export function noteTextOf(doc: Y.Doc): Y.Text {
  return doc.getText(NOTE_TEXT)
}

/** A note's ETag: the lowercase hex SHA-256 of its UTF-8 text. */
export function etagOf(text: string): Promise<string> {
  return sha256Hex(new TextEncoder().encode(text))
}

export interface TextEdit {
  readonly ops: readonly diff.Diff[]
  /** UTF-8 bytes the edit inserts (0 for a delete-only edit, which is allowed even at the quota). */
  readonly insertedBytes: number
}

/** The edit turning `from` into `to`; fast-diff without semantic cleanup changes the fewest characters. */
export function planTextEdit(from: string, to: string): TextEdit {
  const ops = diff(from, to)
  const encoder = new TextEncoder()
  let insertedBytes = 0
  for (const [op, chunk] of ops) if (op === diff.INSERT) insertedBytes += encoder.encode(chunk).length
  return { ops, insertedBytes }
}

/** Applies `edit`, planned against the note's current text, in one transaction. */
export function applyTextEdit(doc: Y.Doc, edit: TextEdit, origin: unknown): void {
  const text = noteTextOf(doc)
  doc.transact(() => {
    // Both fast-diff and Y.Text count UTF-16 code units.
    let at = 0
    for (const [op, chunk] of edit.ops) {
      if (op === diff.DELETE) {
        text.delete(at, chunk.length)
        continue
      }
      if (op === diff.INSERT) text.insert(at, chunk)
      at += chunk.length
    }
  }, origin)
}

/**
 * The update that edits `base` (a state served earlier) into `to`, made on a replica of the base with a
 * client id `live` has never seen: its operations sit where the writer saw the text, so merged into the
 * live document they keep every edit made since the base.
 *
 * Yjs caveat: the live document garbage-collects deleted content (gc: true). An insertion whose
 * neighbours were deleted and collected since the base has lost its anchor and may be dropped on merge.
 */
export function editFromBase(base: Uint8Array, to: string, live: Y.Doc): { update: Uint8Array; insertedBytes: number } {
  const replica = new Y.Doc()
  try {
    while (live.store.clients.has(replica.clientID)) replica.clientID = random.uint32()
    Y.applyUpdate(replica, base)
    const baseVector = Y.encodeStateVector(replica)
    const edit = planTextEdit(noteTextOf(replica).toString(), to)
    applyTextEdit(replica, edit, null)
    return { update: Y.encodeStateAsUpdate(replica, baseVector), insertedBytes: edit.insertedBytes }
  } finally {
    replica.destroy()
  }
}
