// Rename and move are one operation: the same id gets a new `parent` and/or `name`, never delete + create,
// so the file's own doc, history and open editors survive. Descendants follow because paths are derived.

import type * as Y from 'yjs'
import { allocateIds, createFolders, planFolders } from './ensureFolders.ts'
import { createFileId, type FileId } from './FileId.ts'
import { normalizePath, splitPath } from './normalizePath.ts'
import { resolveInIndex } from './resolvePath.ts'
import { TreeError, TreeErrorCode } from './TreeError.ts'
import { createTreeIndex, type TreeIndex } from './TreeIndex.ts'
import { EntryField, ROOT_PARENT, TREE_ORIGIN } from './treeSchema.ts'
import { writeFields } from './writeEntry.ts'

export interface TreeWriteOptions {
  /** Id generator for folders created on the way. Default `createFileId`. */
  readonly createId?: () => FileId
  /** Transaction origin. Default `TREE_ORIGIN`. */
  readonly origin?: unknown
}

/**
 * Moves and/or renames live entry `id` to `newPath` in one transaction, creating missing parent folders.
 * Renaming to its own path is a no-op. Throws `TreeError`: `NOT_FOUND`, `DELETED`, `INVALID_PATH`,
 * `PATH_TAKEN`, `NOT_A_FOLDER`, `INVALID_MOVE` (a folder into itself or a descendant).
 * @example renameEntry(tree, folderId, 'Archive/2026', Date.now())
 */
export function renameEntry(tree: Y.Doc, id: FileId, newPath: string, now: number, options: TreeWriteOptions = {}): void {
  const path = normalizePath(newPath)
  const segments = splitPath(path)
  const name = segments.pop()
  if (name === undefined) throw new TreeError(TreeErrorCode.InvalidPath, 'cannot rename to the vault root')
  const index = createTreeIndex(tree)
  const record = index.records.get(id)
  if (record === undefined) throw new TreeError(TreeErrorCode.NotFound, `no entry ${id}`)
  if (record.deleted !== 0) throw new TreeError(TreeErrorCode.Deleted, `entry ${id} is deleted`)
  const occupant = resolveInIndex(index, [...segments, name])
  if (occupant === id) return
  if (occupant !== undefined) throw new TreeError(TreeErrorCode.PathTaken, `${JSON.stringify(path)} already exists`)
  const plan = planFolders(index, segments)
  if (isInside(index, plan.existing, id)) {
    throw new TreeError(TreeErrorCode.InvalidMove, `cannot move ${JSON.stringify(index.pathOf(id))} into itself`)
  }
  const folderIds = allocateIds(tree, plan.missing.length, options.createId ?? createFileId)
  tree.transact(() => {
    const parent = createFolders(tree, plan, folderIds, now)
    writeFields(tree, id, { [EntryField.Parent]: parent, [EntryField.Name]: name, [EntryField.Modified]: now })
  }, options.origin ?? TREE_ORIGIN)
}

/** True when folder `start` is `id` or one of its descendants. */
function isInside(index: TreeIndex, start: FileId | '', id: FileId): boolean {
  const seen = new Set<FileId>()
  let current = start === ROOT_PARENT ? undefined : index.records.get(start)
  while (current !== undefined && !seen.has(current.id)) {
    if (current.id === id) return true
    seen.add(current.id)
    current = current.parent === ROOT_PARENT ? undefined : index.records.get(current.parent)
  }
  return false
}
