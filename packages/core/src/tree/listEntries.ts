// The whole tree as a flat, path-sorted list: what a client diffs against its file system.

import type * as Y from 'yjs'
import { toTreeEntry, type TreeEntry } from './TreeEntry.ts'
import { createTreeIndex } from './TreeIndex.ts'

export interface ListEntriesOptions {
  /** Also list tombstones. Default false. */
  readonly includeDeleted?: boolean
}

/** Entries sorted by path (UTF-16 code unit order), ties by id. Live entries only unless asked. */
export function listEntries(tree: Y.Doc, options: ListEntriesOptions = {}): TreeEntry[] {
  const index = createTreeIndex(tree)
  const entries: TreeEntry[] = []
  for (const record of index.records.values()) {
    if (record.deleted !== 0 && options.includeDeleted !== true) continue
    entries.push(toTreeEntry(record, index.pathOf(record.id) ?? record.name))
  }
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}
