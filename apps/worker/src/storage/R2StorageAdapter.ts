// StorageAdapter over R2 with a key prefix (`vaults/<vaultId>/`): the room's cold tier (segments, snapshots).
// R2 has no multi-object transaction, so commit writes each object durably in turn, saves before removes.

import type { StorageAdapter, StorageBatch, StorageChunk } from '@amber/core'
import { validateStorageBatch } from '@amber/core'
import { compareKeys } from './compareKeys.ts'

/** R2's limit on keys per bulk delete call. */
export const R2_DELETE_BATCH = 1000
/** Parallel GETs of one loadRange; bounded so a large range does not exhaust the subrequest budget at once. */
const LOAD_CONCURRENCY = 8

export class R2StorageAdapter implements StorageAdapter {
  readonly #bucket: R2Bucket
  readonly #prefix: string

  constructor(bucket: R2Bucket, prefix: string) {
    this.#bucket = bucket
    this.#prefix = prefix
  }

  /** The adapter for one vault's cold storage. */
  static forVault(bucket: R2Bucket, vaultId: string): R2StorageAdapter {
    return new R2StorageAdapter(bucket, `vaults/${vaultId}/`)
  }

  async load(key: string): Promise<Uint8Array | undefined> {
    const object = await this.#bucket.get(this.#prefix + key)
    return object === null ? undefined : new Uint8Array(await object.arrayBuffer())
  }

  async loadRange(prefix: string): Promise<StorageChunk[]> {
    const keys = await this.listKeys(prefix)
    const chunks: (StorageChunk | undefined)[] = new Array(keys.length)
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < keys.length) {
        const index = next++
        const key = keys[index]!
        const data = await this.load(key)
        // Deleted between list and get: absent, as if the list had run a moment later.
        if (data !== undefined) chunks[index] = { key, data }
      }
    }
    await Promise.all(Array.from({ length: Math.min(LOAD_CONCURRENCY, keys.length) }, worker))
    return chunks.filter((chunk): chunk is StorageChunk => chunk !== undefined)
  }

  async listKeys(prefix: string): Promise<string[]> {
    const keys: string[] = []
    let cursor: string | undefined
    for (;;) {
      const page = await this.#bucket.list({ prefix: this.#prefix + prefix, ...(cursor === undefined ? {} : { cursor }) })
      for (const object of page.objects) keys.push(object.key.slice(this.#prefix.length))
      if (!page.truncated) break
      cursor = page.cursor
    }
    // R2 lists in UTF-8 byte order; the contract promises UTF-16 code unit order.
    return keys.sort(compareKeys)
  }

  async commit(batch: StorageBatch): Promise<void> {
    const { saves, removes } = validateStorageBatch(batch)
    // A put resolves once the object is durable; removes wait for every save, so a crash never loses both.
    // Parallel puts of one key would race; the batch's last value for a key wins, as in a sequential write.
    const latest = new Map<string, Uint8Array>()
    for (const { key, data } of saves) latest.set(key, data)
    await Promise.all(Array.from(latest, ([key, data]) => this.#bucket.put(this.#prefix + key, data)))
    for (let i = 0; i < removes.length; i += R2_DELETE_BATCH) {
      await this.#bucket.delete(removes.slice(i, i + R2_DELETE_BATCH).map((key) => this.#prefix + key))
    }
  }
}
