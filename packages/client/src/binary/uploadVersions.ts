// Writing a version: ask which chunks the server lacks, send those in packs, commit the manifest. Every
// retry asks again, so what reached the server before a failure is never sent twice; a commit answered
// 409 MISSING_CHUNKS (GC raced the upload) sends what it names and commits again.

import { BlobErrorCode, encodePack } from '@amber/blobs'
import type { CommitAnswer } from '@amber/blobs'
import { VaultError } from '../VaultError.ts'
import type { ByteSource } from './ByteSource.ts'
import { readChunk } from './chunkFile.ts'
import type { ChunkedFile } from './chunkFile.ts'
import { PACK_LIMITS, batches, groupChunks } from './groupChunks.ts'
import { withRetries } from './retry.ts'
import type { TransferContext } from './TransferContext.ts'

/** Commit attempts answered MISSING_CHUNKS before giving up (each one uploads what was named). */
const COMMIT_ROUNDS = 3

export interface VersionUpload {
  readonly fileId: string
  readonly source: ByteSource
  readonly file: ChunkedFile
  /** The encoded manifest (`encodeManifest`). */
  readonly manifest: Uint8Array
  /** The same version as a patch against `base` (`encodeManifestPatch`): sent instead when given. */
  readonly patch?: Uint8Array
  /** The head this write started from; undefined for a new file. */
  readonly base: string | undefined
}

export async function uploadVersion(ctx: TransferContext, upload: VersionUpload): Promise<CommitAnswer> {
  const { http, progress, signal } = ctx
  const firstIndex = new Map<string, number>()
  upload.file.chunks.forEach(([hash], index) => {
    if (!firstIndex.has(hash)) firstIndex.set(hash, index)
  })
  const counted = new Set<string>()

  const send = async (hashes: readonly string[]): Promise<void> => {
    const spans = hashes.flatMap((hash) => {
      const index = firstIndex.get(hash)
      return index === undefined ? [] : [{ hash, index, length: upload.file.chunks[index]![1] }]
    })
    const fresh = spans.filter(({ hash }) => !counted.has(hash))
    for (const { hash } of fresh) counted.add(hash)
    progress.expect('uploading', sum(fresh))
    for (const group of groupChunks(spans, PACK_LIMITS)) {
      const chunks = []
      for (const { index } of group)
        chunks.push(await readChunk(upload.source, upload.file, index, ctx.hashing))
      await http.putPack(encodePack(chunks), signal)
      progress.advance('uploading', sum(group))
      ctx.backoff.progressed()
    }
  }

  return withRetries(ctx.backoff, async () => {
    const missing: string[] = []
    for (const batch of batches([...firstIndex.keys()])) missing.push(...(await http.missing(batch, signal)))
    await send(missing)
    progress.finish('uploading')
    let body = upload.patch ?? upload.manifest
    progress.begin('committing', body.length)
    for (let round = 1; ; round++) {
      let outcome
      try {
        outcome = await http.commit(upload.fileId, body, upload.base, signal)
      } catch (error) {
        // The server cannot rebuild the patch (its base is unknown there): send the whole manifest.
        if (!(body === upload.patch && error instanceof VaultError && error.code === BlobErrorCode.VersionNotFound)) throw error
        body = upload.manifest
        outcome = await http.commit(upload.fileId, body, upload.base, signal)
      }
      if ('committed' in outcome) {
        progress.finish('committing')
        return outcome.committed
      }
      if (round === COMMIT_ROUNDS)
        throw new VaultError(
          BlobErrorCode.MissingChunks,
          `the server still lacks ${outcome.missing.length} chunks after ${round} uploads`,
        )
      await send(outcome.missing)
    }
  })
}

function sum(spans: ReadonlyArray<{ readonly length: number }>): number {
  return spans.reduce((total, { length }) => total + length, 0)
}
