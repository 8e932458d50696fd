import { describe, expect, it } from 'vitest'
import { DEFAULT_CHUNKING, chunkLengths, chunkStream, sha256HexWith } from '../src/index.ts'
import { nodeSha256 } from '../src/node.ts'
import { seededBytes, splice } from '../test-support/seededBytes.ts'

const SEED = Number(process.env.SEED ?? 0x5eed)
const MiB = 1024 * 1024

function chunkHashes(data: Uint8Array): string[] {
  const hashes: string[] = []
  let offset = 0
  for (const length of chunkLengths(data)) {
    hashes.push(sha256HexWith(nodeSha256, data.subarray(offset, offset + length)))
    offset += length
  }
  return hashes
}

/** Chunks of `after` that `before` does not have: what an upload of `after` sends. */
function newChunks(before: Uint8Array, after: Uint8Array): number {
  const known = new Set(chunkHashes(before))
  return chunkHashes(after).filter((hash) => !known.has(hash)).length
}


describe('FastCDC', () => {
  it('keeps every chunk within its bounds and the lengths add up', () => {
    const data = seededBytes(16 * MiB, SEED)
    const lengths = chunkLengths(data)
    expect(lengths.reduce((sum, length) => sum + length, 0)).toBe(data.length)
    for (const length of lengths.slice(0, -1)) {
      expect(length).toBeGreaterThanOrEqual(DEFAULT_CHUNKING.minSize)
      expect(length).toBeLessThanOrEqual(DEFAULT_CHUNKING.maxSize)
    }
    const mean = data.length / lengths.length
    // Normalized chunking centres sizes near the average (min + avg-ish for gear hashing).
    expect(mean).toBeGreaterThan(DEFAULT_CHUNKING.avgSize * 0.75)
    expect(mean).toBeLessThan(DEFAULT_CHUNKING.avgSize * 1.5)
  })

  it('cuts a stream the same way whatever the block sizes', async () => {
    const data = seededBytes(4 * MiB + 123, SEED + 1)
    const expected = chunkLengths(data)
    const blocks = seededBytes(4096, SEED + 2)
    function* split(): Generator<Uint8Array> {
      let offset = 0
      for (let index = 0; offset < data.length; index++) {
        const size = 1 + ((blocks[index % blocks.length]! * 2039) % (300 * 1024))
        yield data.subarray(offset, offset + size)
        offset += size
      }
    }
    const lengths: number[] = []
    for await (const chunk of chunkStream(split())) lengths.push(chunk.length)
    expect(lengths).toEqual(expected)
  })

  it('is pinned: the gear table and masks are part of the format', () => {
    expect(chunkLengths(seededBytes(1 * MiB, 42))).toMatchSnapshot()
  })

  describe('a change in 100 MB re-sends at most 2 chunks', () => {
    const original = seededBytes(100 * MiB, SEED)
    const middle = Math.floor(original.length / 2)

    it('1-byte overwrite in the middle', () => {
      const changed = original.slice()
      changed[middle] = changed[middle]! ^ 0xff
      expect(newChunks(original, changed)).toBeLessThanOrEqual(2)
    })

    it('1 KiB inserted at the start', () => {
      expect(newChunks(original, splice(original, 0, 0, seededBytes(1024, SEED + 3)))).toBeLessThanOrEqual(2)
    })

    it('1-byte insert in the middle and 1-byte append', () => {
      expect(newChunks(original, splice(original, middle, 0, new Uint8Array([7])))).toBeLessThanOrEqual(2)
      expect(newChunks(original, splice(original, original.length, 0, new Uint8Array([7])))).toBeLessThanOrEqual(2)
    })

    it('an identical file re-sends nothing', () => {
      expect(newChunks(original, original.slice())).toBe(0)
    })
  })
})
