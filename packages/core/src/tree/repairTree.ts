// The server's fix-up pass after every tree update it integrates. Devices edit the tree offline, so
// concurrent creates, moves and deletes can produce duplicate paths, orphans and cycles; only the server
// repairs them, so replicas never race each other's fixes. Deterministic in the document state alone
// (sorted by stable fields, never by Yjs client ids) and idempotent: a second call returns [].

import * as Y from 'yjs'
import { conflictName } from './conflictName.ts'
import { EntryKind, isEntryKind } from './EntryKind.ts'
import { isFileId, type FileId } from './FileId.ts'
import { kindForPath } from './kindForPath.ts'
import { compareByAge } from './TreeEntry.ts'
import { EntryField, filesOf, ROOT_PARENT, tombstoneAt, TREE_ORIGIN } from './treeSchema.ts'
import { writeFields } from './writeEntry.ts'

export const TreeRepairType = {
  /** The stored name was not NFC or not a valid segment. */
  NormalizeName: 'normalize-name',
  /** The stored kind was not a known kind. */
  FixKind: 'fix-kind',
  /** The parent id named no entry (or was not an id): moved to the root. */
  MissingParent: 'missing-parent',
  /** The parent was a file: moved to the root. */
  NonFolderParent: 'non-folder-parent',
  /** Concurrent moves made a parent cycle: its smallest id moved to the root. */
  BreakCycle: 'break-cycle',
  /** A tombstoned ancestor of a live entry was restored (delete folder vs create inside it). */
  RestoreAncestor: 'restore-ancestor',
  /** Two live folders had one path: the younger's live children moved into the older; it was tombstoned. */
  MergeFolder: 'merge-folder',
  /** Two live entries had one path: the younger was renamed to a visible conflict name. */
  ConflictRename: 'conflict-rename',
} as const
export type TreeRepairType = (typeof TreeRepairType)[keyof typeof TreeRepairType]

export type TreeRepair =
  | { readonly type: typeof TreeRepairType.NormalizeName; readonly id: FileId; readonly from: unknown; readonly to: string }
  | { readonly type: typeof TreeRepairType.FixKind; readonly id: FileId; readonly from: unknown; readonly to: EntryKind }
  | { readonly type: typeof TreeRepairType.MissingParent; readonly id: FileId; readonly from: unknown }
  | { readonly type: typeof TreeRepairType.NonFolderParent; readonly id: FileId; readonly from: FileId }
  | { readonly type: typeof TreeRepairType.BreakCycle; readonly id: FileId; readonly from: FileId; readonly cycle: readonly FileId[] }
  | { readonly type: typeof TreeRepairType.RestoreAncestor; readonly id: FileId; readonly descendant: FileId }
  | { readonly type: typeof TreeRepairType.MergeFolder; readonly id: FileId; readonly into: FileId; readonly moved: readonly FileId[] }
  | {
      readonly type: typeof TreeRepairType.ConflictRename
      readonly id: FileId
      readonly winner: FileId
      readonly from: string
      readonly to: string
    }

/** The repair pass's working copy of one entry. */
interface Node {
  readonly id: FileId
  parent: FileId | ''
  name: string
  kind: EntryKind
  readonly created: number
  deleted: number
}

interface Stored {
  readonly parent: unknown
  readonly name: unknown
  readonly kind: unknown
  readonly deleted: number
}

/** Transaction origin of repair writes when the caller passes none. */
export const TREE_REPAIR_ORIGIN = 'amber-tree-repair'

/**
 * Fixes every structural conflict in one transaction and returns what it did (empty: nothing to fix).
 * Afterwards every live path is unique (NFC) and every live entry's ancestors are live folders.
 * @example for (const repair of repairTree(tree, Date.now())) log.info('tree repair', repair)
 */
