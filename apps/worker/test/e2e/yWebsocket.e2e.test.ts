// A stock y-websocket WebsocketProvider (over `ws`) co-edits one note's `content` text with a
// vault-protocol client through the real local server, authenticated by single-use tickets in
// `provider.params` (refreshed before every reconnect, as docs/security.md shows). A viewer's provider
// receives edits but never changes the server's copy. The server's own output never shows a secret.

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { VaultTestClient } from '../support/VaultTestClient.ts'
import { createNote, noteId, textOf } from '../support/vaultHelpers.ts'
import { connectOverWs } from './support/connectOverWs.ts'
import { WranglerDev } from '../../local/WranglerDev.ts'
import type { CreatedVault } from '../../local/WranglerDev.ts'

type ProviderOptions = NonNullable<ConstructorParameters<typeof WebsocketProvider>[3]>

let server: WranglerDev
let persistTo: string
const cleanups: (() => void)[] = []
/** Every token and ticket the test handled; none may appear in the server's output. */
const secrets: string[] = []

beforeAll(async () => {
  persistTo = await mkdtemp(path.join(tmpdir(), 'amber-e2e-y-'))
  server = await WranglerDev.start({ persistTo })
})

afterAll(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup()
  const output = server?.output ?? ''
  await server?.kill()
  secrets.push(server.adminToken)
  expect(secrets.length).toBeGreaterThan(5)
  expect(output).toContain('Ready on')
  expect(secrets.filter((secret) => output.includes(secret))).toEqual([])
  await rm(persistTo, { recursive: true, force: true })
})

