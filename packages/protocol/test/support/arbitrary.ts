// Random instances of every frame type, biased toward the edges: empty strings and arrays, non-ASCII
// and astral characters, integers up to 2^53-1, and occasionally large byte arrays.

import * as prng from 'lib0/prng'
import { CatchUpKind, DocChannel, ErrorCode, MessageType, SyncStep } from '../../src/constants.ts'
import type { CatchUpEntry, DeviceId, DocHave, DocId, Message, SeqRange, SyncMessage, VaultCursor } from '../../src/types.ts'
import type { PRNG } from './seeded.ts'

const EDGE_UINTS = [0, 1, 127, 128, 16_383, 16_384, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 2, 2 ** 53 - 1]

export function arbUint(gen: PRNG): number {
  switch (prng.int31(gen, 0, 3)) {
    case 0:
      return prng.oneOf(gen, EDGE_UINTS)
    case 1:
      return prng.int31(gen, 0, 200)
    case 2:
      return prng.uint32(gen, 0, 2 ** 32 - 1)
    default:
      return prng.uint53(gen, 0, Number.MAX_SAFE_INTEGER)
  }
}

/** A code point that survives UTF-8 round-trips (never a lone surrogate). */
function arbCodePoint(gen: PRNG): number {
  switch (prng.int31(gen, 0, 5)) {
    case 0:
      return prng.int31(gen, 0, 0x7f) // ASCII, including NUL and control characters
    case 1:
      return prng.int31(gen, 0x80, 0x7ff)
    case 2:
      return prng.oneOf(gen, [0xfeff, 0xfffd, 0xffff, 0x200b, 0x0301, 0x10ffff])
    case 3:
      return prng.int31(gen, 0x1f300, 0x1faff) // emoji, 4 UTF-8 bytes
    case 4:
      return prng.int31(gen, 0xe000, 0xfffd)
    default:
      return prng.int31(gen, 0x800, 0xd7ff)
  }
}

/** A string whose UTF-8 form stays within the decoder's 4096-byte string limit. */
export function arbString(gen: PRNG): string {
  const roll = prng.int31(gen, 0, 9)
  const length = roll === 0 ? 0 : roll === 9 ? prng.int31(gen, 500, 1000) : prng.int31(gen, 1, 24)
  let out = ''
  for (let i = 0; i < length; i++) out += String.fromCodePoint(arbCodePoint(gen))
  return out
}

export function arbBytes(gen: PRNG): Uint8Array {
  const roll = prng.int31(gen, 0, 19)
  const length = roll === 0 ? 0 : roll === 19 ? prng.int31(gen, 65_536, 300_000) : prng.int31(gen, 1, 64)
  return prng.uint8Array(gen, length)
}

function arbArray<T>(gen: PRNG, item: (gen: PRNG) => T, max = 6): T[] {
  const length = prng.bool(gen) ? 0 : prng.int31(gen, 1, max)
  return Array.from({ length }, () => item(gen))
}

function arbCursor(gen: PRNG): VaultCursor {
  return { epoch: prng.int31(gen, 0, 3) === 0 ? '' : arbString(gen), seq: arbUint(gen) }
}

function arbDocHave(gen: PRNG): DocHave {
  return { docId: arbString(gen) as DocId, stateVector: arbBytes(gen) }
}

function arbSync(gen: PRNG): SyncMessage {
  const step = prng.oneOf(gen, Object.values(SyncStep))
  return step === SyncStep.Step1 ? { step, stateVector: arbBytes(gen) } : { step, update: arbBytes(gen) }
}

function arbRange(gen: PRNG): SeqRange {
  const a = arbUint(gen)
  const b = arbUint(gen)
  return { first: Math.min(a, b), last: Math.max(a, b) }
}

function arbCatchUpEntry(gen: PRNG): CatchUpEntry {
  return { docId: arbString(gen) as DocId, kind: prng.oneOf(gen, Object.values(CatchUpKind)), bytes: arbUint(gen) }
}

export const ALL_TYPES = Object.values(MessageType)

export function arbMessage(gen: PRNG, type: MessageType = prng.oneOf(gen, ALL_TYPES)): Message {
  switch (type) {
    case MessageType.Hello:
      return {
        type,
        versions: arbArray(gen, arbUint),
        deviceId: arbString(gen) as DeviceId,
        cursor: arbCursor(gen),
        subscribeAll: prng.bool(gen),
        docs: arbArray(gen, arbDocHave),
      }
    case MessageType.Welcome:
      return { type, version: arbUint(gen), epoch: arbString(gen), headSeq: arbUint(gen), sessionId: arbString(gen), lineage: arbString(gen) }
    case MessageType.CatchUp:
      return { type, epoch: arbString(gen), fromSeq: arbUint(gen), toSeq: arbUint(gen), entries: arbArray(gen, arbCatchUpEntry, 20) }
    case MessageType.CatchUpDoc:
      return { type, docId: arbString(gen) as DocId, update: arbBytes(gen) }
    case MessageType.CatchUpEnd:
    case MessageType.Resync:
      return { type, cursor: arbCursor(gen) }
    case MessageType.Doc:
      return prng.bool(gen)
        ? { type, docId: arbString(gen) as DocId, body: { channel: DocChannel.Sync, clientSeq: arbUint(gen), sync: arbSync(gen) } }
        : { type, docId: arbString(gen) as DocId, body: { channel: DocChannel.Awareness, awareness: arbBytes(gen) } }
    case MessageType.Subscribe:
      return { type, docId: arbString(gen) as DocId, stateVector: arbBytes(gen) }
    case MessageType.Unsubscribe:
      return { type, docId: arbString(gen) as DocId }
    case MessageType.Ack:
      return { type, cursor: arbCursor(gen), ranges: arbArray(gen, arbRange, 30) }
    case MessageType.Resume:
      return { type, cursor: arbCursor(gen), docs: arbArray(gen, arbDocHave) }
    case MessageType.Error:
      return { type, docId: arbString(gen), clientSeq: arbUint(gen), code: prng.oneOf(gen, Object.values(ErrorCode)), message: arbString(gen) }
  }
}

export { arbSync }

/**
 * The message with every byte array replaced by a tagged base64 string: deep equality stays exact
 * (and still checks the decoded values are Uint8Arrays) but 300 KB arrays compare in microseconds.
 */
export function comparable(value: unknown): unknown {
  if (value instanceof Uint8Array) return `bytes:${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')}`
  if (Array.isArray(value)) return value.map(comparable)
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, comparable(inner)]))
  }
  return value
}
