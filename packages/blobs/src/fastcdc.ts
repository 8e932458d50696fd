// FastCDC content-defined chunking (Xia et al., USENIX ATC 2016 / TOS 2020): a gear rolling hash over
// the bytes after the minimum size, with normalized chunking — a stricter mask before the average size
// and a looser one after — so chunk sizes cluster around the average. A boundary depends only on the
// 32 bytes before it, so an insert or delete moves no boundary past the next one.
//
// No maintained JavaScript FastCDC exists on npm (only WASM/Rust wrappers and Rabin chunkers), hence
// this small implementation; its output is pinned by test vectors.

/** Chunk size bounds in bytes. `avgSize` must be a power of two. */
export interface ChunkingParams {
  readonly minSize: number
  readonly avgSize: number
  readonly maxSize: number
}

/**
 * Amber's parameters, chosen by measurement (docs/binaries.md): a 1-byte edit re-sends about 2 × 64 KiB,
 * and 1 GB is about 16k chunks — 2 packs of 8 MiB per 16 MiB, so R2 writes stay low.
 */
export const DEFAULT_CHUNKING: ChunkingParams = { minSize: 16 * 1024, avgSize: 64 * 1024, maxSize: 256 * 1024 }

/** Normalization level 2 of the paper: masks with two bits more (before avg) and two fewer (after). */
const NORMALIZATION = 2

/** 256 fixed pseudo-random 32-bit values (SplitMix32 from a fixed seed): part of the chunk format. */
const GEAR: Int32Array = (() => {
  const table = new Int32Array(256)
  let state = 0x9e3779b9 | 0
  for (let index = 0; index < 256; index++) {
    state = (state + 0x9e3779b9) | 0
    let z = state
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    table[index] = z ^ (z >>> 16)
  }
  return table
})()

/** A mask of `bits` ones in the top bits: gear hash bits high up depend on the most recent 32 bytes. */
function topMask(bits: number): number {
  return bits <= 0 ? 0 : (~0 << (32 - bits)) | 0
}

export function validateParams(params: ChunkingParams): void {
  const { minSize, avgSize, maxSize } = params
  const bits = Math.log2(avgSize)
  if (!Number.isInteger(bits) || bits < 8 || bits > 28) throw new RangeError('avgSize must be a power of two between 256 B and 256 MiB')
  if (!(minSize > 0 && minSize < avgSize && avgSize < maxSize)) throw new RangeError('chunk sizes need 0 < minSize < avgSize < maxSize')
}

/**
 * The length of the chunk starting at `start`, given the bytes `data[start, end)`. When fewer than
 * `maxSize` bytes are available and more may follow, call it again with more: only a cut found inside
 * the window is final (`chunkStream` handles this).
 */
export function cutPoint(data: Uint8Array, start: number, end: number, params: ChunkingParams = DEFAULT_CHUNKING): number {
  const available = end - start
  const { minSize, avgSize, maxSize } = params
  if (available <= minSize) return available
  const limit = Math.min(available, maxSize)
  const normal = Math.min(avgSize, limit)
  const bits = Math.log2(avgSize)
  const strictMask = topMask(bits + NORMALIZATION)
  const looseMask = topMask(bits - NORMALIZATION)
  let hash = 0
  let index = start + minSize
  const normalEnd = start + normal
  for (; index < normalEnd; index++) {
    hash = ((hash << 1) + GEAR[data[index]!]!) | 0
    if ((hash & strictMask) === 0) return index + 1 - start
  }
  const limitEnd = start + limit
  for (; index < limitEnd; index++) {
    hash = ((hash << 1) + GEAR[data[index]!]!) | 0
    if ((hash & looseMask) === 0) return index + 1 - start
  }
  return limit
}

/** Chunk lengths of a whole buffer. */
export function chunkLengths(data: Uint8Array, params: ChunkingParams = DEFAULT_CHUNKING): number[] {
  validateParams(params)
  const lengths: number[] = []
  for (let start = 0; start < data.length; ) {
    const length = cutPoint(data, start, data.length, params)
    lengths.push(length)
    start += length
  }
  return lengths
}

/**
 * Cuts a stream of byte blocks (any sizes) into chunks. Each yielded chunk is a view into a buffer the
 * chunker will not touch again: keep it or copy it as you like. Holds at most `maxSize` plus one block.
 */
export async function* chunkStream(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  params: ChunkingParams = DEFAULT_CHUNKING,
): AsyncGenerator<Uint8Array> {
  validateParams(params)
  let pending = new Uint8Array(0)
  for await (const block of source) {
    if (block.length === 0) continue
    let data: Uint8Array
    if (pending.length === 0) data = block
    else {
      data = new Uint8Array(pending.length + block.length)
      data.set(pending)
      data.set(block, pending.length)
    }
    let start = 0
    // Only cut while a full window is available: a cut found in a shorter window might move once more
    // bytes arrive (it never does for a found boundary, but the max-size cut would).
    while (data.length - start >= params.maxSize) {
      const length = cutPoint(data, start, data.length, params)
      yield data.subarray(start, start + length)
      start += length
    }
    pending = data.slice(start)
  }
  for (let start = 0; start < pending.length; ) {
    const length = cutPoint(pending, start, pending.length, params)
    yield pending.subarray(start, start + length)
    start += length
  }
}
