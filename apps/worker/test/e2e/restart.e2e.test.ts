// The real server process (`wrangler dev`) is killed with SIGKILL and restarted on the same persisted
// state between edits; two vault-protocol clients over real sockets lose nothing that was acked.

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import type WebSocket from 'ws'
import { VaultTestClient } from '../support/VaultTestClient.ts'
import { createNote, expectSameDoc, noteId, sameStateVector, textOf } from '../support/vaultHelpers.ts'
import { connectOverWs } from './support/connectOverWs.ts'
import { WranglerDev } from '../../local/WranglerDev.ts'
import type { CreatedVault } from '../../local/WranglerDev.ts'

const servers: WranglerDev[] = []
const sockets: WebSocket[] = []
const dirs: string[] = []

afterEach(() => {
  for (const ws of sockets.splice(0)) ws.terminate()
})

afterAll(async () => {
  await Promise.all(servers.splice(0).map((s) => s.kill()))
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
})

async function start(persistTo: string): Promise<WranglerDev> {
  const server = await WranglerDev.start({ persistTo })
  servers.push(server)
  return server
}

async function connect(client: VaultTestClient, server: WranglerDev, vault: CreatedVault): Promise<void> {
  sockets.push(await connectOverWs(client, `${server.wsOrigin}/api/v1/vaults/${vault.vaultId}/sync`, vault.token))
  await client.whenCaughtUp(15_000)
}

describe('wrangler dev, killed and restarted between edits', () => {
  it('loses nothing that was acked, and offline edits arrive after the restart', async () => {
    const persistTo = await mkdtemp(path.join(tmpdir(), 'amber-e2e-'))
    dirs.push(persistTo)
    const a = new VaultTestClient('device-a')
    const b = new VaultTestClient('device-b')

    let server = await start(persistTo)
    // The registry lives in the persisted D1 too: the vault and its token survive every restart.
    const vault = await server.createVault('restart')
    await connect(a, server, vault)
    await connect(b, server, vault)
    const id = createNote(a, 'Journal/Today.md')
    const text = a.doc(id).getText('content')
    text.insert(0, 'first. ')
    await a.whenAllAcked()
    await b.waitFor(() => textOf(b, id) === 'first. ', 'b to receive the first edit')

    for (let round = 0; round < 2; round++) {
      await server.kill()
      await Promise.all([a.waitFor(() => !a.connected, 'a to see the crash'), b.waitFor(() => !b.connected, 'b to see the crash')])
      // Edits while the server is down queue in each device's outbox.
      text.insert(text.length, `a offline ${round}. `)
      b.doc(id).getText('content').insert(0, `b offline ${round}. `)
      server = await start(persistTo)
      await connect(a, server, vault)
      await connect(b, server, vault)
      await Promise.all([a.whenAllAcked(15_000), b.whenAllAcked(15_000)])
      await a.waitFor(() => sameStateVector(a, b, id), 'a and b to converge', 15_000)
      await b.waitFor(() => sameStateVector(a, b, id), 'a and b to converge', 15_000)
      expectSameDoc(a.doc(id), b.doc(id), `note after restart ${round}`)
    }

    // One more crash right after the last ack, then a device that never saw the vault.
    await server.kill()
    server = await start(persistTo)
    const fresh = new VaultTestClient('device-fresh')
    await connect(fresh, server, vault)
    await fresh.waitFor(() => noteId(fresh, 'Journal/Today.md') === id && textOf(fresh, id) === textOf(a, id), 'the whole note')
    expectSameDoc(fresh.doc(id), a.doc(id), 'note from storage alone')
    expectSameDoc(fresh.tree, a.tree, 'tree from storage alone')
    expect(textOf(fresh, id)).toContain('a offline 1.')
    expect(textOf(fresh, id)).toContain('b offline 1.')
  })
})
