// File metadata (size, content hash of a binary) lives on the tree entry as plain fields, so a device
// learns that a blob changed from the tree alone.

import type * as Y from 'yjs'
import type { FileId } from './FileId.ts'
import { TreeError, TreeErrorCode } from './TreeError.ts'
import { EntryField, filesOf, TREE_ORIGIN } from './treeSchema.ts'
import { writeFields } from './writeEntry.ts'

export interface EntryMeta {
  readonly size?: number
  readonly hash?: string
}

/**
 * Sets the given metadata fields and `modified` in one transaction. Throws `TreeError` `NOT_FOUND`.
 * @example setEntryMeta(tree, id, { size: 5120, hash: 'sha256-…' }, Date.now())
 */
export function setEntryMeta(tree: Y.Doc, id: FileId, meta: EntryMeta, now: number, origin: unknown = TREE_ORIGIN): void {
  if (!filesOf(tree).has(id)) throw new TreeError(TreeErrorCode.NotFound, `no entry ${id}`)
  tree.transact(() => {
    writeFields(tree, id, { [EntryField.Size]: meta.size, [EntryField.Hash]: meta.hash, [EntryField.Modified]: now })
  }, origin)
}
