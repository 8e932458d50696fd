// Adapts an already-accepted, event-target style WebSocket (what a Worker gets from `fetch` with
// `Upgrade: websocket`) to the client's `SocketLike`. Events that arrive before the client attached its
// handlers are held, and binary frames handed over as Blobs are delivered in arrival order.

import type { SocketLike } from '../VaultClient.ts'

/** The event-target surface of a Workers (or browser) WebSocket. */
export interface EventTargetWebSocket {
  send(data: ArrayBufferLike | ArrayBufferView | string): void
  close(code?: number, reason?: string): void
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void
  addEventListener(type: 'error', listener: (event: unknown) => void): void
}

export class EventTargetSocket implements SocketLike {
  binaryType = 'arraybuffer'
  onmessage: SocketLike['onmessage'] = null
  onclose: SocketLike['onclose'] = null
  onerror: SocketLike['onerror'] = null
  #onopen: SocketLike['onopen'] = null
  readonly #ws: EventTargetWebSocket
  #open: boolean
  #chain: Promise<void> = Promise.resolve()

  /** `open`: the socket is already open (an accepted Workers socket); `onopen` fires once it is set. */
  constructor(ws: EventTargetWebSocket, open: boolean) {
    this.#ws = ws
    this.#open = open
    ws.addEventListener('message', (event) => {
      const data = event.data
      // Keep order even when one frame needs an async Blob read.
      this.#chain = this.#chain.then(async () => {
        const bytes = data instanceof Blob ? new Uint8Array(await data.arrayBuffer()) : data
        this.onmessage?.({ data: bytes })
      })
    })
    ws.addEventListener('close', (event) => {
      this.#chain = this.#chain.then(() => this.onclose?.({ code: event.code, reason: event.reason }))
    })
    ws.addEventListener('error', (event) => this.onerror?.(event))
  }

  get onopen(): SocketLike['onopen'] {
    return this.#onopen
  }

  set onopen(handler: SocketLike['onopen']) {
    this.#onopen = handler
    if (handler && this.#open) {
      this.#open = false
      queueMicrotask(() => this.#onopen?.())
    }
  }

  send(data: Uint8Array): void {
    this.#ws.send(data)
  }

  close(code?: number, reason?: string): void {
    this.#ws.close(code, reason)
  }
}
