// A read-only snapshot of one tree entry, decoded defensively: the tree doc is written by every device,
// so a field of the wrong type reads as a safe default instead of throwing.

import * as Y from 'yjs'
import { EntryKind, isEntryKind } from './EntryKind.ts'
import { isFileId, type FileId } from './FileId.ts'
import { EntryField, ROOT_PARENT } from './treeSchema.ts'

/** An entry as stored, without its derived path. */
export interface EntryRecord {
  readonly id: FileId
  /** Folder id, or '' for the vault root. */
  readonly parent: FileId | ''
  readonly name: string
  readonly kind: EntryKind
  readonly created: number
  readonly modified: number
  /** Tombstone timestamp; 0 while live. */
  readonly deleted: number
  readonly size?: number
  readonly hash?: string
}

/** What `getEntry` and `listEntries` return. */
export interface TreeEntry {
  readonly id: FileId
  /** Derived by walking parents; NFC, '/'-separated, no leading '/'. */
  readonly path: string
  readonly kind: EntryKind
  readonly parent: FileId | ''
  readonly name: string
  readonly created: number
  readonly modified: number
  /** Present (ms timestamp) only for tombstoned entries. */
  readonly deleted?: number
  readonly size?: number
  readonly hash?: string
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback
}

/** Decodes one value of the `files` map; undefined when the key is not a file id or the value not a map. */
export function readEntryRecord(id: string, value: unknown): EntryRecord | undefined {
  if (!isFileId(id) || !(value instanceof Y.Map)) return undefined
  const parent = value.get(EntryField.Parent)
  const name = value.get(EntryField.Name)
  const kind = value.get(EntryField.Kind)
  const size = value.get(EntryField.Size)
  const hash = value.get(EntryField.Hash)
  return {
    id,
    parent: typeof parent === 'string' && isFileId(parent) ? parent : ROOT_PARENT,
    name: typeof name === 'string' ? name : '',
    kind: isEntryKind(kind) ? kind : EntryKind.Binary,
    created: numberOr(value.get(EntryField.Created), 0),
    modified: numberOr(value.get(EntryField.Modified), 0),
    deleted: numberOr(value.get(EntryField.Deleted), 0),
    ...(typeof size === 'number' ? { size } : {}),
    ...(typeof hash === 'string' ? { hash } : {}),
  }
}

export function toTreeEntry(record: EntryRecord, path: string): TreeEntry {
  const { deleted, ...rest } = record
  return { ...rest, path, ...(deleted !== 0 ? { deleted } : {}) }
}

/** The deterministic age order used everywhere a tie must be broken: older `created` first, then id. */
export function compareByAge(a: Pick<EntryRecord, 'created' | 'id'>, b: Pick<EntryRecord, 'created' | 'id'>): number {
  if (a.created !== b.created) return a.created < b.created ? -1 : 1
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}
