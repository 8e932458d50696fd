// The server-owned `heads` document (docs/binaries.md): map `heads`, file id → head record as a plain
// JSON object. Only the room writes it; every vault session receives it, like the tree.

import type { HeadRecord } from '@amber/blobs'
import type * as Y from 'yjs'

export const HEADS_MAP = 'heads'

export function readHead(doc: Y.Doc, fileId: string): HeadRecord | undefined {
  const value = doc.getMap<unknown>(HEADS_MAP).get(fileId)
  return typeof value === 'object' && value !== null ? (value as HeadRecord) : undefined
}

/** Stores `head` (a JSON copy: no undefined fields, no prototype); an unchanged head writes nothing. */
export function writeHead(doc: Y.Doc, fileId: string, head: HeadRecord, origin: unknown): void {
  const json = JSON.stringify(head)
  const heads = doc.getMap<unknown>(HEADS_MAP)
  if (JSON.stringify(heads.get(fileId)) === json) return
  doc.transact(() => heads.set(fileId, JSON.parse(json) as HeadRecord), origin)
}