export function repairTree(tree: Y.Doc, now: number, origin: unknown = TREE_REPAIR_ORIGIN): TreeRepair[] {
  const { nodes, stored } = snapshot(tree)
  const ids = [...nodes.keys()].sort()
  const repairs: TreeRepair[] = []
  sanitize(tree, nodes, stored, ids, repairs)
  fixParents(nodes, ids, repairs)
  breakCycles(nodes, ids, repairs)
  restoreAncestors(nodes, ids, repairs)
  resolveDuplicates(nodes, ids, tombstoneAt(now), repairs)
  if (repairs.length > 0) {
    tree.transact(() => {
      for (const id of ids) {
        const node = nodes.get(id)
        const before = stored.get(id)
        if (node === undefined || before === undefined) continue
        if (node.parent === before.parent && node.name === before.name && node.kind === before.kind && node.deleted === before.deleted) continue
        writeFields(tree, id, {
          [EntryField.Parent]: node.parent,
          [EntryField.Name]: node.name,
          [EntryField.Kind]: node.kind,
          [EntryField.Deleted]: node.deleted,
          [EntryField.Modified]: now,
        })
      }
    }, origin ?? TREE_ORIGIN)
  }
  return repairs
}

function snapshot(tree: Y.Doc): { nodes: Map<FileId, Node>; stored: Map<FileId, Stored> } {
  const nodes = new Map<FileId, Node>()
  const stored = new Map<FileId, Stored>()
  filesOf(tree).forEach((value, key) => {
    if (!isFileId(key) || !(value instanceof Y.Map)) return
    const created = value.get(EntryField.Created)
    const deletedValue = value.get(EntryField.Deleted)
    const deleted = typeof deletedValue === 'number' && Number.isFinite(deletedValue) ? deletedValue : 0
    const parent: unknown = value.get(EntryField.Parent)
    const name: unknown = value.get(EntryField.Name)
    const kind: unknown = value.get(EntryField.Kind)
    stored.set(key, { parent, name, kind, deleted })
    nodes.set(key, {
      id: key,
      parent: typeof parent === 'string' && isFileId(parent) ? parent : ROOT_PARENT,
      name: typeof name === 'string' ? name : '',
      kind: isEntryKind(kind) ? kind : EntryKind.Binary,
      created: typeof created === 'number' && Number.isFinite(created) ? created : 0,
      deleted,
    })
  })
  return { nodes, stored }
}

/** Names must be valid NFC segments, kinds known, parents ids (or ''): other devices may write junk. */
function sanitize(tree: Y.Doc, nodes: Map<FileId, Node>, stored: Map<FileId, Stored>, ids: readonly FileId[], repairs: TreeRepair[]): void {
  const hasChildren = new Set<FileId | ''>()
  for (const node of nodes.values()) hasChildren.add(node.parent)
  for (const id of ids) {
    const node = nodes.get(id)
    const before = stored.get(id)
    if (node === undefined || before === undefined) continue
    let name = node.name.normalize('NFC').replace(/[/\0]/g, '_')
    if (name === '' || name === '.' || name === '..') name = `Untitled ${id.slice(0, 6)}`
    if (name !== before.name) {
      node.name = name
      repairs.push({ type: TreeRepairType.NormalizeName, id, from: before.name, to: name })
    }
    if (!isEntryKind(before.kind)) {
      node.kind = hasChildren.has(id) ? EntryKind.Folder : kindForPath(tree, name)
      repairs.push({ type: TreeRepairType.FixKind, id, from: before.kind, to: node.kind })
    }
    if (node.parent !== before.parent) repairs.push({ type: TreeRepairType.MissingParent, id, from: before.parent })
  }
}

/** Every parent must be an existing folder, for tombstones too, so a later restore lands somewhere sane. */
function fixParents(nodes: Map<FileId, Node>, ids: readonly FileId[], repairs: TreeRepair[]): void {
  for (const id of ids) {
    const node = nodes.get(id)
    if (node === undefined || node.parent === ROOT_PARENT) continue
    const parent = nodes.get(node.parent)
    if (parent === undefined) {
      repairs.push({ type: TreeRepairType.MissingParent, id, from: node.parent })
      node.parent = ROOT_PARENT
    } else if (parent.kind !== EntryKind.Folder) {
      repairs.push({ type: TreeRepairType.NonFolderParent, id, from: node.parent })
      node.parent = ROOT_PARENT
    }
  }
}

