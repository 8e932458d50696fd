// Names the y-protocols message inside a y-websocket or Hocuspocus payload, for the wire log.
import * as decoding from 'lib0/decoding'
import type { WireKind } from './BenchTarget.ts'

/** y-websocket framing: varUint messageType (0 sync, 1 awareness, 2 auth, 3 query awareness), then the body. */
export function classifyYWebsocketPayload(payload: Uint8Array): WireKind {
  const decoder = decoding.createDecoder(payload)
  return classifyYMessage(decoding.readVarUint(decoder), decoder, {})
}

/** Hocuspocus framing: varString documentName, varUint messageType (Hocuspocus `MessageType`), then the body. */
export function classifyHocuspocusPayload(payload: Uint8Array): WireKind {
  const decoder = decoding.createDecoder(payload)
  decoding.readVarString(decoder)
  return classifyYMessage(decoding.readVarUint(decoder), decoder, {
    4: 'sync',
    8: 'sync-status',
    9: 'ping',
    10: 'ping',
  })
}

function classifyYMessage(
  type: number,
  decoder: decoding.Decoder,
  extra: Record<number, WireKind | 'sync'>,
): WireKind {
  const kind =
    type === 0
      ? 'sync'
      : type === 1
        ? 'awareness'
        : type === 2
          ? 'auth'
          : type === 3
            ? 'query-awareness'
            : (extra[type] ?? 'other')
  if (kind !== 'sync') return kind
  switch (decoding.readVarUint(decoder)) {
    case 0:
      return 'sync-step1'
    case 1:
      return 'sync-step2'
    case 2:
      return 'sync-update'
    default:
      return 'other'
  }
}
