// The only place entry maps are created and fields written, so every writer agrees on the schema.

import * as Y from 'yjs'
import type { EntryKind } from './EntryKind.ts'
import type { FileId } from './FileId.ts'
import { EntryField, filesOf } from './treeSchema.ts'

export interface NewEntryFields {
  readonly parent: FileId | ''
  readonly name: string
  readonly kind: EntryKind
  readonly now: number
  readonly size?: number
  readonly hash?: string
}

/** Adds entry `id` to the `files` map; the caller runs inside a transaction and checked the id is free. */
export function writeNewEntry(tree: Y.Doc, id: FileId, fields: NewEntryFields): void {
  const entry = new Y.Map<unknown>()
  entry.set(EntryField.Parent, fields.parent)
  entry.set(EntryField.Name, fields.name)
  entry.set(EntryField.Kind, fields.kind)
  entry.set(EntryField.Created, fields.now)
  entry.set(EntryField.Modified, fields.now)
  entry.set(EntryField.Deleted, 0)
  if (fields.size !== undefined) entry.set(EntryField.Size, fields.size)
  if (fields.hash !== undefined) entry.set(EntryField.Hash, fields.hash)
  filesOf(tree).set(id, entry)
}

/** Writes fields of an existing entry, skipping values that are already equal (no empty Yjs items). */
export function writeFields(tree: Y.Doc, id: FileId, fields: Partial<Record<EntryField, unknown>>): void {
  const entry = filesOf(tree).get(id)
  if (!(entry instanceof Y.Map)) return
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || entry.get(key) === value) continue
    entry.set(key, value)
  }
}
