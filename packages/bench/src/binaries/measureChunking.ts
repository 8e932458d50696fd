// Client-side chunking + hashing throughput against plain SHA-256 of the same bytes (one process, same
// buffer, medians), and the parameter study behind DEFAULT_CHUNKING: for each candidate, what a 1-byte
// overwrite, a 1-byte insert, a 1-byte append and a 1 KiB insert at the start re-send, and how many
// chunks (index rows, manifest entries) a GB costs.
import { createHash } from 'node:crypto'
import { DEFAULT_CHUNKING, chunkLengths } from '@amber/blobs'
import type { ChunkingParams } from '@amber/blobs'
import { nodeSha256 } from '@amber/blobs/node'
import { seededBytes, splice } from '@amber/blobs/test-support'
import { median } from '../stats.ts'

const KiB = 1024

export interface ChunkingSettings {
  /** Bytes hashed and chunked per throughput run. */
  readonly throughputBytes: number
  readonly runs: number
  /** File size of the edit study (the 100 MB). */
  readonly editFileBytes: number
  /** Positions of the 1-byte overwrite and insert (spread evenly); the median and worst are reported. */
  readonly editPositions: number
}

export const CANDIDATES: ReadonlyArray<ChunkingParams> = [
  { minSize: 8 * KiB, avgSize: 32 * KiB, maxSize: 128 * KiB },
  DEFAULT_CHUNKING,
  { minSize: 32 * KiB, avgSize: 128 * KiB, maxSize: 512 * KiB },
  { minSize: 64 * KiB, avgSize: 256 * KiB, maxSize: 1024 * KiB },
]

/** What the client does per file: cut, hash each chunk, hash the whole file. */
function chunkAndHash(data: Uint8Array, params: ChunkingParams): number {
  const whole = nodeSha256()
  let offset = 0
  const lengths = chunkLengths(data, params)
  for (const length of lengths) {
    const chunk = data.subarray(offset, offset + length)
    whole.update(chunk)
    const hash = nodeSha256()
    hash.update(chunk)
    hash.digestHex()
    offset += length
  }
  whole.digestHex()
  return lengths.length
}

function mbPerSecond(bytes: number, ms: number): number {
  return Math.round(bytes / 1e6 / (ms / 1000))
}

export function measureChunkingThroughput(settings: ChunkingSettings) {
  const data = seededBytes(settings.throughputBytes, 0xc0de)
  const sha: number[] = []
  const cdc: number[] = []
  const cutOnly: number[] = []
  for (let run = 0; run < settings.runs; run++) {
    let start = performance.now()
    createHash('sha256').update(data).digest()
    sha.push(performance.now() - start)
    start = performance.now()
    chunkLengths(data)
    cutOnly.push(performance.now() - start)
    start = performance.now()
    chunkAndHash(data, DEFAULT_CHUNKING)
    cdc.push(performance.now() - start)
  }
  const shaMBs = mbPerSecond(data.length, median(sha))
  const cdcMBs = mbPerSecond(data.length, median(cdc))
  return {
    bytes: data.length,
    runs: settings.runs,
    sha256MBps: shaMBs,
    cutOnlyMBps: mbPerSecond(data.length, median(cutOnly)),
    chunkAndHashMBps: cdcMBs,
    ratioToSha256: Number((cdcMBs / shaMBs).toFixed(3)),
    goalMBps: 300,
    method: 'FastCDC cut + SHA-256 per chunk + whole-file SHA-256 (node:crypto) over one in-memory buffer; medians',
  }
}

function chunkSet(data: Uint8Array, params: ChunkingParams): Map<string, number> {
  const chunks = new Map<string, number>()
  let offset = 0
  for (const length of chunkLengths(data, params)) {
    chunks.set(createHash('sha256').update(data.subarray(offset, offset + length)).digest('hex'), length)
    offset += length
  }
  return chunks
}

/** Bytes and chunks an upload of `after` sends when the server holds `before`. */
function resend(before: Map<string, number>, after: Map<string, number>) {
  let bytes = 0
  let chunks = 0
  for (const [hash, length] of after) {
    if (before.has(hash)) continue
    bytes += length
    chunks++
  }
  return { chunks, bytes }
}


export function measureChunkingParameters(settings: ChunkingSettings) {
  const original = seededBytes(settings.editFileBytes, 0xfeed)
  const positions = Array.from({ length: settings.editPositions }, (_, index) => Math.floor(((index + 0.5) / settings.editPositions) * original.length))
  const overwriteAt = (at: number) => {
    const edited = original.slice()
    edited[at] = edited[at]! ^ 0xff
    return edited
  }
  return CANDIDATES.map((params) => {
    const before = chunkSet(original, params)
    const after = (edited: Uint8Array) => resend(before, chunkSet(edited, params))
    const spread = (runs: Array<{ chunks: number; bytes: number }>) => ({
      medianBytes: median(runs.map(({ bytes }) => bytes)),
      maxBytes: Math.max(...runs.map(({ bytes }) => bytes)),
      maxChunks: Math.max(...runs.map(({ chunks }) => chunks)),
    })
    const meanChunk = original.length / before.size
    return {
      params,
      chosen: params === DEFAULT_CHUNKING,
      meanChunkBytes: Math.round(meanChunk),
      chunksPerGB: Math.round(1e9 / meanChunk),
      overwrite1B: spread(positions.map((at) => after(overwriteAt(at)))),
      insert1B: spread(positions.map((at) => after(splice(original, at, 0, new Uint8Array([42]))))),
      append1B: after(splice(original, original.length, 0, new Uint8Array([42]))),
      insert1KiBAtStart: after(splice(original, 0, 0, seededBytes(KiB, 0xbeef))),
    }
  })
}
