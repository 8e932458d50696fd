// Writing versions, one or a batch: ask once which chunks the server lacks (across every file), send those
// in packs shared across files, then commit the versions in order, many per request (`POST versions`).
// R2 charges per write and every request costs a round trip, so a folder of small files goes up in a few
// packs and a few commit requests, not one of each per file. Every retry asks again for the versions not
// yet committed, so what reached the server before a failure is never sent twice; a commit answered
// MISSING_CHUNKS (GC raced the upload) sends what it names and commits again.

import { BlobErrorCode, MAX_COMMITS_PER_REQUEST, encodePack } from '@amber/blobs'
import type { CommitAnswer } from '@amber/blobs'
import { VaultError } from '../VaultError.ts'
import { refusalOfResult } from './BlobHttp.ts'
import type { ByteSource } from './ByteSource.ts'
import { readChunk } from './chunkFile.ts'
import type { ChunkedFile } from './chunkFile.ts'
import { PACK_LIMITS, batches, groupChunks } from './groupChunks.ts'
import { TransientError, withRetries } from './retry.ts'
import type { TransferContext } from './TransferContext.ts'

/** Commit attempts answered MISSING_CHUNKS before giving up (each one uploads what was named). */
const COMMIT_ROUNDS = 3
/** Manifest bytes per commit request; a manifest bigger than a request's share goes alone on its own route. */
/** Packs uploading at once (8 MiB each): the server's hashing of one overlaps the storage writes of another. */
const PACKS_IN_FLIGHT = 2
export const COMMIT_REQUEST_BYTES = 4 * 1024 * 1024
export const ALONE_ABOVE_BYTES = 1024 * 1024

export interface VersionUpload {
  readonly fileId: string
  readonly source: ByteSource
  readonly file: ChunkedFile
  /** The encoded manifest (`encodeManifest`). */
  readonly manifest: Uint8Array
  /** The same version as a patch against `base` (`encodeManifestPatch`): sent instead when given. */
  readonly patch?: Uint8Array | undefined
  /** The head this write started from; undefined for a new file. */
  readonly base: string | undefined
  /**
   * Chunks the server is known to hold: those of a committed version (never collected), so `missing`
   * need not ask about them — a 1-byte edit of a 100 MB file then asks about 2 hashes, not 1,300.
   */
  readonly stored?: ReadonlySet<string> | undefined
}

/** Where a distinct chunk is read from: the first upload and chunk index that has it. */
interface ChunkPlace {
  readonly hash: string
  readonly length: number
  readonly upload: number
  readonly index: number
}

/**
 * Uploads the missing chunks of every version and commits the versions in order; `committed` hears each
 * answer as it arrives (so a later failure does not hide an earlier commit). At most PACKS_IN_FLIGHT + 1
 * packs (8 MiB each) are in memory.
 */
