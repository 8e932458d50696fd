// Binary form of logged updates: a hot row or a cold segment is a list of (seq, Yjs V1 update) entries.

import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'

export interface LogEntry {
  readonly seq: number
  readonly update: Uint8Array
}

/**
 * Most bytes a log entry's framing adds to its update: varUint seq (≤ 8 bytes below 2^53), varUint
 * length (≤ 4 below 256 MiB) and its share of the row's count (≤ 4). Limits charge an update this much
 * before it is written, so the exact row size, known after the commit, is never larger.
 */
export const LOG_ENTRY_OVERHEAD = 16

const SEGMENT_MAGIC = 0x414d4253 // "AMBS"
const SEGMENT_VERSION = 1

export function encodeLogEntries(entries: readonly LogEntry[]): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, entries.length)
  for (const entry of entries) {
    encoding.writeVarUint(encoder, entry.seq)
    encoding.writeVarUint8Array(encoder, entry.update)
  }
  return encoding.toUint8Array(encoder)
}

export function decodeLogEntries(bytes: Uint8Array): LogEntry[] {
  const decoder = decoding.createDecoder(bytes)
  const count = decoding.readVarUint(decoder)
  const entries: LogEntry[] = []
  for (let i = 0; i < count; i++) {
    const seq = decoding.readVarUint(decoder)
    entries.push({ seq, update: decoding.readVarUint8Array(decoder) })
  }
  return entries
}

/** A cold segment: a magic number and version in front of the entries, so a stray object is never misread. */
export function encodeSegment(entries: readonly LogEntry[]): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeUint32(encoder, SEGMENT_MAGIC)
  encoding.writeVarUint(encoder, SEGMENT_VERSION)
  encoding.writeUint8Array(encoder, encodeLogEntries(entries))
  return encoding.toUint8Array(encoder)
}

export function decodeSegment(bytes: Uint8Array): LogEntry[] {
  const decoder = decoding.createDecoder(bytes)
  if (decoding.readUint32(decoder) !== SEGMENT_MAGIC) throw new Error('not an Amber log segment')
  const version = decoding.readVarUint(decoder)
  if (version !== SEGMENT_VERSION) throw new Error(`unsupported segment version ${version}`)
  return decodeLogEntries(bytes.subarray(decoder.pos))
}
