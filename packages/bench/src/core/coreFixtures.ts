// Storage fixtures for the core-room benchmarks: documents written through the real UpdateLog
// (group commit, flush, compaction) over in-memory adapters, so the bytes are exactly what a Durable
// Object would hold.

import { MemoryStorageAdapter, UpdateLog } from '@amber/core'
import * as prng from 'lib0/prng'
import type * as Y from 'yjs'

export interface Stores {
  readonly hot: MemoryStorageAdapter
  readonly cold: MemoryStorageAdapter
}

export function createStores(): Stores {
  return { hot: new MemoryStorageAdapter(), cold: new MemoryStorageAdapter() }
}

export function openLog(stores: Stores, batchWindowMs = 0): Promise<UpdateLog> {
  return UpdateLog.open({
    ...stores,
    batchWindowMs,
    now: Date.now,
    onCommitFailure: (error) => {
      throw error
    },
  })
}

/** Appends every update of `doc`'s future edits to the log as separate entries, committing every `batch`. */
export async function logEdits(
  log: UpdateLog,
  docId: string,
  updates: readonly Uint8Array[],
  batch = 500,
): Promise<void> {
  for (let i = 0; i < updates.length; i++) {
    log.append(docId, updates[i]!)
    if ((i + 1) % batch === 0) await log.whenCommitted()
  }
  await log.whenCommitted()
}

/** Records each transaction's update while `edit` runs. */
export function captureUpdates(doc: Y.Doc, edit: () => void): Uint8Array[] {
  const updates: Uint8Array[] = []
  const listener = (update: Uint8Array) => updates.push(update)
  doc.on('update', listener)
  edit()
  doc.off('update', listener)
  return updates
}

/** `count` single-character edits at random places (90% inserts), one update each. */
export function randomKeystrokes(doc: Y.Doc, count: number, seed: number): Uint8Array[] {
  const gen = prng.create(seed)
  const text = doc.getText('content')
  return captureUpdates(doc, () => {
    for (let i = 0; i < count; i++) {
      doc.transact(() => {
        if (text.length > 0 && prng.int32(gen, 0, 9) === 0)
          text.delete(prng.int32(gen, 0, text.length - 1), 1)
        else text.insert(prng.int32(gen, 0, text.length), prng.letter(gen))
      })
    }
  })
}

/** Markdown-ish text of about `bytes` bytes. */
export function noteBody(bytes: number, seed: number): string {
  const gen = prng.create(seed)
  let body = `# Note ${seed}\n\n`
  while (body.length < bytes) body += `${prng.word(gen, 2, 9)}${prng.int32(gen, 0, 11) === 0 ? '\n' : ' '}`
  return body.slice(0, bytes)
}
