// Note states as plain HTTP served them (`readNote`), kept in hot storage so a later write naming one
// by its ETag (If-Match) is merged against what the writer saw — also after a Durable Object restart.
// Only a small per-note index stays in memory; the states are read back when a write names one.

import { hotKeys } from '../log/storageKeys.ts'
import type { StorageAdapter, StorageChunk } from '../storage/StorageAdapter.ts'

/** Most states kept per note; the least recently served is dropped first. */
export const MAX_SERVED_BASES = 8

/** Where staged writes go: the update log's next batch (UpdateLog satisfies this). */
export interface StagedWriter {
  stage(change: { save?: StorageChunk; remove?: string }): void
}

interface ServedEntry {
  readonly etag: string
  readonly servedAt: number
}

export class ServedBases {
  private constructor(
    private readonly hot: StorageAdapter,
    private readonly writer: StagedWriter,
    private readonly ttlMs: number,
    /** Per note, oldest serve first. */
    private readonly index: Map<string, ServedEntry[]>,
  ) {}

  static async open(hot: StorageAdapter, writer: StagedWriter, ttlMs: number): Promise<ServedBases> {
    const index = new Map<string, ServedEntry[]>()
    for (const { key, data } of await hot.loadRange(hotKeys.servedIndexAll)) {
      const entries = decodeIndex(data)
      if (entries.length > 0) index.set(key.slice(hotKeys.servedIndexAll.length), entries)
    }
    return new ServedBases(hot, writer, ttlMs, index)
  }

  /** Keeps `state` as what `etag` named when served at `now` (replacing an older state with the same text). */
  remember(docId: string, etag: string, state: Uint8Array, now: number): void {
    const entries = this.unexpired(docId, now).filter((entry) => entry.etag !== etag)
    entries.push({ etag, servedAt: now })
    this.writer.stage({ save: { key: hotKeys.servedBase(docId, etag), data: state } })
    const dropped = entries.splice(0, Math.max(0, entries.length - MAX_SERVED_BASES))
    this.store(docId, entries, dropped)
  }

  /** The state served as `etag`, unless it expired or was dropped. */
  async load(docId: string, etag: string, now: number): Promise<Uint8Array | undefined> {
    if (!this.unexpired(docId, now).some((entry) => entry.etag === etag)) return undefined
    return this.hot.load(hotKeys.servedBase(docId, etag))
  }

  /** Drops every state served longer than the TTL ago (run by maintenance, so unread notes are pruned too). */
  pruneExpired(now: number): void {
    for (const docId of [...this.index.keys()]) this.unexpired(docId, now)
  }

  /** When the next state expires (maintenance should run then), or undefined when none is kept. */
  nextExpiryAt(): number | undefined {
    let next: number | undefined
    for (const entries of this.index.values()) {
      const at = entries[0]!.servedAt + this.ttlMs
      next = Math.min(next ?? at, at)
    }
    return next
  }

  /** The note's entries still within the TTL; expired ones are removed from storage on the way. */
  private unexpired(docId: string, now: number): ServedEntry[] {
    const entries = this.index.get(docId) ?? []
    const live = entries.filter((entry) => now - entry.servedAt < this.ttlMs)
    if (live.length < entries.length) this.store(docId, live, entries.filter((entry) => !live.includes(entry)))
    return live
  }

  private store(docId: string, entries: ServedEntry[], dropped: readonly ServedEntry[]): void {
    for (const { etag } of dropped) this.writer.stage({ remove: hotKeys.servedBase(docId, etag) })
    if (entries.length === 0) {
      this.index.delete(docId)
      this.writer.stage({ remove: hotKeys.servedIndex(docId) })
    } else {
      this.index.set(docId, entries)
      this.writer.stage({ save: { key: hotKeys.servedIndex(docId), data: encodeIndex(entries) } })
    }
  }
}

function encodeIndex(entries: readonly ServedEntry[]): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(entries.map(({ etag, servedAt }) => [etag, servedAt])))
}

function decodeIndex(data: Uint8Array): ServedEntry[] {
  const pairs = JSON.parse(new TextDecoder().decode(data)) as Array<[string, number]>
  return pairs.map(([etag, servedAt]) => ({ etag, servedAt })).sort((a, b) => a.servedAt - b.servedAt)
}
