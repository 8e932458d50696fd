// Pure encode/decode of vault-protocol frames (lib0). Decoding untrusted bytes never reads past the
// frame, never allocates by an attacker-chosen count, and fails with one typed error.

import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { CatchUpKind, DocChannel, ErrorCode, HelloFlags, MessageType, SyncStep } from './constants.ts'
import type { CatchUpEntry, DocHave, DocId, DeviceId, Message, SeqRange, SyncMessage, VaultCursor } from './types.ts'

/** Thrown for any frame that does not follow the grammar. */
export class ProtocolDecodeError extends Error {
  override readonly name = 'ProtocolDecodeError'
}

const MAX_STRING_BYTES = 4096

// ---- writers ----------------------------------------------------------------------------------

export function writeCursor(encoder: encoding.Encoder, cursor: VaultCursor): void {
  encoding.writeVarString(encoder, cursor.epoch)
  encoding.writeVarUint(encoder, cursor.seq)
}

function writeDocHaves(encoder: encoding.Encoder, docs: readonly DocHave[]): void {
  encoding.writeVarUint(encoder, docs.length)
  for (const doc of docs) {
    encoding.writeVarString(encoder, doc.docId)
    encoding.writeVarUint8Array(encoder, doc.stateVector)
  }
}

export function writeSyncMessage(encoder: encoding.Encoder, sync: SyncMessage): void {
  encoding.writeVarUint(encoder, sync.step)
  encoding.writeVarUint8Array(encoder, sync.step === SyncStep.Step1 ? sync.stateVector : sync.update)
}

export function writeMessage(encoder: encoding.Encoder, message: Message): void {
  encoding.writeVarUint(encoder, message.type)
  switch (message.type) {
    case MessageType.Hello:
      encoding.writeVarUint(encoder, message.versions.length)
      for (const version of message.versions) encoding.writeVarUint(encoder, version)
      encoding.writeVarString(encoder, message.deviceId)
      writeCursor(encoder, message.cursor)
      encoding.writeVarUint(encoder, message.subscribeAll ? HelloFlags.SubscribeAll : 0)
      writeDocHaves(encoder, message.docs)
      return
    case MessageType.Welcome:
      encoding.writeVarUint(encoder, message.version)
      encoding.writeVarString(encoder, message.epoch)
      encoding.writeVarUint(encoder, message.headSeq)
      encoding.writeVarString(encoder, message.sessionId)
      encoding.writeVarString(encoder, message.lineage)
      return
    case MessageType.CatchUp:
      encoding.writeVarString(encoder, message.epoch)
      encoding.writeVarUint(encoder, message.fromSeq)
      encoding.writeVarUint(encoder, message.toSeq)
      encoding.writeVarUint(encoder, message.entries.length)
      for (const entry of message.entries) {
        encoding.writeVarString(encoder, entry.docId)
        encoding.writeVarUint(encoder, entry.kind)
        encoding.writeVarUint(encoder, entry.bytes)
      }
      return
    case MessageType.CatchUpDoc:
      encoding.writeVarString(encoder, message.docId)
      encoding.writeVarUint8Array(encoder, message.update)
      return
    case MessageType.CatchUpEnd:
    case MessageType.Resync:
      writeCursor(encoder, message.cursor)
      return
    case MessageType.Doc:
      encoding.writeVarString(encoder, message.docId)
      encoding.writeVarUint(encoder, message.body.channel)
      if (message.body.channel === DocChannel.Sync) {
        encoding.writeVarUint(encoder, message.body.clientSeq)
        writeSyncMessage(encoder, message.body.sync)
      } else {
        encoding.writeVarUint8Array(encoder, message.body.awareness)
      }
      return
    case MessageType.Subscribe:
      encoding.writeVarString(encoder, message.docId)
      encoding.writeVarUint8Array(encoder, message.stateVector)
      return
    case MessageType.Unsubscribe:
      encoding.writeVarString(encoder, message.docId)
      return
    case MessageType.Ack:
      writeCursor(encoder, message.cursor)
      encoding.writeVarUint(encoder, message.ranges.length)
      for (const range of message.ranges) {
        encoding.writeVarUint(encoder, range.first)
        encoding.writeVarUint(encoder, range.last)
      }
      return
    case MessageType.Resume:
      writeCursor(encoder, message.cursor)
      writeDocHaves(encoder, message.docs)
      return
    case MessageType.Error:
      encoding.writeVarString(encoder, message.docId)
      encoding.writeVarUint(encoder, message.clientSeq)
      encoding.writeVarString(encoder, message.code)
      encoding.writeVarString(encoder, message.message)
      return
    default:
      return assertNever(message)
  }
}

