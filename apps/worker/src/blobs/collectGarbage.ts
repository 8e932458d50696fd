// Binary GC and repacking, run from the DO alarm. Removes only what no version references and nobody
// touched within the grace. Chunk rows go at once (synchronously: a racing commit re-checks and gets 409);
// a pack's row goes only after its object, so a failed delete is found again by the next run — except a
// stale reservation's, which goes first so that a late registration fails instead of indexing a deleted object.

import { encodePack, readPackHeader } from '@amber/blobs'
import type { RoomLogger } from '@amber/core'
import type { BlobConfig } from '../config.ts'
import { R2_DELETE_BATCH } from '../storage/R2StorageAdapter.ts'
import type { BlobIndex, PackRow } from './BlobIndex.ts'
import { blobKeys, createPackId } from './blobKeys.ts'
import { readChunks } from './readChunks.ts'

export interface GcContext {
  readonly vaultId: string
  readonly bucket: R2Bucket
  readonly index: BlobIndex
  readonly config: BlobConfig
  readonly logger: RoomLogger
  readonly now: number
}

/** One pass; true when everything due was done (false: something failed and was logged). */
export async function collectGarbage(context: GcContext): Promise<boolean> {
  const { vaultId, bucket, index, config, now } = context
  const cutoff = now - config.gcGraceMs
  index.dropUnreferenced(cutoff)
  // A reservation older than the grace belongs to an upload that died between reserve and register.
  const stale = index.stalePendingPacks(cutoff)
  for (const packId of stale) index.deletePack(packId)
  // Nothing points into a dead pack, and nothing can start to: only reservations get registered.
  const dead = index.deadPacks()
  await deleteObjects(bucket, [...stale, ...dead].map((packId) => blobKeys.pack(vaultId, packId)))
  for (const packId of dead) index.deletePack(packId)
  let complete = true
  for (const pack of index.sparsePacks(cutoff, config.repackBelow)) {
    try {
      await repack(context, pack)
    } catch (error) {
      // The old pack stays as it is, every chunk still readable where the index says; retried later.
      context.logger.error('repack failed', { vaultId, packId: pack.id, error: String(error) })
      complete = false
    }
  }
  return complete
}

/** Copies a pack's live chunks (ranged reads, each verified) into a new pack and deletes the old object. */
async function repack({ vaultId, bucket, index, now }: GcContext, pack: PackRow): Promise<void> {
  const chunks: { hash: string; bytes: Uint8Array }[] = []
  for await (const chunk of readChunks(bucket, vaultId, index.chunksIn(pack.id))) chunks.push(chunk)
  if (chunks.length === 0) return
  const bytes = encodePack(chunks)
  const packId = createPackId()
  index.reservePack(packId, bytes.length, now)
  await bucket.put(blobKeys.pack(vaultId, packId), bytes)
  index.movePack(pack.id, packId, readPackHeader(bytes)!.entries)
  await bucket.delete(blobKeys.pack(vaultId, pack.id))
  index.deletePack(pack.id)
}

/** R2 deletes at most 1000 keys per call. */
async function deleteObjects(bucket: R2Bucket, keys: readonly string[]): Promise<void> {
  for (let at = 0; at < keys.length; at += R2_DELETE_BATCH) await bucket.delete(keys.slice(at, at + R2_DELETE_BATCH))
}
