// Opens a real WebSocket to the Worker from inside workerd (SELF.fetch upgrade) and wires it to a
// VaultTestClient. Frames are delivered in order even when the runtime hands them over as Blobs.

import { SELF } from 'cloudflare:test'
import type { VaultTestClient } from './VaultTestClient.ts'

export const TEST_ORIGIN = 'http://amber.test'

/** Upgrades `path` and returns the client-side socket, already accepted. Throws unless the answer is 101. */
export async function openSocket(path: string): Promise<WebSocket> {
  const res = await SELF.fetch(TEST_ORIGIN + path, { headers: { Upgrade: 'websocket' } })
  if (res.status !== 101 || res.webSocket === null) throw new Error(`upgrade of ${path} answered ${res.status}: ${await res.text()}`)
  const ws = res.webSocket
  ws.accept()
  return ws
}

/** Calls `onFrame` for each binary message in arrival order; text messages are passed as strings. */
export function onFrames(ws: WebSocket, onFrame: (frame: Uint8Array | string) => void): void {
  let chain = Promise.resolve()
  ws.addEventListener('message', (event) => {
    const data: unknown = event.data
    chain = chain.then(async () => {
      if (typeof data === 'string') onFrame(data)
      else if (data instanceof ArrayBuffer) onFrame(new Uint8Array(data))
      else if (data instanceof Blob) onFrame(new Uint8Array(await data.arrayBuffer()))
      else throw new Error(`unexpected message data ${String(data)}`)
    })
  })
}

/** Connects `client` to the vault's sync route; the client detaches itself when the socket closes. */
export async function connectInWorkerd(client: VaultTestClient, vaultId: string): Promise<WebSocket> {
  const ws = await openSocket(`/api/v1/vaults/${vaultId}/sync`)
  onFrames(ws, (frame) => {
    if (typeof frame === 'string') throw new Error('the server sent a text frame')
    client.receive(frame)
  })
  ws.addEventListener('close', (event) => client.detach(event.code, event.reason))
  ws.addEventListener('error', () => client.detach(1006, 'error'))
  client.attach({ send: (frame) => ws.send(frame), close: (code, reason) => ws.close(code, reason) })
  return ws
}
