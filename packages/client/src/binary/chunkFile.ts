// A file as the manifest sees it: FastCDC chunks named by SHA-256, the whole-file SHA-256 and size,
// computed in one streaming pass over a ByteSource. A batch chunks its files one after another and keeps
// only these lists, never the bytes.

import { DEFAULT_CHUNKING, chunkStream } from '@amber/blobs'
import type { ChunkRef } from '@amber/blobs'
import { ClientErrorCode, VaultError } from '../VaultError.ts'
import type { ByteSource } from './ByteSource.ts'
import type { Hashing } from './hashing.ts'
import type { ProgressReporter } from './TransferProgress.ts'

export interface ChunkedFile {
  readonly size: number
  readonly sha256: string
  readonly chunks: readonly ChunkRef[]
  /** Byte offset of each chunk. */
  readonly offsets: readonly number[]
}

/** Chunks and hashes every source, one after another, as one `chunking` phase over their total size. */
export async function chunkFiles(
  sources: readonly ByteSource[],
  hashing: Hashing,
  progress: ProgressReporter,
  signal?: AbortSignal,
): Promise<ChunkedFile[]> {
  progress.begin(
    'chunking',
    sources.reduce((total, { size }) => total + size, 0),
  )
  const files: ChunkedFile[] = []
  for (const source of sources) files.push(await chunkFile(source, hashing, progress, signal))
  progress.finish('chunking')
  return files
}

/** Chunks and hashes a whole source in one pass; `progress` (when given) hears the bytes as `chunking`. */
export async function chunkFile(
  source: ByteSource,
  hashing: Hashing,
  progress: ProgressReporter | undefined,
  signal?: AbortSignal,
): Promise<ChunkedFile> {
  const whole = hashing.file()
  const chunks: ChunkRef[] = []
  const offsets: number[] = []
  let size = 0
  for await (const chunk of chunkStream(source.blocks(), DEFAULT_CHUNKING)) {
    signal?.throwIfAborted()
    whole.update(chunk)
    chunks.push([await hashing.chunk(chunk), chunk.length])
    offsets.push(size)
    size += chunk.length
    progress?.advance('chunking', chunk.length)
  }
  return { size, sha256: whole.digestHex(), chunks, offsets }
}

/**
 * Reads chunk `index` back from the source and checks it still has the hash it was named by: a file
 * edited during the upload must fail it, not commit bytes the manifest does not describe.
 */
export async function readChunk(
  source: ByteSource,
  file: ChunkedFile,
  index: number,
  hashing: Hashing,
): Promise<{ hash: string; bytes: Uint8Array }> {
  const [hash, length] = file.chunks[index]!
  const bytes = await source.read(file.offsets[index]!, length)
  if (bytes.length !== length || (await hashing.chunk(bytes)) !== hash)
    throw new VaultError(
      ClientErrorCode.SourceChanged,
      'the file changed while it was uploaded; write it again',
    )
  return { hash, bytes }
}
