// What an upload reads: the bytes front to back once (to chunk and hash them), then single chunks again
// by offset (to pack the missing ones), so a large file never has to be in memory as a whole.

/** A file to upload. `@amber/client/node` reads one from disk; browsers pass a Blob or bytes. */
export interface ByteSource {
  readonly size: number
  /** The bytes, front to back, in blocks of any size. */
  blocks(): AsyncIterable<Uint8Array> | Iterable<Uint8Array>
  /** `length` bytes from `offset`. */
  read(offset: number, length: number): Promise<Uint8Array>
}

/** Blocks handed to the chunker: small enough for smooth progress, big enough to cost nothing. */
const BLOCK_BYTES = 1024 * 1024

export function bytesSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    *blocks() {
      for (let offset = 0; offset < bytes.length; offset += BLOCK_BYTES)
        yield bytes.subarray(offset, offset + BLOCK_BYTES)
    },
    read: async (offset, length) => bytes.subarray(offset, offset + length),
  }
}

/** A Blob (a File from an `<input>` stays on disk until read). */
export function blobSource(blob: Blob): ByteSource {
  return {
    size: blob.size,
    blocks: () => readableBlocks(blob.stream()),
    read: async (offset, length) => new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer()),
  }
}

/** Async iteration of a ReadableStream for runtimes without `ReadableStream[Symbol.asyncIterator]`. */
async function* readableBlocks(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader()
  let finished = false
  try {
    for (;;) {
      const { done, value } = await reader.read()
      finished = done
      if (done) return
      yield value
    }
  } finally {
    // A consumer that stopped early (an abort, an error) must not leave the source streaming.
    if (!finished) await reader.cancel().catch(() => undefined)
    reader.releaseLock()
  }
}
