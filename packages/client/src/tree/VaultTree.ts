// The vault's file tree as the app sees it: list and watch entries, create, rename, move and delete
// files and folders by path. Every operation is one transaction on the tree document (doc id `tree`),
// which syncs like any note; only the server repairs conflicts (two devices creating one path offline).

import type * as Y from 'yjs'
import { ClientErrorCode, VaultError } from '../VaultError.ts'
import {
  EntryKind,
  createEntry,
  deleteEntry,
  getEntry,
  isTreeError,
  listEntries,
  normalizePath,
  observeTree,
  renameEntry,
  resolvePath,
} from './coreTree.ts'
import type { FileId as CoreFileId, TreeEntry } from './coreTree.ts'

/** A tree entry's stable id, which is also its note's document id; a rename or move never changes it. */
export type FileId = CoreFileId

export type { TreeEntry }

/** Options of {@link VaultTree.createFile}. */
export interface CreateFileOptions {
  /**
   * Initial text of a new text file (written into its new document by this replica only, so no
   * content is ever seeded on two replicas).
   */
  readonly text?: string
}

/** Options of {@link VaultTree.list}. */
export interface ListOptions {
  /** Also list deleted entries (tombstones). Default false. */
  readonly includeDeleted?: boolean
}

/** What the tree facade needs from its vault. */
export interface TreeHost {
  /** The current tree document (a new one after a lineage reset). */
  treeDoc(): Y.Doc
  /** The document of a text file, created empty if unknown. */
  noteDoc(id: FileId): Y.Doc
  now(): number
}

/**
 * The vault tree. Paths are `/`-separated, NFC-normalised, without a leading `/`; missing parent
 * folders are created on the way. Errors are `VaultError`s: `PATH_NOT_FOUND`, or `TREE_REFUSED`
 * with the core `TreeError` (path taken, invalid path, …) as `cause`.
 *
 * @example
 * ```ts
 * vault.tree.createFolder('Projects')
 * vault.tree.createFile('Projects/Plan.md', { text: '# Plan\n' })
 * vault.tree.rename('Projects/Plan.md', 'Projects/Roadmap.md')
 * vault.tree.move('Projects/Roadmap.md', 'Archive')
 * vault.tree.delete('Projects')
 * const stop = vault.tree.watch((entries) => render(entries))
 * ```
 */
export class VaultTree {
  readonly #host: TreeHost
  readonly #watchers = new Set<(entries: TreeEntry[]) => void>()
  #unobserve: (() => void) | undefined

  /** @internal */
  constructor(host: TreeHost) {
    this.#host = host
  }

  /** The tree's Yjs document (advanced use: observe it, or run several operations in one transaction). */
  get doc(): Y.Doc {
    return this.#host.treeDoc()
  }

  /**
   * Every live entry (files and folders), sorted by path.
   * @example for (const entry of vault.tree.list()) console.log(entry.kind, entry.path)
   */
  list(options: ListOptions = {}): TreeEntry[] {
    return listEntries(this.doc, options)
  }

  /**
   * The live entry at `path`, or undefined.
   * @example const entry = vault.tree.get('Daily/2026-11-27.md')
   */
  get(path: string): TreeEntry | undefined {
    const id = this.#resolve(path)
    return id === undefined ? undefined : getEntry(this.doc, id)
  }

  /** The entry with this file id (live or deleted), or undefined. */
  getById(id: FileId): TreeEntry | undefined {
    return getEntry(this.doc, id)
  }

