// Path → id lookup, comparing each segment after NFC normalisation.

import type * as Y from 'yjs'
import { EntryKind } from './EntryKind.ts'
import type { FileId } from './FileId.ts'
import { normalizePath, splitPath } from './normalizePath.ts'
import { createTreeIndex, type TreeIndex } from './TreeIndex.ts'
import { ROOT_PARENT } from './treeSchema.ts'

/**
 * The id of the live entry at `path`, or undefined (also for the root, which has no id).
 * Throws a `TreeError` `INVALID_PATH` for a path with '..' segments.
 * @example resolvePath(tree, 'Daily/Cafe\u0301.md') // same id as 'Daily/Café.md'
 */
export function resolvePath(tree: Y.Doc, path: string): FileId | undefined {
  return resolveInIndex(createTreeIndex(tree), splitPath(normalizePath(path)))
}

export function resolveInIndex(index: TreeIndex, segments: readonly string[]): FileId | undefined {
  let parent: FileId | '' = ROOT_PARENT
  let found: FileId | undefined
  for (const [position, segment] of segments.entries()) {
    const child = index.liveChild(parent, segment)
    if (child === undefined) return undefined
    if (position < segments.length - 1 && child.kind !== EntryKind.Folder) return undefined
    parent = child.id
    found = child.id
  }
  return found
}
