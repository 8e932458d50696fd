// Undo of a delete: clears the tombstone of the entry, of the descendants deleted with it, and of
// tombstoned ancestors, so the restored file is reachable again. Optionally restores to another path.

import type * as Y from 'yjs'
import { descendantsOf } from './deleteEntry.ts'
import { allocateIds, createFolders, planFolders } from './ensureFolders.ts'
import { createFileId, type FileId } from './FileId.ts'
import { normalizePath, splitPath } from './normalizePath.ts'
import type { TreeWriteOptions } from './renameEntry.ts'
import { resolveInIndex } from './resolvePath.ts'
import { TreeError, TreeErrorCode } from './TreeError.ts'
import { createTreeIndex, type TreeIndex } from './TreeIndex.ts'
import { EntryField, ROOT_PARENT, TREE_ORIGIN } from './treeSchema.ts'
import { writeFields } from './writeEntry.ts'

export interface RestoreEntryOptions extends TreeWriteOptions {
  /** Restore to this path instead of the old one (missing folders are created). */
  readonly path?: string
}

/**
 * Restores tombstoned `id` in one transaction and returns the ids it un-tombstoned (empty when `id` is
 * live). Throws `TreeError`: `NOT_FOUND`, `PATH_TAKEN` (the old path, or an ancestor's, is now used by a
 * live entry: pass `path`), and for `path` the errors of `renameEntry`.
 * @example restoreEntry(tree, id, Date.now(), { path: 'Recovered/note.md' })
 */
export function restoreEntry(tree: Y.Doc, id: FileId, now: number, options: RestoreEntryOptions = {}): FileId[] {
  const index = createTreeIndex(tree)
  const record = index.records.get(id)
  if (record === undefined) throw new TreeError(TreeErrorCode.NotFound, `no entry ${id}`)
  if (record.deleted !== 0) {
    const together = descendantsOf(index, id).filter((child) => index.records.get(child)?.deleted === record.deleted)
    return options.path === undefined
      ? restoreInPlace(tree, index, id, together, now, options.origin)
      : restoreAt(tree, index, id, together, options.path, now, options)
  }
  return []
}

function restoreInPlace(tree: Y.Doc, index: TreeIndex, id: FileId, together: FileId[], now: number, origin: unknown): FileId[] {
  const chain: FileId[] = []
  const seen = new Set<FileId>()
  for (let current = index.records.get(id); current !== undefined && !seen.has(current.id); ) {
    seen.add(current.id)
    if (current.deleted !== 0) {
      const occupant = index.liveChild(current.parent, current.name)
      if (occupant !== undefined) {
        throw new TreeError(TreeErrorCode.PathTaken, `${JSON.stringify(index.pathOf(current.id))} is in use; restore to another path`)
      }
      chain.push(current.id)
    }
    current = current.parent === ROOT_PARENT ? undefined : index.records.get(current.parent)
  }
  const restored = [...chain.reverse(), ...together]
  tree.transact(() => {
    for (const target of restored) writeFields(tree, target, { [EntryField.Deleted]: 0, [EntryField.Modified]: now })
  }, origin ?? TREE_ORIGIN)
  return restored
}

function restoreAt(
  tree: Y.Doc,
  index: TreeIndex,
  id: FileId,
  together: FileId[],
  newPath: string,
  now: number,
  options: TreeWriteOptions,
): FileId[] {
  const segments = splitPath(normalizePath(newPath))
  const name = segments.pop()
  if (name === undefined) throw new TreeError(TreeErrorCode.InvalidPath, 'cannot restore to the vault root')
  if (resolveInIndex(index, [...segments, name]) !== undefined) {
    throw new TreeError(TreeErrorCode.PathTaken, `${JSON.stringify(newPath)} already exists`)
  }
  // Folders on the way are reached from the root through live entries, so none is inside tombstoned `id`.
  const plan = planFolders(index, segments)
  const folderIds = allocateIds(tree, plan.missing.length, options.createId ?? createFileId)
  const restored = [id, ...together]
  tree.transact(() => {
    const parent = createFolders(tree, plan, folderIds, now)
    writeFields(tree, id, { [EntryField.Parent]: parent, [EntryField.Name]: name })
    for (const target of restored) writeFields(tree, target, { [EntryField.Deleted]: 0, [EntryField.Modified]: now })
  }, options.origin ?? TREE_ORIGIN)
  return restored
}
