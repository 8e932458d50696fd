// Each limit hit once against the real Worker and VaultDO, with small limits (vitest.config.ts
// SMALL_LIMITS): frame 64 KiB, update 32 KiB, note 16 KiB, vault quota 48 KiB, 50 frames/s with a
// burst of 100. The offender gets an error naming the limit; what it stored before stays; a
// well-behaved client on the same vault keeps syncing.

import { DocChannel, ErrorCode, MessageType, encodeMessage } from '@amber/protocol'
import type { DocId } from '@amber/protocol'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { callApi, connectInWorkerd, createTestToken, createTestVault } from './support/connectInWorkerd.ts'
import type { TestVault } from './support/connectInWorkerd.ts'
import { VaultTestClient } from './support/VaultTestClient.ts'
import { createNote, noteId, textOf } from './support/vaultHelpers.ts'

/** Text that compresses poorly, so a Yjs update carrying it is about as large as the text. */
function noise(bytes: number, seed: number): string {
  let state = seed >>> 0
  let out = ''
  while (out.length < bytes) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    out += String.fromCharCode(97 + (state % 26))
  }
  return out
}

async function connected(vault: TestVault, deviceId: string): Promise<{ client: VaultTestClient; ws: WebSocket }> {
  const client = new VaultTestClient(deviceId)
  const ws = await connectInWorkerd(client, vault, (await createTestToken(vault, 'editor')).token)
  await client.whenCaughtUp()
  return { client, ws }
}

/** The well-behaved client writes a note and a second replica of it catches up: the vault still serves. */
async function expectStillSyncing(vault: TestVault, client: VaultTestClient, path: string): Promise<void> {
  const id = createNote(client, path)
  client.doc(id).getText('content').insert(0, 'fine')
  await client.whenAllAcked()
  const fresh = new VaultTestClient(`fresh-${path}`)
  await connectInWorkerd(fresh, vault)
  await fresh.whenCaughtUp()
  expect(textOf(fresh, id)).toBe('fine')
}

