// Access control beyond the matrix: what each role may do on a live socket, revocation closing open
// sockets, tickets, and the registry API's answers (tokens, devices, validation).

import { ErrorCode, FATAL_CLOSE_CODE, FatalReason, TREE_DOC_ID } from '@amber/protocol'
import { SELF, env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { TEST_ORIGIN, callApi, connectInWorkerd, createTestToken, createTestVault } from './support/connectInWorkerd.ts'
import { TEST_ADMIN_TOKEN } from './support/testSecrets.ts'
import { snapshotVault } from './support/vaultSnapshot.ts'
import { VaultTestClient } from './support/VaultTestClient.ts'
import { createNote, noteId, textOf } from './support/vaultHelpers.ts'

function closeOf(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.addEventListener('close', (event) => resolve({ code: event.code, reason: event.reason })))
}

async function ticketSocket(vaultId: string, credential: string, path = 'sync'): Promise<WebSocket> {
  const { ticket } = await callApi<{ ticket: string }>('POST', `/api/v1/vaults/${vaultId}/tickets`, credential)
  const res = await SELF.fetch(`${TEST_ORIGIN}/api/v1/vaults/${vaultId}/${path}?ticket=${ticket}`, { headers: { Upgrade: 'websocket' } })
  expect(res.status).toBe(101)
  res.webSocket!.accept()
  return res.webSocket!
}

describe('roles on a live socket', () => {
  it('a viewer’s writes to notes and the tree are refused with READ_ONLY and stored nowhere; it still receives edits', async () => {
    const vault = await createTestVault()
    const editor = new VaultTestClient('editor-device')
    await connectInWorkerd(editor, vault, (await createTestToken(vault, 'editor')).token)
    await editor.whenCaughtUp()
    const id = createNote(editor, 'Notes/Shared.md')
    editor.doc(id).getText('content').insert(0, 'by the editor')
    await editor.whenAllAcked()

    const viewer = new VaultTestClient('viewer-device')
    await connectInWorkerd(viewer, vault, (await createTestToken(vault, 'viewer')).token)
    await viewer.whenCaughtUp()
    expect(textOf(viewer, id)).toBe('by the editor')
    const before = await snapshotVault(vault.vaultId)

    viewer.doc(id).getText('content').insert(0, 'VIEWER WAS HERE ')
    createNote(viewer, 'Notes/Intruder.md')
    await viewer.waitFor(() => viewer.errors.length >= 2, 'two READ_ONLY errors')
    expect(viewer.errors.map((e) => e.code).sort()).toEqual([ErrorCode.ReadOnly, ErrorCode.ReadOnly])
    expect(new Set(viewer.errors.map((e) => e.docId))).toEqual(new Set([id, TREE_DOC_ID]))
    // A live editor proves the refused updates were not relayed either.
    expect(textOf(editor, id)).toBe('by the editor')
    expect(noteId(editor, 'Notes/Intruder.md')).toBeUndefined()
    expect(await snapshotVault(vault.vaultId)).toEqual(before)

    editor.doc(id).getText('content').insert(13, ', and more')
    await editor.whenAllAcked()
    await viewer.waitFor(() => textOf(viewer, id).includes(', and more'), 'the viewer to receive the edit')
    expect(viewer.closed).toBeUndefined()
  })

  it('a viewer may not mint tokens or list devices; an editor may not either; the owner may', async () => {
    const vault = await createTestVault()
    const viewer = await createTestToken(vault, 'viewer')
    const editor = await createTestToken(vault, 'editor')
    for (const credential of [viewer.token, editor.token]) {
      const res = await SELF.fetch(`${TEST_ORIGIN}/api/v1/vaults/${vault.vaultId}/tokens`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${credential}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ role: 'owner', label: 'escalation' }),
      })
      expect(res.status).toBe(403)
    }
    const listed = await callApi<{ tokens: { tokenId: string; role: string; label: string }[] }>('GET', `/api/v1/vaults/${vault.vaultId}/tokens`, vault.token)
    expect(listed.tokens.map((t) => t.role).sort()).toEqual(['editor', 'owner', 'viewer'])
    // The listing never carries a secret or its hash.
    expect(JSON.stringify(listed)).not.toMatch(/amber_tok_|hash/)
  })
})

describe('revocation', () => {
  it('closes every open socket of the token — header, ticket and y-websocket — with 4099 REVOKED', async () => {
    const vault = await createTestVault()
    const editor = await createTestToken(vault, 'editor')
    const other = await createTestToken(vault, 'editor')
    const client = new VaultTestClient('doomed-device')
    const headerSocket = await connectInWorkerd(client, vault, editor.token)
    await client.whenCaughtUp()
    const viaTicket = await ticketSocket(vault.vaultId, editor.token)
    const viaY = await ticketSocket(vault.vaultId, editor.token, 'y/Notes%2FY.md')
    const bystander = new VaultTestClient('bystander')
    await connectInWorkerd(bystander, vault, other.token)
    await bystander.whenCaughtUp()

    const closes = [headerSocket, viaTicket, viaY].map(closeOf)
    await callApi('DELETE', `/api/v1/vaults/${vault.vaultId}/tokens/${editor.tokenId}`, vault.token)
    for (const close of await Promise.all(closes)) expect(close).toEqual({ code: FATAL_CLOSE_CODE, reason: FatalReason.Revoked })

    // Another token's socket stays open and syncing.
    const id = createNote(bystander, 'Notes/After.md')
    bystander.doc(id).getText('content').insert(0, 'still here')
    await bystander.whenAllAcked()
    expect(bystander.closed).toBeUndefined()
    // And the revoked token opens nothing new.
    const again = await SELF.fetch(`${TEST_ORIGIN}/api/v1/vaults/${vault.vaultId}/sync`, { headers: { Upgrade: 'websocket', Authorization: `Bearer ${editor.token}` } })
    expect(again.status).toBe(401)
  })

  it('revoking twice, or a token of another vault, is 404 TOKEN_NOT_FOUND', async () => {
    const a = await createTestVault()
    const b = await createTestVault()
    const token = await createTestToken(a, 'viewer')
    await callApi('DELETE', `/api/v1/vaults/${a.vaultId}/tokens/${token.tokenId}`, a.token)
    for (const [vault, id] of [[a, token.tokenId], [b, a.tokenId]] as const) {
      const res = await SELF.fetch(`${TEST_ORIGIN}/api/v1/vaults/${vault.vaultId}/tokens/${id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${vault.token}` } })
      expect(res.status).toBe(404)
      expect(await res.json()).toMatchObject({ error: { code: 'TOKEN_NOT_FOUND' } })
    }
  })
})