export function encodeMessage(message: Message): Uint8Array {
  const encoder = encoding.createEncoder()
  writeMessage(encoder, message)
  return encoding.toUint8Array(encoder)
}

// ---- readers ----------------------------------------------------------------------------------

function remaining(decoder: decoding.Decoder): number {
  return decoder.arr.length - decoder.pos
}

function readUint(decoder: decoding.Decoder): number {
  if (remaining(decoder) <= 0) throw new ProtocolDecodeError('unexpected end of frame')
  const value = decoding.readVarUint(decoder)
  if (!Number.isSafeInteger(value)) throw new ProtocolDecodeError('integer out of range')
  return value
}

/** A length-prefixed byte array, copied out so it never aliases a larger buffer. */
function readBytes(decoder: decoding.Decoder): Uint8Array {
  const length = readUint(decoder)
  if (length > remaining(decoder)) throw new ProtocolDecodeError(`length ${length} exceeds the frame`)
  return decoding.readUint8Array(decoder, length).slice()
}

// ignoreBOM keeps a leading U+FEFF: the default would strip it and change the string on a round-trip.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

function readString(decoder: decoding.Decoder): string {
  const length = readUint(decoder)
  if (length > remaining(decoder)) throw new ProtocolDecodeError(`length ${length} exceeds the frame`)
  if (length > MAX_STRING_BYTES) throw new ProtocolDecodeError(`string of ${length} bytes is too long`)
  try {
    return utf8.decode(decoding.readUint8Array(decoder, length))
  } catch {
    throw new ProtocolDecodeError('string is not valid UTF-8') // TextDecoder's own error carries nothing more
  }
}

/** A count of items that each take at least one byte can never exceed the bytes left. */
function readCount(decoder: decoding.Decoder, minItemBytes = 1): number {
  const count = readUint(decoder)
  if (count * minItemBytes > remaining(decoder)) throw new ProtocolDecodeError(`count ${count} exceeds the frame`)
  return count
}

export function readCursor(decoder: decoding.Decoder): VaultCursor {
  const epoch = readString(decoder)
  const seq = readUint(decoder)
  return { epoch, seq }
}

function readDocHaves(decoder: decoding.Decoder): DocHave[] {
  const count = readCount(decoder, 2)
  const docs: DocHave[] = []
  for (let i = 0; i < count; i++) {
    const docId = readString(decoder) as DocId
    docs.push({ docId, stateVector: readBytes(decoder) })
  }
  return docs
}

export function readSyncMessage(decoder: decoding.Decoder): SyncMessage {
  const step = readUint(decoder)
  const payload = readBytes(decoder)
  switch (step) {
    case SyncStep.Step1:
      return { step, stateVector: payload }
    case SyncStep.Step2:
    case SyncStep.Update:
      return { step, update: payload }
    default:
      throw new ProtocolDecodeError(`unknown sync step ${step}`)
  }
}

function readEnum<T extends Record<string, number | string>>(value: number | string, values: T, what: string): T[keyof T] {
  if (!Object.values(values).includes(value)) throw new ProtocolDecodeError(`unknown ${what} ${String(value)}`)
  return value as T[keyof T]
}

