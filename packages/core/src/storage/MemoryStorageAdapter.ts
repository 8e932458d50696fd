// In-memory StorageAdapter for Node tests and simulations: the reference behaviour of the contract suite.
// Copies bytes in and out so no caller can alias stored values; `beforeCommit` lets tests fake a crash.

import type { StorageAdapter, StorageBatch, StorageChunk } from './StorageAdapter.ts'
import { validateStorageBatch } from './StorageAdapter.ts'

export interface MemoryStorageAdapterOptions {
  /** Runs after validation, before anything is written; throw from it to simulate a crash (nothing is written). */
  readonly beforeCommit?: (batch: StorageBatch) => void
}

export class MemoryStorageAdapter implements StorageAdapter {
  readonly #entries = new Map<string, Uint8Array>()
  readonly #beforeCommit: ((batch: StorageBatch) => void) | undefined

  constructor(options: MemoryStorageAdapterOptions = {}) {
    this.#beforeCommit = options.beforeCommit
  }

  async load(key: string): Promise<Uint8Array | undefined> {
    const value = this.#entries.get(key)
    return value === undefined ? undefined : value.slice()
  }

  async loadRange(prefix: string): Promise<StorageChunk[]> {
    return this.#sortedKeys(prefix).map((key) => ({ key, data: this.#entries.get(key)!.slice() }))
  }

  async listKeys(prefix: string): Promise<string[]> {
    return this.#sortedKeys(prefix)
  }

  async commit(batch: StorageBatch): Promise<void> {
    // Validate and copy everything before touching the map, and never await in between: all or nothing.
    const checked = validateStorageBatch(batch)
    const saves = checked.saves.map(({ key, data }): [string, Uint8Array] => [key, data.slice()])
    const removes = checked.removes
    this.#beforeCommit?.(batch)
    for (const [key, data] of saves) this.#entries.set(key, data)
    for (const key of removes) this.#entries.delete(key)
  }

  #sortedKeys(prefix: string): string[] {
    const keys: string[] = []
    for (const key of this.#entries.keys()) if (key.startsWith(prefix)) keys.push(key)
    // Plain `<` compares UTF-16 code units, the order the StorageAdapter contract promises.
    return keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  }
}
