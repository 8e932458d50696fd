// mkdir -p inside the tree: creating or moving to `a/b/c.md` creates missing folders `a` and `a/b` in the
// same transaction, so a device never publishes a file whose folder does not exist yet. Planning is
// separate from writing so a refused operation throws before its transaction opens (no empty update).

import type * as Y from 'yjs'
import { EntryKind } from './EntryKind.ts'
import { isFileId, type FileId } from './FileId.ts'
import type { EntryRecord } from './TreeEntry.ts'
import { TreeError, TreeErrorCode } from './TreeError.ts'
import type { TreeIndex } from './TreeIndex.ts'
import { filesOf, ROOT_PARENT } from './treeSchema.ts'
import { writeNewEntry } from './writeEntry.ts'

export interface FolderPlan {
  /** Deepest existing live folder on the way ('' for the root). */
  readonly existing: FileId | ''
  /** Segments below it that must be created. */
  readonly missing: readonly string[]
}

/** Resolves the folder segments; throws `NOT_A_FOLDER` when one of them is a live file. */
export function planFolders(index: TreeIndex, segments: readonly string[]): FolderPlan {
  let parent: FileId | '' = ROOT_PARENT
  for (const [position, segment] of segments.entries()) {
    const existing: EntryRecord | undefined = index.liveChild(parent, segment)
    if (existing === undefined) return { existing: parent, missing: segments.slice(position) }
    if (existing.kind !== EntryKind.Folder) {
      throw new TreeError(TreeErrorCode.NotAFolder, `${JSON.stringify(index.pathOf(existing.id))} is not a folder`)
    }
    parent = existing.id
  }
  return { existing: parent, missing: [] }
}

/** Creates the planned folders with `ids` (one per missing segment) inside the caller's transaction. */
export function createFolders(tree: Y.Doc, plan: FolderPlan, ids: readonly FileId[], now: number): FileId | '' {
  let parent = plan.existing
  for (const [position, name] of plan.missing.entries()) {
    const id = ids[position]
    if (id === undefined) throw new Error('createFolders: one id per missing folder')
    writeNewEntry(tree, id, { parent, name, kind: EntryKind.Folder, now })
    parent = id
  }
  return parent
}

/** `count` generated ids not in use, checked before any write; a collision means a broken generator. */
export function allocateIds(tree: Y.Doc, count: number, createId: () => FileId): FileId[] {
  const files = filesOf(tree)
  const ids: FileId[] = []
  for (let i = 0; i < count; i++) {
    const id = createId()
    if (!isFileId(id)) throw new TreeError(TreeErrorCode.InvalidId, `generated id ${JSON.stringify(id)} is not a file id`)
    if (files.has(id) || ids.includes(id)) throw new TreeError(TreeErrorCode.IdTaken, `generated id ${id} is already in use`)
    ids.push(id)
  }
  return ids
}
