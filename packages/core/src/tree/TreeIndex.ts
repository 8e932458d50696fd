// One pass over the `files` map into lookup tables (children by parent, derived paths). Built per call:
// a tree holds thousands of entries, not millions, and a fresh index can never be stale.

import type * as Y from 'yjs'
import type { FileId } from './FileId.ts'
import { compareByAge, readEntryRecord, type EntryRecord } from './TreeEntry.ts'
import { filesOf, ROOT_PARENT } from './treeSchema.ts'

export interface TreeIndex {
  readonly records: ReadonlyMap<FileId, EntryRecord>
  /** Ids of all entries (live and tombstoned) whose `parent` is `parent`, sorted by id. */
  children(parent: FileId | ''): readonly FileId[]
  /**
   * The derived path. Before the server repaired a concurrent move cycle or a missing parent, the chain
   * is cut where it breaks, so this never loops or throws.
   */
  pathOf(id: FileId): string | undefined
  /** The live child of `parent` named `name` (NFC); among duplicates the oldest, as repair would pick. */
  liveChild(parent: FileId | '', name: string): EntryRecord | undefined
}

export function createTreeIndex(tree: Y.Doc): TreeIndex {
  const records = new Map<FileId, EntryRecord>()
  const children = new Map<string, FileId[]>()
  filesOf(tree).forEach((value, key) => {
    const record = readEntryRecord(key, value)
    if (record === undefined) return
    records.set(record.id, record)
    const siblings = children.get(record.parent)
    if (siblings === undefined) children.set(record.parent, [record.id])
    else siblings.push(record.id)
  })
  for (const siblings of children.values()) siblings.sort()

  const paths = new Map<FileId, string>()
  const pathOf = (id: FileId): string | undefined => {
    const cached = paths.get(id)
    if (cached !== undefined) return cached
    const record = records.get(id)
    if (record === undefined) return undefined
    const names: string[] = []
    const seen = new Set<FileId>()
    let current: EntryRecord | undefined = record
    while (current !== undefined && !seen.has(current.id)) {
      seen.add(current.id)
      names.push(current.name)
      current = current.parent === ROOT_PARENT ? undefined : records.get(current.parent)
    }
    const path = names.reverse().join('/')
    paths.set(id, path)
    return path
  }

  const liveChild = (parent: FileId | '', name: string): EntryRecord | undefined => {
    const wanted = name.normalize('NFC')
    let best: EntryRecord | undefined
    for (const childId of children.get(parent) ?? []) {
      const child = records.get(childId)
      if (child === undefined || child.deleted !== 0 || child.name.normalize('NFC') !== wanted) continue
      if (best === undefined || compareByAge(child, best) < 0) best = child
    }
    return best
  }

  return { records, children: (parent) => children.get(parent) ?? [], pathOf, liveChild }
}
