// Deleting leaves a tombstone (`deleted` = time) instead of removing the map key: the id stays known, a
// concurrent edit or move on another device lands on a restorable entry, and restore is a field write.

import type * as Y from 'yjs'
import type { FileId } from './FileId.ts'
import { TreeError, TreeErrorCode } from './TreeError.ts'
import { createTreeIndex, type TreeIndex } from './TreeIndex.ts'
import { EntryField, tombstoneAt, TREE_ORIGIN } from './treeSchema.ts'
import { writeFields } from './writeEntry.ts'

/**
 * Tombstones `id` and, for a folder, every live descendant, in one transaction. Returns the ids it
 * tombstoned (empty when `id` was already deleted). Throws `TreeError` `NOT_FOUND`.
 * @example deleteEntry(tree, folderId, Date.now())
 */
export function deleteEntry(tree: Y.Doc, id: FileId, now: number, origin: unknown = TREE_ORIGIN): FileId[] {
  const index = createTreeIndex(tree)
  const record = index.records.get(id)
  if (record === undefined) throw new TreeError(TreeErrorCode.NotFound, `no entry ${id}`)
  if (record.deleted !== 0) return []
  const doomed = [id, ...descendantsOf(index, id).filter((child) => index.records.get(child)?.deleted === 0)]
  tree.transact(() => {
    for (const target of doomed) writeFields(tree, target, { [EntryField.Deleted]: tombstoneAt(now) })
  }, origin)
  return doomed
}

/** All descendants of `id` (live and tombstoned), parents before children, guarded against cycles. */
export function descendantsOf(index: TreeIndex, id: FileId): FileId[] {
  const result: FileId[] = []
  const seen = new Set<FileId>([id])
  const queue: FileId[] = [id]
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const child of index.children(next)) {
      if (seen.has(child)) continue
      seen.add(child)
      result.push(child)
      queue.push(child)
    }
  }
  return result
}