export function readMessage(decoder: decoding.Decoder): Message {
  const type = readEnum(readUint(decoder), MessageType, 'message type')
  switch (type) {
    case MessageType.Hello: {
      const versionCount = readCount(decoder)
      const versions: number[] = []
      for (let i = 0; i < versionCount; i++) versions.push(readUint(decoder))
      const deviceId = readString(decoder) as DeviceId
      const cursor = readCursor(decoder)
      const flags = readUint(decoder)
      const docs = readDocHaves(decoder)
      return { type, versions, deviceId, cursor, subscribeAll: (flags & HelloFlags.SubscribeAll) !== 0, docs }
    }
    case MessageType.Welcome: {
      const version = readUint(decoder)
      const epoch = readString(decoder)
      const headSeq = readUint(decoder)
      const sessionId = readString(decoder)
      return { type, version, epoch, headSeq, sessionId, lineage: readString(decoder) }
    }
    case MessageType.CatchUp: {
      const epoch = readString(decoder)
      const fromSeq = readUint(decoder)
      const toSeq = readUint(decoder)
      const count = readCount(decoder, 3)
      const entries: CatchUpEntry[] = []
      for (let i = 0; i < count; i++) {
        const docId = readString(decoder) as DocId
        const kind = readEnum(readUint(decoder), CatchUpKind, 'catch-up kind')
        entries.push({ docId, kind, bytes: readUint(decoder) })
      }
      return { type, epoch, fromSeq, toSeq, entries }
    }
    case MessageType.CatchUpDoc: {
      const docId = readString(decoder) as DocId
      return { type, docId, update: readBytes(decoder) }
    }
    case MessageType.CatchUpEnd:
    case MessageType.Resync:
      return { type, cursor: readCursor(decoder) }
    case MessageType.Doc: {
      const docId = readString(decoder) as DocId
      const channel = readEnum(readUint(decoder), DocChannel, 'doc channel')
      if (channel === DocChannel.Sync) {
        const clientSeq = readUint(decoder)
        return { type, docId, body: { channel, clientSeq, sync: readSyncMessage(decoder) } }
      }
      return { type, docId, body: { channel, awareness: readBytes(decoder) } }
    }
    case MessageType.Subscribe: {
      const docId = readString(decoder) as DocId
      return { type, docId, stateVector: readBytes(decoder) }
    }
    case MessageType.Unsubscribe:
      return { type, docId: readString(decoder) as DocId }
    case MessageType.Ack: {
      const cursor = readCursor(decoder)
      const count = readCount(decoder, 2)
      const ranges: SeqRange[] = []
      for (let i = 0; i < count; i++) {
        const first = readUint(decoder)
        const last = readUint(decoder)
        if (last < first) throw new ProtocolDecodeError(`ack range ${first}..${last} is reversed`)
        ranges.push({ first, last })
      }
      return { type, cursor, ranges }
    }
    case MessageType.Resume: {
      const cursor = readCursor(decoder)
      return { type, cursor, docs: readDocHaves(decoder) }
    }
    case MessageType.Error: {
      const docId = readString(decoder)
      const clientSeq = readUint(decoder)
      const code = readEnum(readString(decoder), ErrorCode, 'error code')
      return { type, docId, clientSeq, code, message: readString(decoder) }
    }
    default:
      return assertNever(type)
  }
}

/** Decodes one whole frame; trailing bytes are an error. Throws {@link ProtocolDecodeError}. */
export function decodeMessage(frame: Uint8Array): Message {
  const decoder = decoding.createDecoder(frame)
  let message: Message
  try {
    message = readMessage(decoder)
  } catch (error) {
    if (error instanceof ProtocolDecodeError) throw error
    throw new ProtocolDecodeError(`malformed frame: ${error instanceof Error ? error.message : String(error)}`)
  }
  if (remaining(decoder) !== 0) throw new ProtocolDecodeError(`${remaining(decoder)} trailing bytes`)
  return message
}

/**
 * The document and client sequence number a Doc/sync frame is about, read from its first bytes only: a
 * frame refused for its size is answered with the `clientSeq` it carried, so the client can drop that
 * one update instead of resending it forever. Undefined for any other frame or a malformed prefix.
 */
export function peekDocUpdate(frame: Uint8Array): { docId: string; clientSeq: number } | undefined {
  const decoder = decoding.createDecoder(frame)
  try {
    if (readUint(decoder) !== MessageType.Doc) return undefined
    const docId = readString(decoder)
    if (readUint(decoder) !== DocChannel.Sync) return undefined
    return { docId, clientSeq: readUint(decoder) }
  } catch {
    return undefined
  }
}

export function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`)
}
