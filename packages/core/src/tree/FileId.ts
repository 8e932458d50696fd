// Stable ids of vault tree entries. A file id doubles as the document id of the file's own Yjs doc,
// so it follows the protocol's doc id rule; a rename never changes it.

import { HEADS_DOC_ID, TREE_DOC_ID, isDocId } from '@amber/protocol'

export type FileId = string & { readonly __brand: 'FileId' }

/**
 * True when `value` can name a tree entry: 1–64 chars of `[A-Za-z0-9_-]` (the doc id rule), and not the
 * id of a vault-wide document (`tree`, `heads`), so no entry's content can alias them.
 */
export function isFileId(value: string): value is FileId {
  return isDocId(value) && value !== TREE_DOC_ID && value !== HEADS_DOC_ID
}

/**
 * A fresh random id: 16 bytes from `crypto.getRandomValues`, base64url without padding (22 chars).
 * @example const id = createFileId() // 'q3Zr0vS1bH9kYx2Lw8uC4A'
 */
export function createFileId(): FileId {
  const bytes = new Uint8Array(16)
  crypto.getRandomValues(bytes)
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '') as FileId
}
