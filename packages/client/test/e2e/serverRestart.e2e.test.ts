// The SDK's protocol client (VaultClient, with its own reconnect and outbox) against a real server
// process of its own, killed and restarted on a new port between edits.

import { createEntry, resolvePath } from '@amber/core/tree'
import { WranglerDev } from '@amber/worker/local-server'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { VaultClient } from '../../src/VaultClient.ts'
import type { SocketLike } from '../../src/VaultClient.ts'

const clients: VaultClient[] = []
const servers: WranglerDev[] = []
let persistTo: string | undefined

afterAll(async () => {
  for (const client of clients.splice(0)) client.stop()
  await Promise.all(servers.splice(0).map((s) => s.kill()))
  if (persistTo !== undefined) await rm(persistTo, { recursive: true, force: true })
})

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)))
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** Resolves when `check` holds, re-checked on every update of `doc`. */
function untilDoc(doc: Y.Doc, check: () => boolean, what: string, ms = 15_000): Promise<void> {
  if (check()) return Promise.resolve()
  return within(
    new Promise<void>((resolve) => {
      const onUpdate = (): void => {
        if (!check()) return
        doc.off('update', onUpdate)
        resolve()
      }
      doc.on('update', onUpdate)
    }),
    ms,
    what,
  )
}

describe('VaultClient across server crashes', () => {
  it('reconnects by itself, resends its outbox and converges with another device', async () => {
    persistTo = await mkdtemp(path.join(tmpdir(), 'amber-e2e-client-'))
    let server = await WranglerDev.start({ persistTo })
    servers.push(server)
    const { vaultId, token } = await server.createVault('client e2e')
    // Each (re)connect dials wherever the server currently listens.
    const connect = (): SocketLike =>
      new WebSocket(`${server.wsOrigin}/api/v1/vaults/${vaultId}/sync`, { headers: { Authorization: `Bearer ${token}` } }) as unknown as SocketLike
    const a = new VaultClient({ connect, deviceId: 'device-a', reconnect: { minDelayMs: 50, maxDelayMs: 500 } })
    const b = new VaultClient({ connect, deviceId: 'device-b', reconnect: { minDelayMs: 50, maxDelayMs: 500 } })
    clients.push(a, b)
    a.start()
    b.start()

    const id = createEntry(a.doc('tree'), { path: 'SDK/Note.md', now: Date.now() })
    const text = a.doc(id).getText('content')
    text.insert(0, 'one. ')
    await within(a.whenSynced(), 15_000, 'a synced')
    await untilDoc(b.doc(id), () => b.doc(id).getText('content').toString() === 'one. ', 'b to get the first edit')

    await server.kill()
    text.insert(text.length, 'two (offline). ')
    b.doc(id).getText('content').insert(0, 'b offline. ')
    expect(a.unacked).toBeGreaterThan(0)
    server = await WranglerDev.start({ persistTo })
    servers.push(server)
    await within(Promise.all([a.whenSynced(), b.whenSynced()]), 30_000, 'both synced after the restart')
    await untilDoc(a.doc(id), () => a.doc(id).getText('content').toString().includes('b offline'), 'a to get b’s offline edit')
    await untilDoc(b.doc(id), () => b.doc(id).getText('content').toString().includes('two (offline)'), 'b to get a’s offline edit')
    expect(Y.encodeStateVector(a.doc(id))).toEqual(Y.encodeStateVector(b.doc(id)))
    expect(a.doc(id).getText('content').toString()).toBe(b.doc(id).getText('content').toString())
    expect(resolvePath(b.doc('tree'), 'SDK/Note.md')).toBe(id)
  })
})
