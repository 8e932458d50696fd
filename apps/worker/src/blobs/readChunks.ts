// Reads chunks back out of pack objects: one ranged GET per run of chunks stored next to each other in
// one pack, and every chunk checked against its name before anyone sees it — R2 returning other bytes
// (bit rot, a bug, an overwritten object) must surface as an error, never as a file's content.

import { sha256Hex } from '@amber/blobs'
import type { ChunkLocation } from './BlobIndex.ts'
import { blobKeys } from './blobKeys.ts'

/** A stored chunk that cannot be served as what it claims to be; the object and hash are named in logs. */
export class StoredChunkError extends Error {
  override readonly name = 'StoredChunkError'
  constructor(
    readonly hash: string,
    message: string,
  ) {
    super(message)
  }
}

/** Chunks adjacent in one pack, read with one ranged GET. */
export interface PackRun {
  readonly packId: string
  readonly offset: number
  readonly length: number
  readonly chunks: readonly ChunkLocation[]
}

/** Groups consecutive locations that continue each other in the same pack; order is kept. */
export function coalesceRuns(locations: readonly ChunkLocation[]): PackRun[] {
  const runs: PackRun[] = []
  let current: { packId: string; offset: number; length: number; chunks: ChunkLocation[] } | undefined
  for (const location of locations) {
    if (current !== undefined && current.packId === location.packId && current.offset + current.length === location.offset) {
      current.length += location.length
      current.chunks.push(location)
      continue
    }
    current = { packId: location.packId, offset: location.offset, length: location.length, chunks: [location] }
    runs.push(current)
  }
  return runs
}

/** Yields each located chunk's verified bytes, in order; throws {@link StoredChunkError} at the first bad one. */
export async function* readChunks(bucket: R2Bucket, vaultId: string, locations: readonly ChunkLocation[]): AsyncGenerator<{ hash: string; bytes: Uint8Array<ArrayBuffer> }> {
  for (const run of coalesceRuns(locations)) {
    const object = await bucket.get(blobKeys.pack(vaultId, run.packId), { range: { offset: run.offset, length: run.length } })
    // Gone between locate and read: repacked meanwhile. The caller answers an error; a retry locates anew.
    if (object === null) throw new StoredChunkError(run.chunks[0]!.hash, `pack ${run.packId} is gone`)
    const bytes = new Uint8Array(await object.arrayBuffer())
    if (bytes.length !== run.length) throw new StoredChunkError(run.chunks[0]!.hash, `pack ${run.packId} returned ${bytes.length} of ${run.length} bytes at ${run.offset}`)
    let at = 0
    for (const chunk of run.chunks) {
      const chunkBytes = bytes.subarray(at, at + chunk.length)
      at += chunk.length
      if ((await sha256Hex(chunkBytes)) !== chunk.hash) {
        throw new StoredChunkError(chunk.hash, `chunk ${chunk.hash} in pack ${run.packId} at ${chunk.offset} does not match its hash`)
      }
      yield { hash: chunk.hash, bytes: chunkBytes }
    }
  }
}
