// Id → path. Paths are never stored, so a folder rename moves every descendant at once.

import type * as Y from 'yjs'
import type { FileId } from './FileId.ts'
import { createTreeIndex } from './TreeIndex.ts'

/** The derived path of entry `id` (also for tombstones), or undefined when no such entry exists. */
export function pathOf(tree: Y.Doc, id: FileId): string | undefined {
  return createTreeIndex(tree).pathOf(id)
}
