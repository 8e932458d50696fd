// Which new files are text (a Yjs doc per note) and which are binaries (blobs), by extension; per vault,
// stored in the tree's `config` map so every device agrees.

import type * as Y from 'yjs'
import { EntryKind } from './EntryKind.ts'
import { configOf } from './treeSchema.ts'

export const DEFAULT_TEXT_EXTENSIONS: readonly string[] = ['.md', '.txt']
const TEXT_EXTENSIONS_KEY = 'textExtensions'

/** Lowercase extensions including the dot, e.g. `['.md', '.txt']`. */
export function getTextExtensions(tree: Y.Doc): readonly string[] {
  const value = configOf(tree).get(TEXT_EXTENSIONS_KEY)
  if (!Array.isArray(value)) return DEFAULT_TEXT_EXTENSIONS
  return value.filter((item): item is string => typeof item === 'string').map((item) => item.toLowerCase())
}

export function setTextExtensions(tree: Y.Doc, extensions: readonly string[]): void {
  const normalized = extensions.map((extension) => {
    const lower = extension.toLowerCase()
    return lower.startsWith('.') ? lower : `.${lower}`
  })
  configOf(tree).set(TEXT_EXTENSIONS_KEY, normalized)
}

/** The extension of the last segment, lowercase with its dot; '' when there is none ('.hidden' has none). */
export function extensionOf(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1)
  const dot = name.lastIndexOf('.')
  return dot > 0 ? name.slice(dot).toLowerCase() : ''
}

/**
 * The kind a new file at `path` gets: text when its extension is one of the vault's text extensions.
 * @example kindForPath(tree, 'Daily/2026-11-27.md') // 'text'
 */
export function kindForPath(tree: Y.Doc, path: string): EntryKind {
  const extension = extensionOf(path)
  return extension !== '' && getTextExtensions(tree).includes(extension) ? EntryKind.Text : EntryKind.Binary
}
