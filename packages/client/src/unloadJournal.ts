// Closes the loss window of a page that goes away mid-commit. IndexedDB commits are asynchronous, and a
// reload or a closed tab aborts the transaction still in flight, so `pagehide` also writes whatever is
// not yet committed to localStorage, which is synchronous. The next `connectVault` on the same store
// replays it into the store before loading, then forgets it; a flush that completes forgets it too.
// Best effort: a journal too large for localStorage is not written (the store's own window applies).

import type { LocalStore, StoreBatch, VaultRecord } from './store/LocalStore.ts'

/** The synchronous key-value storage of a page (`localStorage`). */
export interface SyncKeyValue {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
}

/** localStorage allows about 5 MB per origin; stay well inside it. */
const MAX_JOURNAL_CHARS = 2_000_000

export function unloadJournalKey(deviceId: string): string {
  return `amber:unload-journal:${deviceId}`
}

/** The page's localStorage, or undefined outside pages (Node, Workers) and where it is blocked. */
export function pageStorage(): SyncKeyValue | undefined {
  try {
    const storage = (globalThis as { localStorage?: SyncKeyValue }).localStorage
    return storage && typeof storage.setItem === 'function' ? storage : undefined
  } catch {
    return undefined // a sandboxed frame throws on access
  }
}

/** Writes the batches synchronously; false when there was nothing to write or it did not fit. */
export function saveUnloadJournal(storage: SyncKeyValue, key: string, batches: readonly StoreBatch[]): boolean {
  if (batches.length === 0) return false
  const json = JSON.stringify(batches, (_key, value: unknown) => (value instanceof Uint8Array ? { $bytes: toBase64(value) } : value))
  if (json.length > MAX_JOURNAL_CHARS) return false
  try {
    storage.setItem(key, json)
    return true
  } catch {
    return false // quota exceeded: the store's own loss window applies
  }
}

/**
 * Commits a journal left by a page that went away, in order, then removes it. Replaying what the store
 * already committed is harmless (a Yjs update applied twice changes nothing; outbox entries are keyed by
 * seq), but a record never moves the client's sequence numbers or cursor backwards.
 */
export async function replayUnloadJournal(storage: SyncKeyValue, key: string, store: LocalStore, stored: VaultRecord): Promise<void> {
  const json = storage.getItem(key)
  if (json === null) return
  let batches: StoreBatch[]
  try {
    batches = JSON.parse(json, (_key, value: unknown) =>
      value !== null && typeof value === 'object' && '$bytes' in value ? fromBase64(String((value as { $bytes: unknown }).$bytes)) : value,
    ) as StoreBatch[]
  } catch {
    storage.removeItem(key)
    return
  }
  let record = stored
  for (const batch of batches) {
    const { record: journaled, ...rest } = batch
    const newer = journaled !== undefined && journaled.nextSeq >= record.nextSeq && !(journaled.cursor.epoch === record.cursor.epoch && journaled.cursor.seq < record.cursor.seq)
    if (newer) record = journaled
    await store.commit(newer ? batch : rest)
  }
  storage.removeItem(key)
}

function toBase64(bytes: Uint8Array): string {
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(binary)
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}
