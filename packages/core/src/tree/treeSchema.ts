// Layout of the tree document (doc id `tree`): root map `files` (file id → entry map) and root map
// `config`. Each entry is its own Y.Map so concurrent writes to different fields (rename vs delete) merge.

import type * as Y from 'yjs'

export const TreeRoot = { Files: 'files', Config: 'config' } as const
export type TreeRoot = (typeof TreeRoot)[keyof typeof TreeRoot]

/** Field names of an entry map. The path is never stored: it is derived by walking `parent`. */
export const EntryField = {
  /** Folder id, or '' for the vault root. */
  Parent: 'parent',
  /** One NFC path segment. */
  Name: 'name',
  Kind: 'kind',
  Created: 'created',
  Modified: 'modified',
  /** Tombstone: ms timestamp of the delete; absent or 0 while live. */
  Deleted: 'deleted',
  Size: 'size',
  Hash: 'hash',
} as const
export type EntryField = (typeof EntryField)[keyof typeof EntryField]

/** The parent id of entries at the vault root. */
export const ROOT_PARENT = ''

export function filesOf(tree: Y.Doc): Y.Map<unknown> {
  return tree.getMap<unknown>(TreeRoot.Files)
}

export function configOf(tree: Y.Doc): Y.Map<unknown> {
  return tree.getMap<unknown>(TreeRoot.Config)
}

/** Origin of tree transactions made by this module when the caller passes none. */
export const TREE_ORIGIN = 'amber-tree'

/** The `deleted` value for a delete at `now`; never 0, which means live. */
export function tombstoneAt(now: number): number {
  return now > 0 ? now : 1
}
