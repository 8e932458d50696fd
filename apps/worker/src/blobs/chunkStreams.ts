// The Worker's read side of binaries: locate chunks through the vault's DO, then stream them from R2
// verified (readChunks) — as a pack for `chunks/fetch`, or as a byte range of a file version.

import { BlobErrorCode, MAX_HASHES_PER_REQUEST, chunkOffsets, encodePackHeader, sha256Hex } from '@amber/blobs'
import type { Manifest } from '@amber/blobs'
import { ApiError } from '../ApiError.ts'
import type { Env } from '../Env.ts'
import { vaultStub } from '../vaultStub.ts'
import type { ChunkLocation } from './BlobIndex.ts'
import { StoredChunkError, readChunks } from './readChunks.ts'

/** Where each hash is stored, in order (repeats kept); 404 CHUNK_NOT_FOUND names the first unknown one. */
export async function locateChunks(env: Env, vaultId: string, hashes: string[]): Promise<ChunkLocation[]> {
  const { found, missing } = await vaultStub(env, vaultId).locateChunks(vaultId, hashes)
  if (missing.length > 0) throw new ApiError(404, BlobErrorCode.ChunkNotFound, `chunk ${missing[0]} is not stored in this vault`, { hash: missing[0]!, missing })
  return found
}

/** A pack of the located chunks: the header, then each chunk as it is read and verified. */
export async function* packStream(env: Env, vaultId: string, located: readonly ChunkLocation[]): AsyncGenerator<Uint8Array> {
  yield encodePackHeader(located)
  for await (const { bytes } of readChunks(env.BLOBS, vaultId, located)) yield bytes
}

/** Bytes `start..end` (inclusive) of a file version, chunk by chunk, located a batch at a time. */
export async function* fileRangeStream(env: Env, vaultId: string, manifest: Manifest, start: number, end: number): AsyncGenerator<Uint8Array> {
  const offsets = chunkOffsets(manifest)
  const first = lastIndexAtOrBefore(offsets, start)
  const last = lastIndexAtOrBefore(offsets, end)
  for (let batch = first; batch <= last; batch += MAX_HASHES_PER_REQUEST) {
    const upTo = Math.min(last + 1, batch + MAX_HASHES_PER_REQUEST)
    const located = await locateChunks(env, vaultId, manifest.chunks.slice(batch, upTo).map(([hash]) => hash))
    let index = batch
    for await (const { bytes } of readChunks(env.BLOBS, vaultId, located)) {
      const at = offsets[index++]!
      yield bytes.subarray(Math.max(0, start - at), Math.min(bytes.length, end + 1 - at))
    }
  }
}

/** The largest index whose offset is at or before `position` (offsets ascend). */
function lastIndexAtOrBefore(offsets: readonly number[], position: number): number {
  let low = 0
  let high = offsets.length - 1
  while (low < high) {
    const middle = (low + high + 1) >> 1
    if (offsets[middle]! <= position) low = middle
    else high = middle - 1
  }
  return low
}

/** A committed manifest's bytes, checked against their name; undefined when there is no such version. */
export async function loadManifestBytes(env: Env, vaultId: string, version: string): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const source = await vaultStub(env, vaultId).manifestSource(vaultId, version)
  if (source === undefined) return undefined
  if ('location' in source) {
    // A chunk of a pack, read (and verified) like any other.
    for await (const { bytes } of readChunks(env.BLOBS, vaultId, [source.location])) return bytes as Uint8Array<ArrayBuffer>
    return undefined
  }
  const bytes = new Uint8Array(source.bytes)
  if ((await sha256Hex(bytes)) !== version) throw new StoredChunkError(version, `manifest ${version} does not match its name`)
  return bytes
}
