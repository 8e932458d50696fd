// The visible name a losing entry gets when two entries claim one path: the user sees both and decides.

import { EntryKind } from './EntryKind.ts'
import type { FileId } from './FileId.ts'

/**
 * `Name (conflict <first 6 chars of id>).ext`; folders and extensionless names get no split; `attempt`
 * > 1 appends a counter for when that name is taken too.
 * @example conflictName('2026-11-27.md', 'text', 'abc123xyz' as FileId) // '2026-11-27 (conflict abc123).md'
 */
export function conflictName(name: string, kind: EntryKind, id: FileId, attempt = 1): string {
  const tag = attempt > 1 ? `(conflict ${id.slice(0, 6)} ${attempt})` : `(conflict ${id.slice(0, 6)})`
  const dot = kind === EntryKind.Folder ? -1 : name.lastIndexOf('.')
  return dot > 0 ? `${name.slice(0, dot)} ${tag}${name.slice(dot)}` : `${name} ${tag}`
}
