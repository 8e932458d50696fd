// Snapshot of one entry by id, with its derived path.

import type * as Y from 'yjs'
import type { FileId } from './FileId.ts'
import { toTreeEntry, type TreeEntry } from './TreeEntry.ts'
import { createTreeIndex } from './TreeIndex.ts'

/** The entry `id` (live or tombstoned), or undefined when it does not exist. */
export function getEntry(tree: Y.Doc, id: FileId): TreeEntry | undefined {
  const index = createTreeIndex(tree)
  const record = index.records.get(id)
  return record === undefined ? undefined : toTreeEntry(record, index.pathOf(id) ?? record.name)
}
