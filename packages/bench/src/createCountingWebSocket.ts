// A `ws` WebSocket subclass handed to providers as their WebSocketPolyfill: it records the size and
// kind of every application payload sent and received (WebSocket framing is not counted).
import WebSocket from 'ws'
import type { WireKind, WireMessage } from './BenchTarget.ts'

export type ClassifyPayload = (payload: Uint8Array) => WireKind
export type CountingWebSocketClass = new (address: string | URL, protocols?: string | string[]) => WebSocket

/** Returns a WebSocket class whose instances append to `log`; pass it as `WebSocketPolyfill`. */
export function createCountingWebSocket(
  log: WireMessage[],
  classify: ClassifyPayload,
): CountingWebSocketClass {
  return class CountingWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols)
      this.on('message', (data: WebSocket.RawData) => {
        const bytes = toBytes(data)
        log.push({ direction: 'received', kind: classify(bytes), bytes: bytes.byteLength })
      })
    }

    override send(data: unknown, ...rest: unknown[]): void {
      if (data instanceof Uint8Array || data instanceof ArrayBuffer) {
        const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : data
        log.push({ direction: 'sent', kind: classify(bytes), bytes: bytes.byteLength })
      }
      ;(super.send as (...args: unknown[]) => void)(data, ...rest)
    }
  }
}

function toBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data))
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data
}
