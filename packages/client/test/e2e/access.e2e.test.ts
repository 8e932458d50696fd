// The SDK's side of access control on the real server: the browser path (a single-use ticket fetched
// before every connect, the token never in a URL), a refused token stopping the SDK instead of
// retrying forever, and a viewer's edits surfaced as READ_ONLY and kept locally.

import { afterEach, describe, expect, it } from 'vitest'
import type { VaultError } from '../../src/index.ts'
import { MemoryStore } from '../../src/store/MemoryStore.ts'
import { closeAll, createToken, createVault, openVault } from './support/e2e.ts'

afterEach(closeAll)

describe('access from the SDK', () => {
  it('ticket mode: every (re)connect trades the token for a fresh single-use ticket', async () => {
    const created = await createVault('tickets')
    const requests: string[] = []
    const countingFetch: typeof fetch = (input, init) => {
      requests.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`)
      return fetch(input, init)
    }
    const vault = await openVault(created, new MemoryStore(), { auth: 'ticket', fetch: countingFetch })
    vault.tree.createFile('Ticket.md', { text: 'via ticket' })
    await vault.whenSynced()
    vault.disconnect()
    vault.connect()
    await vault.whenSynced()
    expect(requests).toEqual([
      `POST /api/v1/vaults/${created.vaultId}/tickets`,
      `POST /api/v1/vaults/${created.vaultId}/tickets`,
    ])
  })

  it('a refused token is fatal (status offline, no retry loop), in header and in ticket mode', async () => {
    const created = await createVault('refused')
    for (const auth of ['header', 'ticket'] as const) {
      const vault = await openVault({ ...created, token: 'amber_not_a_real_token' }, new MemoryStore(), {
        auth,
      })
      const fatal = await new Promise<VaultError>((resolve) => vault.on('fatal', resolve))
      expect(fatal).toMatchObject({ code: 'UNAUTHORIZED', fatal: true })
      expect(vault.status).toBe('offline')
    }
  })

  it('a viewer reads, and its edits come back READ_ONLY, kept on the device, never retried', async () => {
    const created = await createVault('viewer')
    const owner = await openVault(created, new MemoryStore())
    owner.tree.createFile('Shared.md', { text: 'from the owner' })
    await owner.whenSynced()
    const viewer = await openVault(
      { ...created, token: await createToken(created, 'viewer') },
      new MemoryStore(),
    )
    await viewer.whenSynced()
    const note = await viewer.open('Shared.md')
    expect(note.text.toString()).toBe('from the owner')
    const errors: VaultError[] = []
    viewer.on('error', (error) => errors.push(error))
    note.text.insert(0, 'viewer was here: ')
    await expect(note.whenSynced()).rejects.toMatchObject({ code: 'READ_ONLY' })
    expect(errors.map((error) => [error.code, error.path])).toEqual([['READ_ONLY', 'Shared.md']])
    expect(note.text.toString()).toBe('viewer was here: from the owner')
    expect(note.hasLocalChanges).toBe(true)
    const ownerNote = await owner.open('Shared.md')
    expect(ownerNote.text.toString()).toBe('from the owner')
  })
})
