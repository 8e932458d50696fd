// Frames of the plain y-websocket protocol (one document per socket), spoken by stock editors'
// `WebsocketProvider`: a varUint message type, then a y-protocols sync message or an awareness update.

import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { ProtocolDecodeError, readSyncMessage, writeSyncMessage } from './codec.ts'
import type { SyncMessage } from './types.ts'

export const YMessageType = { Sync: 0, Awareness: 1, Auth: 2, QueryAwareness: 3 } as const

export type YFrame =
  | { readonly type: 'sync'; readonly sync: SyncMessage }
  | { readonly type: 'awareness'; readonly update: Uint8Array }
  | { readonly type: 'query-awareness' }

export function encodeYSync(sync: SyncMessage): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, YMessageType.Sync)
  writeSyncMessage(encoder, sync)
  return encoding.toUint8Array(encoder)
}

export function encodeYAwareness(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, YMessageType.Awareness)
  encoding.writeVarUint8Array(encoder, update)
  return encoding.toUint8Array(encoder)
}

/** Decodes one y-websocket frame; throws {@link ProtocolDecodeError} for anything else. */
export function decodeYFrame(frame: Uint8Array): YFrame {
  try {
    const decoder = decoding.createDecoder(frame)
    const type = decoding.readVarUint(decoder)
    let result: YFrame
    switch (type) {
      case YMessageType.Sync:
        result = { type: 'sync', sync: readSyncMessage(decoder) }
        break
      case YMessageType.Awareness: {
        const length = decoding.readVarUint(decoder)
        if (length > frame.length - decoder.pos) throw new ProtocolDecodeError('awareness length exceeds the frame')
        result = { type: 'awareness', update: decoding.readUint8Array(decoder, length).slice() }
        break
      }
      case YMessageType.QueryAwareness:
        result = { type: 'query-awareness' }
        break
      default:
        throw new ProtocolDecodeError(`unsupported y-websocket message type ${type}`)
    }
    if (decoder.pos !== frame.length) throw new ProtocolDecodeError('trailing bytes in y-websocket frame')
    return result
  } catch (error) {
    if (error instanceof ProtocolDecodeError) throw error
    throw new ProtocolDecodeError(`malformed y-websocket frame: ${(error as Error).message}`)
  }
}