describe('limits', () => {
  it('an oversized frame is refused with FRAME_TOO_LARGE; the socket and the vault go on', async () => {
    const vault = await createTestVault()
    const { client: offender, ws } = await connected(vault, 'offender')
    const { client: good } = await connected(vault, 'good')
    const id = createNote(offender, 'Notes/Before.md')
    offender.doc(id).getText('content').insert(0, 'stored before')
    await offender.whenAllAcked()

    const big = new Y.Doc()
    big.getText('content').insert(0, noise(70_000, 1))
    const frame = encodeMessage({
      type: MessageType.Doc,
      docId: id as DocId,
      body: { channel: DocChannel.Sync, clientSeq: 999, sync: { step: 2, update: Y.encodeStateAsUpdate(big) } },
    })
    expect(frame.length).toBeGreaterThan(65_536)
    ws.send(frame)
    await offender.waitFor(() => offender.errors.some((e) => e.code === ErrorCode.FrameTooLarge), 'FRAME_TOO_LARGE')
    const error = offender.errors.find((e) => e.code === ErrorCode.FrameTooLarge)!
    expect(error.message).toMatch(/exceeds maxFrameBytes 65536/)
    expect(offender.closed).toBeUndefined()
    await expectStillSyncing(vault, good, 'Notes/Good.md')
    await good.waitFor(() => textOf(good, id) === 'stored before', 'the earlier text')
  })

  it('an update past the note size is refused with DOC_TOO_LARGE; the note keeps what it had', async () => {
    const vault = await createTestVault()
    const { client: offender } = await connected(vault, 'offender')
    const { client: good } = await connected(vault, 'good')
    const id = createNote(offender, 'Notes/Growing.md')
    const text = offender.doc(id).getText('content')
    const chunks: string[] = []
    for (let i = 0; offender.errors.length === 0 && i < 10; i++) {
      const chunk = noise(6_000, i + 1)
      text.insert(text.length, chunk)
      chunks.push(chunk)
      await offender.waitFor(() => offender.pending.size === 0 || offender.errors.length > 0, 'ack or error')
    }
    const error = offender.errors[0]!
    expect(error.code).toBe(ErrorCode.DocTooLarge)
    expect(error.message).toMatch(/exceeds maxDocBytes 16384/)
    expect(chunks.length).toBeGreaterThan(1)
    // The server (and every other replica) holds exactly the accepted chunks.
    const accepted = chunks.slice(0, -1).join('')
    const fresh = new VaultTestClient('fresh')
    await connectInWorkerd(fresh, vault)
    await fresh.whenCaughtUp()
    expect(textOf(fresh, id)).toBe(accepted)
    await expectStillSyncing(vault, good, 'Notes/Small.md')
  })

  it('writes past the vault quota are refused with QUOTA_EXCEEDED; stored notes stay readable, other vaults write on', async () => {
    const vault = await createTestVault()
    const { client: offender } = await connected(vault, 'offender')
    const written = new Map<string, string>()
    for (let i = 0; offender.errors.length === 0 && i < 20; i++) {
      const id = createNote(offender, `Notes/Bulk ${i}.md`)
      const chunk = noise(10_000, 100 + i)
      offender.doc(id).getText('content').insert(0, chunk)
      written.set(id, chunk)
      await offender.waitFor(() => offender.pending.size === 0 || offender.errors.length > 0, 'ack or error')
    }
    const error = offender.errors.find((e) => e.code === ErrorCode.QuotaExceeded)
    expect(error?.message).toMatch(/exceeds quotaBytes 49152/)
    // Every note acked before the refusal is intact for a new replica.
    const reader = new VaultTestClient('reader')
    await connectInWorkerd(reader, vault)
    await reader.whenCaughtUp()
    const stored = [...written].filter(([id]) => textOf(reader, id) !== '')
    expect(stored.length).toBeGreaterThan(1)
    for (const [id, chunk] of stored) expect(textOf(reader, id)).toBe(chunk)
    expect(stored.length).toBeLessThan(written.size)
    // Another vault is not affected.
    const other = await createTestVault()
    const { client: neighbour } = await connected(other, 'neighbour')
    await expectStillSyncing(other, neighbour, 'Notes/Neighbour.md')
  })

  it('a message flood is answered with RATE_LIMITED and a 1008 close; earlier data and other clients are fine', async () => {
    const vault = await createTestVault()
    const { client: offender, ws } = await connected(vault, 'offender')
    const { client: good } = await connected(vault, 'good')
    const id = createNote(offender, 'Notes/Kept.md')
    offender.doc(id).getText('content').insert(0, 'kept')
    await offender.whenAllAcked()

    const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.addEventListener('close', (e) => resolve({ code: e.code, reason: e.reason })))
    const subscribe = encodeMessage({ type: MessageType.Subscribe, docId: id as DocId, stateVector: new Uint8Array([0]) })
    for (let i = 0; i < 300; i++) ws.send(subscribe)
    expect(await closed).toEqual({ code: 1008, reason: ErrorCode.RateLimited })
    const error = offender.errors.find((e) => e.code === ErrorCode.RateLimited)
    expect(error?.message).toMatch(/messageRatePerSecond 50/)
    await expectStillSyncing(vault, good, 'Notes/Calm.md')
    expect(noteId(good, 'Notes/Kept.md')).toBe(id)
    expect(textOf(good, id)).toBe('kept')
  })
})

describe('durations', () => {
  it('a ticket lives AMBER_TICKET_TTL_MS (1.5 s here)', async () => {
    const vault = await createTestVault()
    const before = Date.now()
    const { expiresAt } = await callApi<{ expiresAt: number }>('POST', `/api/v1/vaults/${vault.vaultId}/tickets`, vault.token)
    expect(expiresAt).toBeGreaterThanOrEqual(before + 1_500)
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 1_500)
  })
})