  /**
   * Calls `listener` with the full sorted list now and after every change (local, remote, or a
   * server repair); returns the function that stops watching.
   * @example const stop = vault.tree.watch((entries) => sidebar.render(entries))
   */
  watch(listener: (entries: TreeEntry[]) => void): () => void {
    this.#watchers.add(listener)
    this.#observe()
    listener(this.list())
    return () => {
      this.#watchers.delete(listener)
      if (this.#watchers.size === 0) this.#stopObserving()
    }
  }

  /**
   * Creates a file (and missing folders). A text file (by the vault's text extensions, `.md` and
   * `.txt` by default) gets its own document, with `options.text` as its first content.
   * @example const entry = vault.tree.createFile('Inbox/Idea.md', { text: 'A thought' })
   */
  createFile(path: string, options: CreateFileOptions = {}): TreeEntry {
    const tree = this.doc
    const id = this.#refusing(() => createEntry(tree, { path, now: this.#host.now() }))
    const entry = getEntry(tree, id)!
    if (entry.kind === EntryKind.Text) {
      const doc = this.#host.noteDoc(id)
      if (options.text !== undefined && options.text !== '') doc.getText('content').insert(0, options.text)
    } else if (options.text !== undefined) {
      throw new VaultError(
        ClientErrorCode.NotText,
        `${entry.path} is not a text file; it has no text content`,
        { path: entry.path },
      )
    }
    return entry
  }

  /**
   * Creates a folder (and missing parents).
   * @example vault.tree.createFolder('Projects/2026')
   */
  createFolder(path: string): TreeEntry {
    const tree = this.doc
    const id = this.#refusing(() =>
      createEntry(tree, { path, kind: EntryKind.Folder, now: this.#host.now() }),
    )
    return getEntry(tree, id)!
  }

  /**
   * Gives the entry at `path` the new full path `newPath` (rename, move, or both). The file id — and so
   * the note's document and open handles — stays the same.
   * @example vault.tree.rename('Inbox/Idea.md', 'Projects/Idea.md')
   */
  rename(path: string, newPath: string): TreeEntry {
    const tree = this.doc
    const id = this.#require(path)
    this.#refusing(() => renameEntry(tree, id, newPath, this.#host.now()))
    return getEntry(tree, id)!
  }

  /**
   * Moves the entry at `path` into folder `folderPath` ('' is the vault root), keeping its name.
   * @example vault.tree.move('Inbox/Idea.md', 'Archive/2026')
   */
  move(path: string, folderPath: string): TreeEntry {
    const entry = this.get(path)
    if (!entry) throw notFound(path)
    const folder = this.#refusing(() => normalizePath(folderPath))
    return this.rename(path, folder === '' ? entry.name : `${folder}/${entry.name}`)
  }

  /**
   * Deletes the entry at `path`; a folder with everything in it. Deleted entries stay as tombstones
   * (`list({ includeDeleted: true })`), so an edit made elsewhere meanwhile is never lost.
   * @example vault.tree.delete('Archive/Old.md')
   */
  delete(path: string): void {
    const tree = this.doc
    const id = this.#require(path)
    this.#refusing(() => deleteEntry(tree, id, this.#host.now()))
  }

  /** @internal The tree document was replaced (lineage reset): observe the new one and tell watchers. */
  replaced(): void {
    if (this.#unobserve === undefined) return
    this.#stopObserving()
    this.#observe()
    this.#notify()
  }

  /** @internal */
  dispose(): void {
    this.#stopObserving()
    this.#watchers.clear()
  }

  #observe(): void {
    if (this.#unobserve !== undefined) return
    this.#unobserve = observeTree(this.doc, () => this.#notify())
  }

  #stopObserving(): void {
    this.#unobserve?.()
    this.#unobserve = undefined
  }

  #notify(): void {
    if (this.#watchers.size === 0) return
    const entries = this.list()
    for (const watcher of [...this.#watchers]) watcher(entries)
  }

  #resolve(path: string): FileId | undefined {
    return this.#refusing(() => resolvePath(this.doc, path))
  }

  #require(path: string): FileId {
    const id = this.#resolve(path)
    if (id === undefined) throw notFound(path)
    return id
  }

  #refusing<T>(operation: () => T): T {
    try {
      return operation()
    } catch (error) {
      if (!isTreeError(error)) throw error
      throw new VaultError(ClientErrorCode.TreeRefused, error.message, { cause: error })
    }
  }
}

function notFound(path: string): VaultError {
  return new VaultError(ClientErrorCode.PathNotFound, `no file or folder at ${JSON.stringify(path)}`, {
    path,
  })
}
