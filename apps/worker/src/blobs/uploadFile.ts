// PUT of a binary through the files API: the request body streams through FastCDC, each chunk is
// hashed, and only the chunks the vault lacks travel to R2, in packs of about PACK_TARGET_BYTES. The
// body is never held whole (Workers: 100 MB bodies, 128 MB memory); at most one pack's chunks are.

import { PACK_TARGET_BYTES, chunkStream, encodePack, sha256Hex, toHex } from '@amber/blobs'
import type { ChunkRef } from '@amber/blobs'

/** Where the chunks go: the vault's index and pack store. */
export interface ChunkSink {
  /** The hashes the vault lacks (present ones are touched, so GC spares them until the commit). */
  missing(hashes: string[]): Promise<readonly string[]>
  /** Stores a pack of chunks hashed here (trusted: no second verification). */
  storePack(pack: Uint8Array): Promise<void>
}

export interface UploadedFile {
  readonly chunks: ChunkRef[]
  readonly size: number
  readonly sha256: string
}

export async function uploadFile(body: ReadableStream<Uint8Array>, sink: ChunkSink): Promise<UploadedFile> {
  const whole = new crypto.DigestStream('SHA-256')
  const wholeWriter = whole.getWriter()
  const chunks: ChunkRef[] = []
  let size = 0
  /** Chunks since the last pack, and hashes this upload already stored (a file may repeat a chunk). */
  let batch: { hash: string; bytes: Uint8Array }[] = []
  let batchBytes = 0
  const stored = new Set<string>()

  const flush = async () => {
    const fresh = batch.filter(({ hash }) => !stored.has(hash))
    batch = []
    batchBytes = 0
    if (fresh.length === 0) return
    const missing = new Set(await sink.missing(fresh.map(({ hash }) => hash)))
    const pack: { hash: string; bytes: Uint8Array }[] = []
    for (const chunk of fresh) {
      if (!missing.has(chunk.hash) || stored.has(chunk.hash)) continue
      stored.add(chunk.hash)
      pack.push(chunk)
    }
    if (pack.length > 0) await sink.storePack(encodePack(pack))
  }

  for await (const bytes of chunkStream(body)) {
    await wholeWriter.write(bytes)
    const hash = await sha256Hex(bytes)
    chunks.push([hash, bytes.length])
    size += bytes.length
    batch.push({ hash, bytes })
    batchBytes += bytes.length
    if (batchBytes >= PACK_TARGET_BYTES) await flush()
  }
  await flush()
  await wholeWriter.close()
  return { chunks, size, sha256: toHex(new Uint8Array(await whole.digest)) }
}

