// Creating a file or folder at a path: one transaction that also creates the missing parent folders.

import type * as Y from 'yjs'
import { allocateIds, createFolders, planFolders } from './ensureFolders.ts'
import type { EntryKind } from './EntryKind.ts'
import { createFileId, isFileId, type FileId } from './FileId.ts'
import { kindForPath } from './kindForPath.ts'
import { normalizePath, splitPath } from './normalizePath.ts'
import { resolveInIndex } from './resolvePath.ts'
import { TreeError, TreeErrorCode } from './TreeError.ts'
import { createTreeIndex } from './TreeIndex.ts'
import { TREE_ORIGIN } from './treeSchema.ts'
import { writeNewEntry } from './writeEntry.ts'

export interface CreateEntryOptions {
  readonly path: string
  /** Default: `kindForPath` (text for the vault's text extensions, else binary). */
  readonly kind?: EntryKind
  /** Default: a fresh `createFileId()`. */
  readonly id?: FileId
  /** ms since epoch, stored as `created` and `modified`. */
  readonly now: number
  readonly size?: number
  readonly hash?: string
  /** Id generator for the entry and missing folders (tests pass a seeded one). Default `createFileId`. */
  readonly createId?: () => FileId
  /** Transaction origin. Default `TREE_ORIGIN`. */
  readonly origin?: unknown
}

/**
 * Creates an entry and any missing parent folders; returns its id.
 * Throws `TreeError`: `INVALID_PATH` (root, '..'), `INVALID_ID`, `ID_TAKEN`, `PATH_TAKEN` (a live entry
 * already has this NFC path), `NOT_A_FOLDER` (a parent segment is a file).
 * @example const id = createEntry(tree, { path: 'Daily/2026-11-27.md', now: Date.now() })
 */
export function createEntry(tree: Y.Doc, options: CreateEntryOptions): FileId {
  const path = normalizePath(options.path)
  const segments = splitPath(path)
  const name = segments.pop()
  if (name === undefined) throw new TreeError(TreeErrorCode.InvalidPath, 'cannot create the vault root')
  const createId = options.createId ?? createFileId
  const index = createTreeIndex(tree)
  if (options.id !== undefined) {
    if (!isFileId(options.id)) throw new TreeError(TreeErrorCode.InvalidId, `invalid file id ${JSON.stringify(options.id)}`)
    if (index.records.has(options.id)) throw new TreeError(TreeErrorCode.IdTaken, `file id ${options.id} is already in use`)
  }
  if (resolveInIndex(index, [...segments, name]) !== undefined) {
    throw new TreeError(TreeErrorCode.PathTaken, `${JSON.stringify(path)} already exists`)
  }
  const kind = options.kind ?? kindForPath(tree, path)
  const plan = planFolders(index, segments)
  const folderIds = allocateIds(tree, plan.missing.length, createId)
  const id = options.id ?? allocateIds(tree, 1, createId)[0]
  if (id === undefined || folderIds.includes(id)) throw new TreeError(TreeErrorCode.IdTaken, 'generated id is already in use')
  tree.transact(() => {
    const parent = createFolders(tree, plan, folderIds, options.now)
    writeNewEntry(tree, id, {
      parent,
      name,
      kind,
      now: options.now,
      ...(options.size !== undefined ? { size: options.size } : {}),
      ...(options.hash !== undefined ? { hash: options.hash } : {}),
    })
  }, options.origin ?? TREE_ORIGIN)
  return id
}
