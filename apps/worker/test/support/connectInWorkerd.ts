// Opens a real WebSocket to the Worker from inside workerd (SELF.fetch upgrade) and wires it to a
// VaultTestClient. Frames are delivered in order even when the runtime hands them over as Blobs.

import { SELF } from 'cloudflare:test'
import { TEST_ADMIN_TOKEN } from './testSecrets.ts'
import type { VaultTestClient } from './VaultTestClient.ts'

export const TEST_ORIGIN = 'http://amber.test'

/** A vault created through the admin API, with its owner token. */
export interface TestVault {
  readonly vaultId: string
  readonly token: string
  readonly tokenId: string
}

/** One JSON call to the Worker; throws with the answer unless it is 2xx. */
export async function callApi<T>(method: string, path: string, credential: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Authorization: `Bearer ${credential}` }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  const res = await SELF.fetch(TEST_ORIGIN + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`)
  return (res.status === 204 ? undefined : await res.json()) as T
}

export function createTestVault(name = 'test vault'): Promise<TestVault> {
  return callApi<TestVault>('POST', '/api/v1/vaults', TEST_ADMIN_TOKEN, { name })
}

/** Mints a token of `role` on the vault with its owner token. */
export function createTestToken(vault: TestVault, role: 'owner' | 'editor' | 'viewer', expiresIn?: number): Promise<{ tokenId: string; token: string }> {
  return callApi('POST', `/api/v1/vaults/${vault.vaultId}/tokens`, vault.token, { role, label: `test ${role}`, expiresIn })
}

/**
 * Upgrades `path` with the credential in the Authorization header and returns the client-side socket,
 * already accepted. Throws unless the answer is 101.
 */
export async function openSocket(path: string, credential: string): Promise<WebSocket> {
  const res = await SELF.fetch(TEST_ORIGIN + path, { headers: { Upgrade: 'websocket', Authorization: `Bearer ${credential}` } })
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

/** Connects `client` to the vault's sync route (with the owner token unless told otherwise); the client detaches itself when the socket closes. */
export async function connectInWorkerd(client: VaultTestClient, vault: TestVault, credential = vault.token): Promise<WebSocket> {
  const ws = await openSocket(`/api/v1/vaults/${vault.vaultId}/sync`, credential)
  onFrames(ws, (frame) => {
    if (typeof frame === 'string') throw new Error('the server sent a text frame')
    client.receive(frame)
  })
  ws.addEventListener('close', (event) => client.detach(event.code, event.reason))
  ws.addEventListener('error', () => client.detach(1006, 'error'))
  client.attach({ send: (frame) => ws.send(frame), close: (code, reason) => ws.close(code, reason) })
  return ws
}
