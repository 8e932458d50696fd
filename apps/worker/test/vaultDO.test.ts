// The real VaultDO behind the real Worker, over real WebSockets inside workerd: the vault protocol end to
// end (Hello → Welcome/CatchUp, Doc updates → durable Ack), convergence, and restarts losing nothing acked.

import { FATAL_CLOSE_CODE, FatalReason, MessageType, TREE_DOC_ID } from '@amber/protocol'
import { abortAllDurableObjects, env, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { DoSqliteStorageAdapter } from '../src/storage/DoSqliteStorageAdapter.ts'
import { connectInWorkerd, createTestVault, onFrames, openSocket } from './support/connectInWorkerd.ts'
import type { TestVault } from './support/connectInWorkerd.ts'
import { VaultTestClient } from './support/VaultTestClient.ts'
import { createNote, expectSameDoc, noteId, sameStateVector, textOf } from './support/vaultHelpers.ts'


function closeOf(ws: WebSocket, timeoutMs = 5_000): Promise<{ code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('socket did not close')), timeoutMs)
    ws.addEventListener('close', (event) => {
      clearTimeout(timer)
      resolve({ code: event.code, reason: event.reason })
    })
  })
}

describe('VaultDO over real WebSockets', () => {
  it('answers Hello with Welcome, CatchUp and CatchUpEnd, and acks an update only once it is stored', async () => {
    const vault = await createTestVault()
    const vaultId = vault.vaultId
    const client = new VaultTestClient('device-a')
    await connectInWorkerd(client, vault)
    await client.whenCaughtUp()
    const types = client.received.map((m) => m.type)
    expect(types.slice(0, 2)).toEqual([MessageType.Welcome, MessageType.CatchUp])
    expect(types).toContain(MessageType.CatchUpEnd)
    expect(client.epoch).toBeTruthy()

    const id = createNote(client, 'Notes/A.md')
    client.doc(id).getText('content').insert(0, 'hello')
    expect(client.pending.size).toBe(2)
    await client.whenAllAcked()
    expect(client.cursor.epoch).toBe(client.epoch)
    expect(client.cursor.seq).toBeGreaterThan(0)

    // Acked means in the DO's SQLite: the hot log holds both documents.
    const stub = env.VAULT.get(env.VAULT.idFromName(vaultId))
    const keys = await runInDurableObject(stub, (_instance, state) => new DoSqliteStorageAdapter(state.storage).listKeys('log/'))
    expect(keys.some((key) => key.startsWith(`log/${TREE_DOC_ID}/`))).toBe(true)
    expect(keys.some((key) => key.startsWith(`log/${id}/`))).toBe(true)
  })

  it('two clients converge: equal state vectors, encoded state and text', async () => {
    const vault = await createTestVault()
    const a = new VaultTestClient('device-a')
    const b = new VaultTestClient('device-b')
    await connectInWorkerd(a, vault)
    await connectInWorkerd(b, vault)
    await Promise.all([a.whenCaughtUp(), b.whenCaughtUp()])

    const id = createNote(a, 'Notes/Shared.md')
    a.doc(id).getText('content').insert(0, 'from a. ')
    // The tree entry and the text are separate documents; either may reach b first.
    await b.waitFor(() => textOf(b, id) === 'from a. ' && noteId(b, 'Notes/Shared.md') === id, 'b to see a’s note')

    // Concurrent edits on both sides, interleaved with relays in flight.
    for (let i = 0; i < 20; i++) {
      a.doc(id).getText('content').insert(0, `a${i} `)
      b.doc(id).getText('content').insert(b.doc(id).getText('content').length, ` b${i}`)
    }
    await Promise.all([a.whenAllAcked(), b.whenAllAcked()])
    await a.waitFor(() => sameStateVector(a, b, id), 'state vectors to match')
    await b.waitFor(() => sameStateVector(a, b, id) && sameStateVector(a, b, TREE_DOC_ID), 'state vectors to match')
    expectSameDoc(a.doc(id), b.doc(id), 'note')
    expectSameDoc(a.tree, b.tree, 'tree')
    expect(textOf(a, id)).toBe(textOf(b, id))
    expect(textOf(a, id)).toContain('a19')
    expect(textOf(a, id)).toContain('b19')
  })

  it('restarting every Durable Object between edits loses nothing that was acked', async () => {
    const vault = await createTestVault()
    const a = new VaultTestClient('device-a')
    await connectInWorkerd(a, vault)
    await a.whenCaughtUp()
    const id = createNote(a, 'Restart.md')
    const text = a.doc(id).getText('content')
    let expected = ''
    for (let round = 0; round < 3; round++) {
      text.insert(text.length, `round ${round}; `)
      expected += `round ${round}; `
      await a.whenAllAcked()
      const epoch = a.epoch
      await abortAllDurableObjects()
      await a.waitFor(() => !a.connected, 'the socket to drop on restart')
      await connectInWorkerd(a, vault)
      await a.whenCaughtUp()
      expect(a.epoch, 'the epoch survives a restart').toBe(epoch)
    }
    // A device that never saw the vault gets everything from storage alone.
    const fresh = new VaultTestClient('device-fresh')
    await connectInWorkerd(fresh, vault)
    await fresh.whenCaughtUp()
    await fresh.waitFor(() => noteId(fresh, 'Restart.md') === id && textOf(fresh, id) === expected, 'the full note')
    expectSameDoc(fresh.doc(id), a.doc(id), 'note after restarts')
    expectSameDoc(fresh.tree, a.tree, 'tree after restarts')
  })

  it('edits made while disconnected are sent after reconnecting and acked', async () => {
    const vault = await createTestVault()
    const a = new VaultTestClient('device-a')
    const b = new VaultTestClient('device-b')
    await connectInWorkerd(a, vault)
    await connectInWorkerd(b, vault)
    await Promise.all([a.whenCaughtUp(), b.whenCaughtUp()])
    const id = createNote(a, 'Offline.md')
    a.doc(id).getText('content').insert(0, 'online ')
    await a.whenAllAcked()
    await abortAllDurableObjects()
    await Promise.all([a.waitFor(() => !a.connected, 'a to drop'), b.waitFor(() => !b.connected, 'b to drop')])
    a.doc(id).getText('content').insert(7, 'offline')
    expect(a.pending.size).toBe(1)
    await connectInWorkerd(a, vault)
    await ackedWithReconnect(a, vault)
    await connectInWorkerd(b, vault)
    await b.waitFor(() => textOf(b, id) === 'online offline', 'b to catch up')
    expectSameDoc(a.doc(id), b.doc(id), 'note')
  })

  it('a text frame closes the socket with 4099 PROTOCOL_ERROR', async () => {
    const vault = await createTestVault()
    const ws = await openSocket(`/api/v1/vaults/${vault.vaultId}/sync`, vault.token)
    const closed = closeOf(ws)
    ws.send('hello?')
    expect(await closed).toEqual({ code: FATAL_CLOSE_CODE, reason: FatalReason.ProtocolError })
  })

  it('a first frame that is not Hello closes with 4099 BAD_HELLO', async () => {
    const vault = await createTestVault()
    const ws = await openSocket(`/api/v1/vaults/${vault.vaultId}/sync`, vault.token)
    const closed = closeOf(ws)
    ws.send(new Uint8Array([MessageType.Resume, 0, 0, 0]))
    expect(await closed).toEqual({ code: FATAL_CLOSE_CODE, reason: FatalReason.BadHello })
  })

  it('a y-websocket route reaches the same vault: a vault client sees the note by path', async () => {
    const vault = await createTestVault()
    const vaultId = vault.vaultId
    const a = new VaultTestClient('device-a')
    await connectInWorkerd(a, vault)
    await a.whenCaughtUp()
    const id = createNote(a, 'Notes/Y.md')
    a.doc(id).getText('content').insert(0, 'abc')
    await a.whenAllAcked()
    // Both spellings of the path name the same note: each socket is answered with the note's state vector.
    for (const path of ['Notes%2FY.md', 'Notes/Y.md']) {
      const ws = await openSocket(`/api/v1/vaults/${vaultId}/y/${path}`, vault.token)
      const first = new Promise<Uint8Array>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no frame on the y socket for ${path}`)), 8_000)
        onFrames(ws, (frame) => {
          clearTimeout(timer)
          if (typeof frame === 'string') reject(new Error('text frame'))
          else resolve(frame)
        })
      })
      const frame = await first
      // y-websocket sync step 1: [0 (sync), 0 (step 1), state vector]; the note's, so it has a's client.
      expect([frame[0], frame[1]]).toEqual([0, 0])
      const stateVector = Y.decodeStateVector(frame.subarray(3))
      expect(stateVector.get(a.doc(id).clientID), `${path}: the note's state vector`).toBe(3)
      ws.close(1000, 'done')
    }
  })
})

/**
 * Right after abortAllDurableObjects() the pool occasionally drops a fresh socket (1006) while the
 * aborted instance winds down; a real client reconnects and resends its unacked updates, so does this.
 */
async function ackedWithReconnect(client: VaultTestClient, vault: TestVault): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await client.whenAllAcked()
      return
    } catch (error) {
      if (client.connected || attempt >= 2) throw error
      await connectInWorkerd(client, vault)
    }
  }
}

