// The one place the SDK imports the vault-tree functions of @amber/core: pure functions over a Y.Doc
// (yjs and @amber/protocol only), so the tree schema and its rules are the server's own, never a copy.
// TEMPORARY deep import: @amber/core exports only its index, which also pulls in the server room and
// update log (server code, which moreover does not typecheck under the DOM lib the browser store
// needs). Once @amber/core exports `./tree` (src/tree/index.ts), import '@amber/core/tree' here instead
// and add @amber/core to dependencies; nothing else in the SDK changes.

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
} from '../../../core/src/tree/index.ts'
export type { FileId, TreeEntry } from '../../../core/src/tree/index.ts'
