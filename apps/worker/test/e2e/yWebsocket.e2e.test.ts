// A stock y-websocket WebsocketProvider (over `ws`) co-edits one note's `content` text with a
// vault-protocol client through the real local server.

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

type ProviderOptions = NonNullable<ConstructorParameters<typeof WebsocketProvider>[3]>

let server: WranglerDev
let persistTo: string
const cleanups: (() => void)[] = []

beforeAll(async () => {
  persistTo = await mkdtemp(path.join(tmpdir(), 'amber-e2e-y-'))
  server = await WranglerDev.start({ persistTo })
})

afterAll(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup()
  await server?.kill()
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

/** A stock provider on `roomname` (a note path; y-websocket appends it to the URL unencoded). */
function provider(vaultId: string, roomname: string): { ydoc: Y.Doc; provider: WebsocketProvider } {
  const ydoc = new Y.Doc()
  const p = new WebsocketProvider(`${server.wsOrigin}/api/v1/vaults/${vaultId}/y`, roomname, ydoc, {
    // `ws` is the provider's documented Node polyfill; its constructor only differs in accepting URL objects.
    WebSocketPolyfill: WebSocket as unknown as ProviderOptions['WebSocketPolyfill'],
    // Two providers in one process would otherwise sync through BroadcastChannel, around the server.
    disableBc: true,
  })
  cleanups.push(() => {
    p.destroy()
    ydoc.destroy()
  })
  return { ydoc, provider: p }
}

const onDocUpdate = (doc: Y.Doc) => (check: () => void) => {
  doc.on('update', check)
  return () => doc.off('update', check)
}

describe('stock y-websocket provider and a vault-protocol client', () => {
  it('co-edit an existing note (path with a literal slash)', async () => {
    const vaultId = `e2e-y-${Date.now()}`
    const a = new VaultTestClient('device-a')
    const ws = await connectOverWs(a, `${server.wsOrigin}/api/v1/vaults/${vaultId}/sync`)
    cleanups.push(() => ws.terminate())
    await a.whenCaughtUp(15_000)
    const id = createNote(a, 'Notes/Co.md')
    a.doc(id).getText('content').insert(0, 'from vault. ')
    await a.whenAllAcked()

    const { ydoc, provider: p } = provider(vaultId, 'Notes/Co.md')
    const ytext = ydoc.getText('content')
    await waitUntil(() => ytext.toString() === 'from vault. ', 'the provider to load the note', onDocUpdate(ydoc))
    expect(p.wsconnected).toBe(true)

    ytext.insert(ytext.length, 'from y-websocket.')
    await a.waitFor(() => textOf(a, id) === 'from vault. from y-websocket.', 'the vault client to see the provider’s edit', 15_000)

    a.doc(id).getText('content').insert(0, '> ')
    await waitUntil(() => ytext.toString() === textOf(a, id), 'the provider to see the vault edit', onDocUpdate(ydoc))
    expect(Y.encodeStateVector(ydoc)).toEqual(Y.encodeStateVector(a.doc(id)))
  })

  it('a provider writing to a new path creates the note in the vault tree', async () => {
    const vaultId = `e2e-y-new-${Date.now()}`
    const { ydoc } = provider(vaultId, encodeURIComponent('Inbox/Fresh idea.md'))
    ydoc.getText('content').insert(0, 'born in y-websocket')

    const a = new VaultTestClient('device-a')
    const ws = await connectOverWs(a, `${server.wsOrigin}/api/v1/vaults/${vaultId}/sync`)
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
})