describe('tickets', () => {
  it('open exactly one socket: the second use of the same ticket is refused', async () => {
    const vault = await createTestVault()
    const { ticket, expiresAt } = await callApi<{ ticket: string; expiresAt: number }>('POST', `/api/v1/vaults/${vault.vaultId}/tickets`, vault.token)
    expect(expiresAt).toBeGreaterThan(Date.now())
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 60_000)
    const url = `${TEST_ORIGIN}/api/v1/vaults/${vault.vaultId}/sync?ticket=${ticket}`
    const [first, second] = await Promise.all([SELF.fetch(url, { headers: { Upgrade: 'websocket' } }), SELF.fetch(url, { headers: { Upgrade: 'websocket' } })])
    expect([first.status, second.status].sort()).toEqual([101, 401])
    ;(first.webSocket ?? second.webSocket)!.accept()
  })

  it('a plain GET does not spend a ticket', async () => {
    const vault = await createTestVault()
    const { ticket } = await callApi<{ ticket: string }>('POST', `/api/v1/vaults/${vault.vaultId}/tickets`, vault.token)
    const url = `${TEST_ORIGIN}/api/v1/vaults/${vault.vaultId}/sync?ticket=${ticket}`
    expect((await SELF.fetch(url)).status).toBe(426)
    const res = await SELF.fetch(url, { headers: { Upgrade: 'websocket' } })
    expect(res.status).toBe(101)
    res.webSocket!.accept()
  })
})

describe('registry API', () => {
  it('creates a vault with the admin secret only, and validates input in the one error shape', async () => {
    const bad = [{}, { name: '' }, { name: 'x'.repeat(201) }, { name: 'ok', extra: 1 }, 'not json']
    for (const body of bad) {
      const res = await SELF.fetch(`${TEST_ORIGIN}/api/v1/vaults`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      })
      expect(res.status, JSON.stringify(body)).toBe(400)
      const json = (await res.json()) as { error: { code: string; message: string } }
      expect(json.error.code).toBe('INVALID_REQUEST')
      expect(json.error.message.length).toBeGreaterThan(0)
    }
    const created = await createTestVault('Fine')
    expect(created.vaultId).toMatch(/^[A-Za-z0-9_-]{1,64}$/)
    expect(created.token).toMatch(/^amber_tok_[A-Za-z0-9_-]{43}$/)
    // Only the hash is stored.
    const stored = await env.DB.prepare('SELECT * FROM tokens WHERE vault_id = ?').bind(created.vaultId).all()
    expect(JSON.stringify(stored.results)).not.toContain(created.token)
  })

  it('mints tokens with a role, label and lifetime; rejects bad roles and lifetimes', async () => {
    const vault = await createTestVault()
    const minted = await callApi<{ tokenId: string; token: string; role: string; expiresAt: number }>('POST', `/api/v1/vaults/${vault.vaultId}/tokens`, vault.token, {
      role: 'viewer',
      label: 'phone',
      expiresIn: 3600,
    })
    expect(minted.role).toBe('viewer')
    expect(minted.expiresAt).toBeGreaterThan(Date.now() + 3_500_000)
    for (const body of [{ role: 'admin', label: 'x' }, { role: 'viewer', label: 'x', expiresIn: -5 }, { role: 'viewer', label: 'x', expiresIn: 1.5 }, { role: 'viewer' }]) {
      const res = await SELF.fetch(`${TEST_ORIGIN}/api/v1/vaults/${vault.vaultId}/tokens`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${vault.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      })
      expect(res.status, JSON.stringify(body)).toBe(400)
    }
  })

  it('lists devices with last seen and sync state', async () => {
    const vault = await createTestVault()
    const client = new VaultTestClient('laptop')
    const ws = await connectInWorkerd(client, vault)
    await client.whenCaughtUp()
    const id = createNote(client, 'Notes/D.md')
    client.doc(id).getText('content').insert(0, 'x')
    await client.whenAllAcked()
    const closed = closeOf(ws)
    ws.close(1000, 'bye')
    await closed
    type Device = { deviceId: string; connected: boolean; lastSeenAt: number; ackedSeq: number; headSeq: number; role: string }
    let devices: Device[] = []
    for (let attempt = 0; attempt < 200; attempt++) {
      devices = (await callApi<{ devices: Device[] }>('GET', `/api/v1/vaults/${vault.vaultId}/devices`, vault.token)).devices
      if (devices[0]?.connected === false) break
      await scheduler.wait(25)
    }
    expect(devices).toHaveLength(1)
    expect(devices[0]).toMatchObject({ deviceId: 'laptop', connected: false, role: 'owner' })
    expect(devices[0]!.headSeq).toBeGreaterThan(0)
    expect(devices[0]!.ackedSeq).toBe(devices[0]!.headSeq)
    expect(devices[0]!.lastSeenAt).toBeLessThanOrEqual(Date.now())
  })
})
