// Packs: many content-addressed chunks in one object, so R2 sees one write per ~8 MiB instead of one
// per chunk (restic's approach). The header lists every chunk, so a pack describes itself and the chunk
// index can be rebuilt from R2 alone; a chunk is read back with one ranged GET.
//
//   "AMBERPK1" | u32 count (BE) | count × (32-byte SHA-256, u32 length BE) | chunk bytes, in order

import { fromHex, isSha256Hex, toHex } from './hash.ts'

export const PACK_MAGIC = 'AMBERPK1'
const MAGIC_BYTES = new TextEncoder().encode(PACK_MAGIC)
const ENTRY_BYTES = 36
const FIXED_BYTES = MAGIC_BYTES.length + 4

/** What a client aims at per pack upload: big enough to keep R2 writes low, small enough to re-send. */
export const PACK_TARGET_BYTES = 8 * 1024 * 1024
/** The largest pack the server accepts (also bounds what the Worker holds in memory per upload). */
export const PACK_MAX_BYTES = 16 * 1024 * 1024

export interface PackEntry {
  readonly hash: string
  readonly length: number
  /** Offset of the chunk's bytes from the start of the pack (header included). */
  readonly offset: number
}

export interface PackHeader {
  readonly entries: readonly PackEntry[]
  readonly headerBytes: number
  /** Header plus every chunk. */
  readonly totalBytes: number
}

export class PackFormatError extends Error {
  override readonly name = 'PackFormatError'
}

export function packHeaderBytes(count: number): number {
  return FIXED_BYTES + count * ENTRY_BYTES
}

export function encodePackHeader(chunks: ReadonlyArray<{ readonly hash: string; readonly length: number }>): Uint8Array {
  const header = new Uint8Array(packHeaderBytes(chunks.length))
  const view = new DataView(header.buffer)
  header.set(MAGIC_BYTES)
  view.setUint32(MAGIC_BYTES.length, chunks.length)
  chunks.forEach(({ hash, length }, index) => {
    const at = FIXED_BYTES + index * ENTRY_BYTES
    header.set(fromHex(hash), at)
    view.setUint32(at + 32, length)
  })
  return header
}

/** One pack in memory: header then chunks. The hashes are trusted here; the server checks them. */
export function encodePack(chunks: ReadonlyArray<{ readonly hash: string; readonly bytes: Uint8Array }>): Uint8Array {
  const header = encodePackHeader(chunks.map(({ hash, bytes }) => ({ hash, length: bytes.length })))
  const pack = new Uint8Array(header.length + chunks.reduce((sum, { bytes }) => sum + bytes.length, 0))
  pack.set(header)
  let offset = header.length
  for (const { bytes } of chunks) {
    pack.set(bytes, offset)
    offset += bytes.length
  }
  return pack
}

/**
 * Reads a pack header from the start of `bytes`: undefined while more bytes are needed. Throws on a
 * bad magic, a zero-length chunk, or more than `maxEntries` chunks.
 */
export function readPackHeader(bytes: Uint8Array, maxEntries = 1 << 20): PackHeader | undefined {
  if (bytes.length < FIXED_BYTES) return undefined
  for (let index = 0; index < MAGIC_BYTES.length; index++) {
    if (bytes[index] !== MAGIC_BYTES[index]) throw new PackFormatError('not a pack (bad magic)')
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const count = view.getUint32(MAGIC_BYTES.length)
  if (count > maxEntries) throw new PackFormatError(`pack lists ${count} chunks; at most ${maxEntries}`)
  const headerBytes = packHeaderBytes(count)
  if (bytes.length < headerBytes) return undefined
  const entries: PackEntry[] = []
  let offset = headerBytes
  for (let index = 0; index < count; index++) {
    const at = FIXED_BYTES + index * ENTRY_BYTES
    const hash = toHex(bytes.subarray(at, at + 32))
    const length = view.getUint32(at + 32)
    if (length === 0) throw new PackFormatError(`chunk ${index} has length 0`)
    entries.push({ hash, length, offset })
    offset += length
  }
  return { entries, headerBytes, totalBytes: offset }
}

/**
 * Reads a pack from a byte stream, yielding each chunk with the hash its header claims (verify it!).
 * Throws when the stream ends early or runs past the last chunk.
 */
export async function* readPackStream(stream: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | ReadableStream<Uint8Array>): AsyncGenerator<{ hash: string; bytes: Uint8Array }> {
  let buffer: Uint8Array = new Uint8Array(0)
  let header: PackHeader | undefined
  let next = 0
  const iterable = isReadableStream(stream) ? iterateStream(stream) : stream
  for await (const block of iterable) {
    buffer = concat(buffer, block)
    if (header === undefined) {
      header = readPackHeader(buffer)
      if (header === undefined) continue
      buffer = buffer.slice(header.headerBytes)
    }
    while (next < header.entries.length && buffer.length >= header.entries[next]!.length) {
      const entry = header.entries[next++]!
      yield { hash: entry.hash, bytes: buffer.slice(0, entry.length) }
      buffer = buffer.subarray(entry.length)
    }
    if (next === header.entries.length && buffer.length > 0) throw new PackFormatError('bytes after the last chunk')
  }
  if (header === undefined) throw new PackFormatError('stream ended inside the pack header')
  if (next < header.entries.length) throw new PackFormatError(`stream ended after ${next} of ${header.entries.length} chunks`)
}

export function isValidChunkHash(hash: unknown): hash is string {
  return isSha256Hex(hash)
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

function isReadableStream(value: unknown): value is ReadableStream<Uint8Array> {
  return typeof (value as ReadableStream | undefined)?.getReader === 'function'
}

async function* iterateStream(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      yield value
    }
  } finally {
    reader.releaseLock()
  }
}
