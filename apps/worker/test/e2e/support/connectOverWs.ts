// Connects a VaultTestClient to a running server over a real socket from Node (`ws`, since Node 20 has
// no global WebSocket).

import WebSocket from 'ws'
import type { VaultTestClient } from '../../support/VaultTestClient.ts'

/** Opens the vault socket with the token in the Authorization header; resolves once it is open and Hello (plus the outbox) is sent. */
export function connectOverWs(client: VaultTestClient, url: string, token: string, timeoutMs = 10_000): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${token}` } })
    const timer = setTimeout(() => {
      ws.terminate()
      reject(new Error(`socket to ${url} did not open within ${timeoutMs} ms`))
    }, timeoutMs)
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) throw new Error('the server sent a text frame')
      client.receive(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    })
    ws.on('close', (code, reason) => client.detach(code, reason.toString()))
    ws.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    ws.on('open', () => {
      clearTimeout(timer)
      client.attach({ send: (frame) => ws.send(frame), close: (code, reason) => ws.close(code, reason) })
      resolve(ws)
    })
  })
}
