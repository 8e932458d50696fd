// Reading chunks: `chunks/fetch` in batches, every chunk checked against its SHA-256 before anything
// keeps it. An answer cut off is retried for what did not arrive; a chunk that arrives corrupted (or not
// at all in a complete answer) is fetched again, and the third failure of one chunk fails the read.

import { BlobErrorCode, readPackStream } from '@amber/blobs'
import { VaultError } from '../VaultError.ts'
import { messageOf } from './BlobHttp.ts'
import { FETCH_LIMITS, groupChunks } from './groupChunks.ts'
import type { ChunkSpan } from './groupChunks.ts'
import { TransientError, withRetries } from './retry.ts'
import type { TransferContext } from './TransferContext.ts'

/** Fetches of one chunk that may come back corrupted before the read fails. */
export const MAX_CHUNK_FETCHES = 3

/** Where verified chunks go: a buffer, a file. Only bytes whose hash was checked reach it. */
export interface ChunkSink {
  put(hash: string, bytes: Uint8Array): Promise<void> | void
}

/** Fetches `wanted` (hash → length), hands each verified chunk to `sink` once, reports `downloading`. */
export async function fetchVerified(
  ctx: TransferContext,
  wanted: ReadonlyMap<string, number>,
  sink: ChunkSink,
): Promise<void> {
  const pending = new Map(wanted)
  const failures = new Map<string, number>()
  ctx.progress.begin(
    'downloading',
    [...wanted.values()].reduce((total, length) => total + length, 0),
  )
  await withRetries(ctx.backoff, async () => {
    while (pending.size > 0) {
      const spans = [...pending].map(([hash, length]) => ({ hash, length }))
      for (const group of groupChunks(spans, FETCH_LIMITS)) await fetchGroup(ctx, group, pending, sink)
      // That answer was complete: whatever it should have brought and did not is a strike against the chunk.
      for (const { hash } of spans) {
        if (!pending.has(hash)) continue
        const count = (failures.get(hash) ?? 0) + 1
        if (count >= MAX_CHUNK_FETCHES)
          throw new VaultError(
            BlobErrorCode.ChunkHashMismatch,
            `chunk ${hash} arrived corrupted ${count} times`,
          )
        failures.set(hash, count)
      }
    }
  })
  ctx.progress.finish('downloading')
}

async function fetchGroup(
  ctx: TransferContext,
  group: readonly ChunkSpan[],
  pending: Map<string, number>,
  sink: ChunkSink,
): Promise<void> {
  const stream = await ctx.http.fetchChunks(
    group.map(({ hash }) => hash),
    ctx.signal,
  )
  const chunks = readPackStream(stream)
  try {
    for (;;) {
      const next = await nextChunk(chunks, ctx.signal)
      if (next.done) return
      const { hash, bytes } = next.value
      const length = pending.get(hash)
      // A chunk not asked for, or not matching its name, is dropped here and fetched again.
      if (length === undefined || bytes.length !== length || (await ctx.hashing.chunk(bytes)) !== hash)
        continue
      await sink.put(hash, bytes)
      pending.delete(hash)
      ctx.progress.advance('downloading', length)
      ctx.backoff.progressed()
    }
  } finally {
    await chunks.return(undefined)
    await stream.cancel().catch(() => undefined) // an answer left unread would hold its connection
  }
}

/** The next chunk of the answer; a stream that breaks off is a transient failure. */
async function nextChunk<T>(
  chunks: AsyncGenerator<T>,
  signal: AbortSignal | undefined,
): Promise<IteratorResult<T>> {
  try {
    return await chunks.next()
  } catch (error) {
    signal?.throwIfAborted()
    throw new TransientError(`the chunk answer broke off: ${messageOf(error)}`, { cause: error })
  }
}
