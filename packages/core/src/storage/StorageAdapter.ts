// The one narrow storage interface every backend implements (in-memory, DO SQLite, R2, filesystem).
// Adapters never interpret keys or values: the core owns the key layout (see docs/storage.md).

export interface StorageChunk {
  readonly key: string
  readonly data: Uint8Array
}

export interface StorageBatch {
  readonly save?: readonly StorageChunk[]
  readonly remove?: readonly string[]
}

export interface StorageAdapter {
  /** The value at `key`, or undefined. */
  load(key: string): Promise<Uint8Array | undefined>
  /** Every entry whose key starts with `prefix` (plain string prefix), sorted by key (UTF-16 code units). */
  loadRange(prefix: string): Promise<StorageChunk[]>
  /** The keys starting with `prefix`, sorted; cheaper than loadRange where values live elsewhere (R2). */
  listKeys(prefix: string): Promise<string[]>
  /**
   * Applies saves, then removes, and resolves once they are durable. Atomic (all or nothing) where the
   * backend can be (memory, DO SQLite); on R2 each object is written durably in turn, saves first.
   * Values of any size are accepted (adapters split what their backend cannot hold in one row).
   */
  commit(batch: StorageBatch): Promise<void>
}

/**
 * Checks a batch before an adapter writes anything of it, so a bad entry never leaves half a batch
 * behind. Returns the saves and removes with defaults filled in.
 */
export function validateStorageBatch(batch: StorageBatch): { saves: readonly StorageChunk[]; removes: readonly string[] } {
  const saves = batch.save ?? []
  const removes = batch.remove ?? []
  for (const { key, data } of saves) {
    if (typeof key !== 'string') throw new TypeError('storage key must be a string')
    if (!(data instanceof Uint8Array)) throw new TypeError(`value for ${JSON.stringify(key)} must be a Uint8Array`)
  }
  for (const key of removes) if (typeof key !== 'string') throw new TypeError('storage key must be a string')
  return { saves, removes }
}