/** Parents form a functional graph; each component has at most one cycle, cut at its smallest id. */
function breakCycles(nodes: Map<FileId, Node>, ids: readonly FileId[], repairs: TreeRepair[]): void {
  const done = new Set<FileId>()
  for (const start of ids) {
    const path: FileId[] = []
    const onPath = new Set<FileId>()
    let current: Node | undefined = nodes.get(start)
    while (current !== undefined && !done.has(current.id) && !onPath.has(current.id)) {
      path.push(current.id)
      onPath.add(current.id)
      current = current.parent === ROOT_PARENT ? undefined : nodes.get(current.parent)
    }
    if (current !== undefined && onPath.has(current.id)) {
      const cycle = path.slice(path.indexOf(current.id)).sort()
      const cut = nodes.get(cycle[0] as FileId)
      if (cut !== undefined) {
        repairs.push({ type: TreeRepairType.BreakCycle, id: cut.id, from: cut.parent as FileId, cycle })
        cut.parent = ROOT_PARENT
      }
    }
    for (const id of path) done.add(id)
  }
}

/** A live entry under a tombstone (delete folder vs create inside it, offline): bring the folders back. */
function restoreAncestors(nodes: Map<FileId, Node>, ids: readonly FileId[], repairs: TreeRepair[]): void {
  for (const id of ids) {
    const node = nodes.get(id)
    if (node === undefined || node.deleted !== 0) continue
    for (let ancestor = nodes.get(node.parent as FileId); ancestor !== undefined; ancestor = nodes.get(ancestor.parent as FileId)) {
      if (ancestor.deleted === 0) continue
      ancestor.deleted = 0
      repairs.push({ type: TreeRepairType.RestoreAncestor, id: ancestor.id, descendant: id })
    }
  }
}

/**
 * Siblings with one NFC name. Folders merge (both devices created `Daily/` offline: one `Daily/` results);
 * otherwise the oldest (created, id) keeps the name and the others get conflict names.
 */
function resolveDuplicates(nodes: Map<FileId, Node>, ids: readonly FileId[], tombstone: number, repairs: TreeRepair[]): void {
  const children = new Map<FileId | '', Set<FileId>>()
  for (const id of ids) {
    const node = nodes.get(id)
    if (node === undefined || node.deleted !== 0) continue
    const siblings = children.get(node.parent)
    if (siblings === undefined) children.set(node.parent, new Set([id]))
    else siblings.add(id)
  }
  const queue: Array<FileId | ''> = [...children.keys()].sort()
  const queued = new Set(queue)
  for (let parent = queue.shift(); parent !== undefined; parent = queue.shift()) {
    queued.delete(parent)
    const kids = [...(children.get(parent) ?? [])].map((id) => nodes.get(id)).filter((node): node is Node => node !== undefined)
    const byName = new Map<string, Node[]>()
    for (const kid of kids) {
      const group = byName.get(kid.name)
      if (group === undefined) byName.set(kid.name, [kid])
      else group.push(kid)
    }
    const taken = new Set(byName.keys())
    for (const name of [...byName.keys()].sort()) {
      const group = (byName.get(name) ?? []).sort(compareByAge)
      if (group.length < 2) continue
      const folders = group.filter((node) => node.kind === EntryKind.Folder)
      const keeper = folders[0]
      if (keeper !== undefined && folders.length > 1) {
        const keeperKids = children.get(keeper.id) ?? new Set<FileId>()
        children.set(keeper.id, keeperKids)
        for (const loser of folders.slice(1)) {
          const moved = [...(children.get(loser.id) ?? [])].sort()
          for (const id of moved) {
            const child = nodes.get(id)
            if (child === undefined) continue
            child.parent = keeper.id
            keeperKids.add(id)
          }
          children.delete(loser.id)
          loser.deleted = tombstone
          children.get(parent)?.delete(loser.id)
          repairs.push({ type: TreeRepairType.MergeFolder, id: loser.id, into: keeper.id, moved })
        }
        if (!queued.has(keeper.id)) {
          queue.push(keeper.id)
          queued.add(keeper.id)
        }
      }
      const claimants = group.filter((node) => node.deleted === 0)
      const winner = claimants[0]
      if (winner === undefined) continue
      for (const loser of claimants.slice(1)) {
        let attempt = 1
        let candidate = conflictName(loser.name, loser.kind, loser.id, attempt)
        while (taken.has(candidate)) candidate = conflictName(loser.name, loser.kind, loser.id, ++attempt)
        taken.add(candidate)
        repairs.push({ type: TreeRepairType.ConflictRename, id: loser.id, winner: winner.id, from: loser.name, to: candidate })
        loser.name = candidate
      }
    }
  }
}
