// The one place the SDK imports the vault-tree functions of @amber/core: `@amber/core/tree` is pure
// functions over a Y.Doc (yjs and @amber/protocol only), so the tree schema and its rules are the
// server's own, never a copy, and no server code (room, update log) comes along.

export {
  EntryKind,
  TreeError,
  createEntry,
  deleteEntry,
  getEntry,
  isTreeError,
  kindForPath,
  listEntries,
  normalizePath,
  observeTree,
  pathOf,
  renameEntry,
  resolvePath,
} from '@amber/core/tree'
export type { FileId, TreeEntry } from '@amber/core/tree'