export async function uploadVersions(
  ctx: TransferContext,
  uploads: readonly VersionUpload[],
  committed: (index: number, answer: CommitAnswer) => void,
): Promise<CommitAnswer[]> {
  const { http, progress, signal } = ctx
  const places = new Map<string, ChunkPlace>()
  uploads.forEach((upload, index) =>
    upload.file.chunks.forEach(([hash, length], chunk) => {
      if (!places.has(hash)) places.set(hash, { hash, length, upload: index, index: chunk })
    }),
  )
  const counted = new Set<string>()

  const send = async (hashes: readonly string[]): Promise<void> => {
    // In file order, so a pack holds neighbouring chunks and each file is read front to back once.
    const spans = [...new Set(hashes)]
      .flatMap((hash) => places.get(hash) ?? [])
      .sort((a, b) => a.upload - b.upload || a.index - b.index)
    const fresh = spans.filter(({ hash }) => !counted.has(hash))
    for (const { hash } of fresh) counted.add(hash)
    progress.expect('uploading', sum(fresh))
    // PACKS_IN_FLIGHT packs travel while the next is read and hashed.
    const inFlight: Promise<void>[] = []
    try {
      for (const group of groupChunks(spans, PACK_LIMITS)) {
        const chunks = []
        for (const { upload, index } of group)
          chunks.push(await readChunk(uploads[upload]!.source, uploads[upload]!.file, index, ctx.hashing))
        if (inFlight.length === PACKS_IN_FLIGHT) await inFlight.shift()
        const sent = http.putPack(encodePack(chunks), signal).then(() => {
          progress.advance('uploading', sum(group))
          ctx.backoff.progressed()
        })
        sent.catch(() => undefined) // a failure is thrown where it is awaited, not reported as unhandled meanwhile
        inFlight.push(sent)
      }
    } finally {
      // Settle every pack before a retry asks again what is missing (or an error leaves).
      await Promise.allSettled(inFlight)
    }
    await Promise.all(inFlight)
  }

  const answers: CommitAnswer[] = []
  return withRetries(ctx.backoff, async () => {
    const pending = uploads.slice(answers.length)
    const hashes = new Set(pending.flatMap(({ file, stored }) => file.chunks.map(([hash]) => hash).filter((hash) => !stored?.has(hash))))
    const missing: string[] = []
    for (const batch of batches([...hashes])) missing.push(...(await http.missing(batch, signal)))
    await send(missing)
    progress.finish('uploading')
    progress.begin(
      'committing',
      uploads.reduce((total, upload) => total + bodyOf(upload).length, 0),
    )
    const take = (answer: CommitAnswer): void => {
      const upload = uploads[answers.length]!
      answers.push(answer)
      progress.advance('committing', bodyOf(upload).length)
      ctx.backoff.progressed()
      committed(answers.length - 1, answer)
    }
    const rounds = new Map<VersionUpload, number>()
    const wholeManifest = new Set<VersionUpload>()
    while (answers.length < uploads.length) {
      const bodyFor = (upload: VersionUpload) => (wholeManifest.has(upload) ? upload.manifest : bodyOf(upload))
      const batch = nextCommitBatch(uploads.slice(answers.length), (upload) => bodyFor(upload).length)
      const requests = batch.map((upload) => ({ fileId: upload.fileId, base: upload.base, body: bodyFor(upload) }))
      // A manifest too big to share a request goes alone, as raw bytes on the single-commit route.
      const alone = batch.length === 1 && requests[0]!.body.length > ALONE_ABOVE_BYTES
      const results = alone ? [await http.commit(requests[0]!, signal)] : await http.commitMany(requests, signal)
      if (results.length !== batch.length) throw new TransientError(`versions answered ${results.length} results for ${batch.length} commits`)
      // Answers are taken in order up to the first refusal; the commits after it are sent again (a
      // repeated commit changes nothing), so a file's versions always arrive in order.
      for (const [index, result] of results.entries()) {
        if ('committed' in result) {
          take(result.committed)
          continue
        }
        const upload = batch[index]!
        const { error } = result
        if (error.code === BlobErrorCode.VersionNotFound && upload.patch !== undefined && !wholeManifest.has(upload)) {
          // The server cannot rebuild the patch (its base is unknown there): send the whole manifest.
          wholeManifest.add(upload)
        } else if (error.code === BlobErrorCode.MissingChunks) {
          const round = (rounds.get(upload) ?? 0) + 1
          rounds.set(upload, round)
          if (round === COMMIT_ROUNDS) {
            throw new VaultError(BlobErrorCode.MissingChunks, `the server still lacks ${error.missing?.length ?? 0} chunks after ${round} uploads`)
          }
          await send(error.missing ?? [])
        } else {
          throw refusalOfResult(error)
        }
        break
      }
    }
    progress.finish('committing')
    return answers
  })
}

/**
 * The next commits to send together, in order: up to MAX_COMMITS_PER_REQUEST and COMMIT_REQUEST_BYTES,
 * never two versions of one file (a later version succeeds the earlier one, which must be committed
 * first), and a manifest too big to share a request alone.
 */
export function nextCommitBatch(
  uploads: readonly VersionUpload[],
  sizeOf: (upload: VersionUpload) => number = (upload) => bodyOf(upload).length,
): VersionUpload[] {
  const batch: VersionUpload[] = []
  const files = new Set<string>()
  let bytes = 0
  for (const upload of uploads) {
    const size = sizeOf(upload)
    const full = batch.length === MAX_COMMITS_PER_REQUEST || bytes + size > COMMIT_REQUEST_BYTES || files.has(upload.fileId)
    if (batch.length > 0 && (full || size > ALONE_ABOVE_BYTES)) break
    batch.push(upload)
    files.add(upload.fileId)
    bytes += size
    if (size > ALONE_ABOVE_BYTES) break
  }
  return batch
}

function bodyOf(upload: VersionUpload): Uint8Array {
  return upload.patch ?? upload.manifest
}

function sum(spans: ReadonlyArray<{ readonly length: number }>): number {
  return spans.reduce((total, { length }) => total + length, 0)
}
