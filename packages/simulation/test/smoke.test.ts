import { VaultClient } from '@amber/client'
import { MemoryStorageAdapter, VaultRoom } from '@amber/core'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { LoopbackSocket } from '../src/index.ts'

async function until(predicate: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (predicate()) return
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
  throw new Error(`timed out waiting for ${what}`)
}

describe('loopback smoke', () => {
  it('two clients converge and a restarted room reloads the acked state', async () => {
    const hot = new MemoryStorageAdapter()
    const cold = new MemoryStorageAdapter()
    const open = () => VaultRoom.open({ vaultId: 'v1', hot, cold, scheduler: { wakeAt: () => undefined } })
    let room: VaultRoom | undefined = await open()
    const client = (deviceId: string) =>
      new VaultClient({ deviceId, connect: () => new LoopbackSocket({ room: () => room, autoFlush: true }), reconnect: { minDelayMs: 1, maxDelayMs: 5 } })
    const a = client('a')
    const b = client('b')
    a.start()
    b.start()
    a.doc('note1').getText('content').insert(0, 'hello ')
    await a.whenSynced()
    await until(() => b.doc('note1').getText('content').toString() === 'hello ', 'b to receive')
    b.doc('note1').getText('content').insert(6, 'world')
    await b.whenSynced()
    await until(() => a.doc('note1').getText('content').toString() === 'hello world', 'a to receive')
    room.dispose()
    room = await open()
    const c = client('c')
    c.start()
    await until(() => c.status === 'synced', 'c synced')
    expect(c.doc('note1').getText('content').toString()).toBe('hello world')
    expect(Y.encodeStateVector(c.doc('note1'))).toEqual(Y.encodeStateVector(a.doc('note1')))
    a.stop()
    b.stop()
    c.stop()
  })
})
