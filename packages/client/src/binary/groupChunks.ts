// How chunks are grouped into requests: packs of at most PACK_TARGET_BYTES (header included) for uploads,
// fetches of at most MAX_FETCH_BYTES and MAX_HASHES_PER_REQUEST for downloads, hash lists of at most
// MAX_HASHES_PER_REQUEST for `chunks/missing`. Order is kept, so a pack holds neighbouring chunks.

import { MAX_FETCH_BYTES, MAX_HASHES_PER_REQUEST, PACK_TARGET_BYTES, packHeaderBytes } from '@amber/blobs'

export interface ChunkSpan {
  readonly hash: string
  readonly length: number
}

export interface GroupLimits {
  readonly maxBytes: number
  readonly maxCount: number
  /** Bytes a group of `count` chunks costs besides the chunks (a pack header). */
  readonly overhead?: (count: number) => number
}

/** One `POST packs` body: header plus chunks within the client's target size. */
export const PACK_LIMITS: GroupLimits = {
  maxBytes: PACK_TARGET_BYTES,
  maxCount: MAX_HASHES_PER_REQUEST,
  overhead: packHeaderBytes,
}
/** One `POST chunks/fetch` request. */
export const FETCH_LIMITS: GroupLimits = { maxBytes: MAX_FETCH_BYTES, maxCount: MAX_HASHES_PER_REQUEST }

/** Consecutive groups within the limits; a chunk too big for any group goes alone. */
export function groupChunks<T extends ChunkSpan>(chunks: readonly T[], limits: GroupLimits): T[][] {
  const groups: T[][] = []
  let group: T[] = []
  let bytes = 0
  for (const chunk of chunks) {
    const count = group.length + 1
    const size = bytes + chunk.length + (limits.overhead?.(count) ?? 0)
    if (group.length > 0 && (size > limits.maxBytes || count > limits.maxCount)) {
      groups.push(group)
      group = []
      bytes = 0
    }
    group.push(chunk)
    bytes += chunk.length
  }
  if (group.length > 0) groups.push(group)
  return groups
}

/** Slices of at most `size` items. */
export function batches<T>(items: readonly T[], size = MAX_HASHES_PER_REQUEST): T[][] {
  const out: T[][] = []
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size))
  return out
}
