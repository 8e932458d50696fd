// Positional reads and writes on a file handle, whole or not at all, and streaming a file in blocks:
// the pieces uploads and downloads share.

import { open } from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import type { ByteSource } from '../binary/ByteSource.ts'

/** Blocks streamed from disk. */
const BLOCK_BYTES = 1024 * 1024

/** Opens an existing file; undefined when there is none. */
export async function openIfExists(path: string, flags: 'r' | 'r+'): Promise<FileHandle | undefined> {
  try {
    return await open(path, flags)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/** `length` bytes from `offset`; fewer only at the end of the file. */
export async function readAt(handle: FileHandle, offset: number, length: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(length)
  let filled = 0
  while (filled < length) {
    const { bytesRead } = await handle.read(bytes, filled, length - filled, offset + filled)
    if (bytesRead === 0) break
    filled += bytesRead
  }
  return filled === length ? bytes : bytes.subarray(0, filled)
}

export async function writeAt(handle: FileHandle, offset: number, bytes: Uint8Array): Promise<void> {
  let written = 0
  while (written < bytes.length) {
    const result = await handle.write(bytes, written, bytes.length - written, offset + written)
    written += result.bytesWritten
  }
}

/** The file's bytes front to back, as plain Uint8Array views (never pooled Buffers the chunker might alias). */
export async function* fileBlocks(handle: FileHandle): AsyncGenerator<Uint8Array> {
  for await (const block of handle.createReadStream({
    start: 0,
    autoClose: false,
    highWaterMark: BLOCK_BYTES,
  })) {
    const buffer = block as Buffer
    yield new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
  }
}

/** An open file as a source (a download's old copy to scan). */
export async function fileSource(handle: FileHandle): Promise<ByteSource> {
  const { size } = await handle.stat()
  return { size, blocks: () => fileBlocks(handle), read: (offset, length) => readAt(handle, offset, length) }
}

/**
 * Upload sources read by path, with one file open at a time: a batch reads its files one after another
 * (each streamed once to chunk it, then its missing chunks read back in file order), so a batch of
 * thousands of files never runs out of descriptors. Reads of two files must not overlap.
 */
export class PathSources {
  #open: { readonly path: string; readonly handle: Promise<FileHandle> } | undefined

  /** The file at `path` as a source; `size` (from a stat) only sizes the progress. */
  source(path: string, size: number): ByteSource {
    return {
      size,
      blocks: () => this.#blocks(path),
      read: async (offset, length) => readAt(await this.#handle(path), offset, length),
    }
  }

  /** Closes the file still open. */
  async close(): Promise<void> {
    const open = this.#open
    this.#open = undefined
    await closeQuietly(open?.handle)
  }

  async *#blocks(path: string): AsyncGenerator<Uint8Array> {
    yield* fileBlocks(await this.#handle(path))
  }

  async #handle(path: string): Promise<FileHandle> {
    if (this.#open?.path === path) return this.#open.handle
    const previous = this.#open?.handle
    const handle = open(path, 'r')
    // Its reader gets a failed open; until it awaits it (after the close below) it must not count as unhandled.
    handle.catch(() => undefined)
    this.#open = { path, handle }
    await closeQuietly(previous)
    return handle
  }
}

/** Closes a handle; one that never opened was already reported to whoever asked for it. */
async function closeQuietly(handle: Promise<FileHandle> | undefined): Promise<void> {
  await handle?.then(
    (opened) => opened.close(),
    () => undefined, // the failed open rejected its own read; nothing to close
  )
}