function waitUntil(predicate: () => boolean, what: string, subscribe: (check: () => void) => () => void, timeoutMs = 15_000): Promise<void> {
  if (predicate()) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe()
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`))
    }, timeoutMs)
    const unsubscribe = subscribe(() => {
      if (!predicate()) return
      clearTimeout(timer)
      unsubscribe()
      resolve()
    })
  })
}

/**
 * A stock provider on `roomname` (a note path; y-websocket appends it to the URL unencoded) that opens
 * each socket with a fresh ticket: the documented recipe for editors that can only pass URL params.
 */
function provider(vaultId: string, roomname: string, token: string): { ydoc: Y.Doc; provider: WebsocketProvider; tickets: string[] } {
  const ydoc = new Y.Doc()
  const tickets: string[] = []
  const p = new WebsocketProvider(`${server.wsOrigin}/api/v1/vaults/${vaultId}/y`, roomname, ydoc, {
    // `ws` is the provider's documented Node polyfill; its constructor only differs in accepting URL objects.
    WebSocketPolyfill: WebSocket as unknown as ProviderOptions['WebSocketPolyfill'],
    // Two providers in one process would otherwise sync through BroadcastChannel, around the server.
    disableBc: true,
    // Connect only once a ticket is in params.
    connect: false,
  })
  let destroyed = false
  const connectWithTicket = async (): Promise<void> => {
    const { ticket } = await server.createTicket(vaultId, token)
    tickets.push(ticket)
    secrets.push(ticket)
    if (destroyed) return
    p.params = { ticket }
    p.connect()
  }
  // A ticket opens one socket: stop the provider's own retry (it would reuse the spent ticket) and
  // reconnect with a new one.
  p.on('connection-close', () => {
    if (!p.shouldConnect) return
    p.disconnect()
    setTimeout(() => void connectWithTicket(), 100)
  })
  void connectWithTicket()
  cleanups.push(() => {
    destroyed = true
    p.destroy()
    ydoc.destroy()
  })
  return { ydoc, provider: p, tickets }
}

/** A fresh vault-protocol replica of the vault: what the server holds, not what any client has. */
async function serverCopy(vault: CreatedVault, path: string): Promise<string | undefined> {
  const reader = new VaultTestClient(`reader-${Math.random()}`)
  const ws = await connectOverWs(reader, `${server.wsOrigin}/api/v1/vaults/${vault.vaultId}/sync`, vault.token)
  await reader.whenCaughtUp(15_000)
  ws.close()
  const id = noteId(reader, path)
  return id === undefined ? undefined : textOf(reader, id)
}

async function newVault(name: string): Promise<CreatedVault> {
  const vault = await server.createVault(name)
  secrets.push(vault.token)
  return vault
}

async function newToken(vault: CreatedVault, role: 'editor' | 'viewer'): Promise<string> {
  const { token } = await server.createToken(vault.vaultId, vault.token, role)
  secrets.push(token)
  return token
}

const onDocUpdate = (doc: Y.Doc) => (check: () => void) => {
  doc.on('update', check)
  return () => doc.off('update', check)
}

describe('stock y-websocket provider and a vault-protocol client', () => {
  it('co-edit an existing note (path with a literal slash), and the provider reconnects with a new ticket', async () => {
    const vault = await newVault('co-edit')
    const a = new VaultTestClient('device-a')
    const ws = await connectOverWs(a, `${server.wsOrigin}/api/v1/vaults/${vault.vaultId}/sync`, vault.token)
    cleanups.push(() => ws.terminate())
    await a.whenCaughtUp(15_000)
    const id = createNote(a, 'Notes/Co.md')
    a.doc(id).getText('content').insert(0, 'from vault. ')
    await a.whenAllAcked()

    const { ydoc, provider: p, tickets } = provider(vault.vaultId, 'Notes/Co.md', await newToken(vault, 'editor'))
    const ytext = ydoc.getText('content')
    await waitUntil(() => ytext.toString() === 'from vault. ', 'the provider to load the note', onDocUpdate(ydoc))
    expect(p.wsconnected).toBe(true)

    ytext.insert(ytext.length, 'from y-websocket.')
    await a.waitFor(() => textOf(a, id) === 'from vault. from y-websocket.', 'the vault client to see the provider’s edit', 15_000)

    // The connection drops; the provider comes back on a fresh ticket and keeps co-editing.
    p.ws?.close()
    await waitUntil(() => tickets.length === 2 && p.wsconnected, 'a reconnect with a second ticket', (check) => {
      p.on('status', check)
      return () => p.off('status', check)
    })
    a.doc(id).getText('content').insert(0, '> ')
    await waitUntil(() => ytext.toString() === textOf(a, id), 'the provider to see the vault edit', onDocUpdate(ydoc))
    expect(Y.encodeStateVector(ydoc)).toEqual(Y.encodeStateVector(a.doc(id)))
  })

  it('a provider writing to a new path creates the note in the vault tree', async () => {
    const vault = await newVault('new path')
    const { ydoc } = provider(vault.vaultId, encodeURIComponent('Inbox/Fresh idea.md'), await newToken(vault, 'editor'))
    ydoc.getText('content').insert(0, 'born in y-websocket')

    const a = new VaultTestClient('device-a')
    const ws = await connectOverWs(a, `${server.wsOrigin}/api/v1/vaults/${vault.vaultId}/sync`, vault.token)
    cleanups.push(() => ws.terminate())
    await a.whenCaughtUp(15_000)
    await a.waitFor(
      () => {
        const id = noteId(a, 'Inbox/Fresh idea.md')
        return id !== undefined && textOf(a, id) === 'born in y-websocket'
      },
      'the note created by path to reach the vault client',
      15_000,
    )
  })

  it('a viewer’s provider receives edits, but its own edits never reach the server’s copy', async () => {
    const vault = await newVault('viewer')
    const a = new VaultTestClient('device-a')
    const ws = await connectOverWs(a, `${server.wsOrigin}/api/v1/vaults/${vault.vaultId}/sync`, vault.token)
    cleanups.push(() => ws.terminate())
    await a.whenCaughtUp(15_000)
    const id = createNote(a, 'Notes/Read me.md')
    a.doc(id).getText('content').insert(0, 'owner text')
    await a.whenAllAcked()

    const { ydoc } = provider(vault.vaultId, 'Notes/Read me.md', await newToken(vault, 'viewer'))
    const ytext = ydoc.getText('content')
    await waitUntil(() => ytext.toString() === 'owner text', 'the viewer to load the note', onDocUpdate(ydoc))
    ytext.insert(0, 'VIEWER ')
    a.doc(id).getText('content').insert(10, ', edited')
    await a.whenAllAcked()
    await waitUntil(() => ytext.toString().includes(', edited'), 'the viewer to receive the edit', onDocUpdate(ydoc))
    expect(await serverCopy(vault, 'Notes/Read me.md')).toBe('owner text, edited')
    expect(textOf(a, id)).toBe('owner text, edited')
  })
})
