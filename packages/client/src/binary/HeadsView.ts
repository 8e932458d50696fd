// The device's view of binary heads: the server-owned `heads` document (map `heads`, file id → head
// record), read only, plus the heads this device's own commits were answered with until the document
// catches up with them (so a second write right after the first succeeds it instead of racing it). It
// reports heads that change in the document, and every conflict it has not seen before, from the
// document or from a commit answer.

import type { HeadRecord } from '@amber/blobs'
import type * as Y from 'yjs'

/** The map in the heads document. */
const HEADS_MAP = 'heads'

export interface HeadsListener {
  /** The document's head of a file changed. */
  head(fileId: string, head: HeadRecord): void
  /** A head names a losing version not reported before. */
  conflict(fileId: string, head: HeadRecord): void
}

export class HeadsView {
  /** Heads from this device's commit answers that the document may not show yet. */
  readonly #answered = new Map<string, HeadRecord>()
  /** `fileId version` of every conflict already reported (or present when the view was created). */
  readonly #seen = new Set<string>()
  #observed: { map: Y.Map<unknown>; observer: (event: Y.YMapEvent<unknown>) => void } | undefined

  constructor(
    private readonly docOf: () => Y.Doc,
    private readonly listener: HeadsListener,
  ) {
    // Conflicts stored before this session were reported when they arrived.
    for (const [fileId, value] of this.#map()) {
      const head = readHeadRecord(value)
      if (head?.conflict) this.#seen.add(conflictKey(fileId, head))
    }
    this.#observe()
  }

  /** The file's current head as this device knows it. */
  get(fileId: string): HeadRecord | undefined {
    const stored = readHeadRecord(this.#map().get(fileId))
    const answered = this.#answered.get(fileId)
    if (!answered) return stored
    // The document is authoritative once it shows this commit or anything the server decided after it.
    if (stored && (stored.version === answered.version || stored.committedAt > answered.committedAt)) {
      this.#answered.delete(fileId)
      return stored
    }
    return answered
  }

  /** A commit of this device was answered with `head`. */
  committed(fileId: string, head: HeadRecord): void {
    this.#answered.set(fileId, head)
    this.#check(fileId, head)
  }

  /** The client replaced its documents (lineage reset): watch the new heads document. */
  replaced(): void {
    this.#answered.clear()
    this.dispose()
    this.#observe()
  }

  dispose(): void {
    this.#observed?.map.unobserve(this.#observed.observer)
    this.#observed = undefined
  }

  #map(): Y.Map<unknown> {
    return this.docOf().getMap(HEADS_MAP)
  }

  #observe(): void {
    const map = this.#map()
    const observer = (event: Y.YMapEvent<unknown>): void => {
      for (const fileId of event.keysChanged) {
        const head = readHeadRecord(map.get(fileId))
        if (!head) continue
        this.listener.head(fileId, head)
        this.#check(fileId, head)
      }
    }
    map.observe(observer)
    this.#observed = { map, observer }
  }

  #check(fileId: string, head: HeadRecord | undefined): void {
    if (!head?.conflict) return
    const key = conflictKey(fileId, head)
    if (this.#seen.has(key)) return
    this.#seen.add(key)
    this.listener.conflict(fileId, head)
  }
}

function conflictKey(fileId: string, head: HeadRecord): string {
  return `${fileId} ${head.conflict?.version ?? ''}`
}

/** A head record from the document, defensively: a value of the wrong shape reads as no head. */
export function readHeadRecord(value: unknown): HeadRecord | undefined {
  const record = typeof value === 'string' ? parseJson(value) : value
  if (typeof record !== 'object' || record === null) return undefined
  const { version, sha256, size, mtime, device, committedAt, conflict } = record as Record<string, unknown>
  if (typeof version !== 'string' || typeof sha256 !== 'string' || typeof device !== 'string')
    return undefined
  if (typeof size !== 'number' || typeof mtime !== 'number' || typeof committedAt !== 'number')
    return undefined
  const head: HeadRecord = { version, sha256, size, mtime, device, committedAt }
  if (typeof conflict !== 'object' || conflict === null) return head
  const lost = conflict as Record<string, unknown>
  if (typeof lost.version !== 'string' || typeof lost.device !== 'string' || typeof lost.mtime !== 'number')
    return head
  return {
    ...head,
    conflict: {
      version: lost.version,
      device: lost.device,
      mtime: lost.mtime,
      sha256: typeof lost.sha256 === 'string' ? lost.sha256 : '',
      size: typeof lost.size === 'number' ? lost.size : 0,
    },
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined // not a record: reads as no head, like any other malformed value
  }
}
