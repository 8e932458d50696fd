// mkdir -p inside the tree: creating or moving to `a/b/c.md` creates missing folders `a` and `a/b` in the
// same transaction, so a device never publishes a file whose folder does not exist yet.

import type * as Y from 'yjs'
import { EntryKind } from './EntryKind.ts'
import { isFileId, type FileId } from './FileId.ts'
import { TreeError, TreeErrorCode } from './TreeError.ts'
import type { EntryRecord } from './TreeEntry.ts'
import type { TreeIndex } from './TreeIndex.ts'
import { filesOf, ROOT_PARENT } from './treeSchema.ts'
import { writeNewEntry } from './writeEntry.ts'

/** Returns the id of the folder at `segments` ('' for the root), creating the missing ones. */
export function ensureFolders(
  tree: Y.Doc,
  index: TreeIndex,
  segments: readonly string[],
  now: number,
  createId: () => FileId,
): FileId | '' {
  let parent: FileId | '' = ROOT_PARENT
  let creating = false
  for (const segment of segments) {
    const existing: EntryRecord | undefined = creating ? undefined : index.liveChild(parent, segment)
    if (existing !== undefined) {
      if (existing.kind !== EntryKind.Folder) {
        throw new TreeError(TreeErrorCode.NotAFolder, `${JSON.stringify(index.pathOf(existing.id))} is not a folder`)
      }
      parent = existing.id
      continue
    }
    creating = true
    const id = freshId(tree, createId)
    writeNewEntry(tree, id, { parent, name: segment, kind: EntryKind.Folder, now })
    parent = id
  }
  return parent
}

/** A generated id that is not in use; a collision means a broken generator, not bad luck. */
export function freshId(tree: Y.Doc, createId: () => FileId): FileId {
  const id = createId()
  if (!isFileId(id)) throw new TreeError(TreeErrorCode.InvalidId, `generated id ${JSON.stringify(id)} is not a file id`)
  if (filesOf(tree).has(id)) throw new TreeError(TreeErrorCode.IdTaken, `generated id ${id} is already in use`)
  return id
}
