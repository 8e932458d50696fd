// Limits of a room: frame size, stored bytes per document and per vault, and the per-socket message
// rate. Each is answered with a code naming the limit; what it refused is never applied, relayed or
// stored, and earlier data and other sessions carry on. Seeded: SEED=n replays the random run.

import {
  ErrorCode,
  MessageType,
  RATE_LIMITED_CLOSE_CODE,
  SyncStep,
  TREE_DOC_ID,
  encodeYSync,
} from '@amber/protocol'
import * as prng from 'lib0/prng'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { TokenBucket } from '../src/room/TokenBucket.ts'
import { Editor } from './support/Editor.ts'
import { ackedSeqs, errors, replay, syncFrame } from './support/frames.ts'
import { EDITOR, FakeConnection, connect, joinVault, roomsDisposedAfterEach, updateFrame } from './support/roomHarness.ts'
import type { RoomHarness } from './support/roomHarness.ts'

const room = roomsDisposedAfterEach()

async function contentOf(h: RoomHarness, docId: string): Promise<string> {
  const reader = await joinVault(h, 'reader')
  h.room.disconnect(reader)
  return replay(reader, docId).getText('content').toString()
}

async function hotKeys(h: RoomHarness): Promise<string[]> {
  return h.hot.listKeys('')
}

describe('maxFrameBytes', () => {
  it('a frame over it is FRAME_TOO_LARGE naming the limit; the session and the others go on', async () => {
    const h = await room({ config: { maxFrameBytes: 1_000 } })
    const a = await joinVault(h, 'a')
    const b = await joinVault(h, 'b')
    await h.room.receive(a, updateFrame('n', new Editor().insert('kept'), 1))
    await h.room.whenIdle()
    const keys = await hotKeys(h)
    b.clear()
    const frame = updateFrame('n', new Editor().insert('x'.repeat(1_200)), 2)
    await h.room.receive(a, frame)
    await h.room.whenIdle()
    expect(errors(a).map((e) => [e.code, e.docId, e.clientSeq, e.message])).toEqual([
      // The refusal names the update it could not read, so the client drops exactly that one.
      [ErrorCode.FrameTooLarge, 'n', 2, `frame of ${frame.length} bytes exceeds maxFrameBytes 1000`],
    ])
    expect(a.closed).toBeUndefined()
    expect(b.frames).toEqual([])
    expect(await hotKeys(h)).toEqual(keys)
    await h.room.receive(b, updateFrame('m', new Editor().insert('b writes'), 1))
    await h.room.receive(a, updateFrame('n', new Editor().insert('a too'), 3))
    await h.room.whenIdle()
    expect([ackedSeqs(a), ackedSeqs(b)]).toEqual([[1, 3], [1]])
    expect(await contentOf(h, 'n')).toContain('kept')
  })
})

describe('maxDocBytes', () => {
  it('an update that would grow a note past it is DOC_TOO_LARGE; other notes and sessions go on', async () => {
    const h = await room({ config: { maxDocBytes: 600 } })
    const a = await joinVault(h, 'a')
    const b = await joinVault(h, 'b')
    const note = new Editor()
    await h.room.receive(a, updateFrame('n', note.insert('x'.repeat(400)), 1))
    await h.room.whenIdle()
    const stored = h.room.stats().storedBytes
    const keys = await hotKeys(h)
    b.clear()
    const tooMuch = note.insert('y'.repeat(300))
    await h.room.receive(a, updateFrame('n', tooMuch, 2))
    await h.room.whenIdle()
    const [error] = errors(a)
    expect([error?.code, error?.docId, error?.clientSeq]).toEqual([ErrorCode.DocTooLarge, 'n', 2])
    expect(error?.message).toMatch(/exceeds maxDocBytes 600$/)
    expect(b.frames).toEqual([])
    expect(h.room.stats().storedBytes).toBe(stored)
    expect(await hotKeys(h)).toEqual(keys)
    expect(await contentOf(h, 'n')).toBe('x'.repeat(400))
    // Another note has its own budget; a small edit to the same note still fits.
    await h.room.receive(b, updateFrame('m', new Editor().insert('y'.repeat(300)), 1))
    await h.room.receive(a, updateFrame('n', new Editor().insert('ok'), 3))
    await h.room.whenIdle()
    expect([ackedSeqs(a), ackedSeqs(b)]).toEqual([[1, 3], [1]])
  })

  it('counts the tree too', async () => {
    const h = await room({ config: { maxDocBytes: 2_000 } })
    const a = await joinVault(h, 'a')
    const big = new Y.Doc()
    big.getText('junk').insert(0, 'z'.repeat(2_500))
    await h.room.receive(a, updateFrame(TREE_DOC_ID, Y.encodeStateAsUpdate(big), 1))
    await h.room.whenIdle()
    expect(errors(a).map((e) => [e.code, e.docId])).toEqual([[ErrorCode.DocTooLarge, TREE_DOC_ID]])
    expect(h.room.committedCursor.seq).toBe(0)
  })
})

describe('quotaBytes', () => {
  it('an update that would take the vault past it is QUOTA_EXCEEDED; smaller writes still fit', async () => {
    const h = await room({ config: { quotaBytes: 1_000 } })
    const a = await joinVault(h, 'a')
    const b = await joinVault(h, 'b')
    await h.room.receive(a, updateFrame('n1', new Editor().insert('x'.repeat(500)), 1))
    await h.room.whenIdle()
    const stored = h.room.stats().storedBytes
    expect(stored).toBeGreaterThan(500)
    b.clear()
    await h.room.receive(a, updateFrame('n2', new Editor().insert('y'.repeat(500)), 2))
    await h.room.whenIdle()
    const [error] = errors(a)
    expect([error?.code, error?.docId, error?.clientSeq]).toEqual([ErrorCode.QuotaExceeded, 'n2', 2])
    expect(error?.message).toMatch(/exceeds quotaBytes 1000$/)
    expect(b.frames).toEqual([])
    expect(h.room.stats().storedBytes).toBe(stored)
    await h.room.receive(b, updateFrame('n3', new Editor().insert('small'), 1))
    await h.room.whenIdle()
    expect(ackedSeqs(b)).toEqual([1])
    expect(h.room.stats().storedBytes).toBeLessThanOrEqual(1_000)
    expect(await contentOf(h, 'n1')).toBe('x'.repeat(500))
    expect(await contentOf(h, 'n2')).toBe('')
  })

  it('a vault at its quota still accepts a delete-only update, so its owner can make room', async () => {
    const h = await room({ config: { quotaBytes: 700 } })
    const a = await joinVault(h, 'a')
    const editor = new Editor()
    await h.room.receive(a, updateFrame('n1', editor.insert('x'.repeat(600)), 1))
    await h.room.receive(a, updateFrame('n1', editor.insert('y'.repeat(200)), 2))
    await h.room.whenIdle()
    expect(errors(a).map((e) => e.code)).toEqual([ErrorCode.QuotaExceeded])
    a.clear()
    await h.room.receive(a, updateFrame('n1', editor.delete(0, 590), 3))
    await h.room.whenIdle()
    expect(errors(a)).toEqual([])
    expect(ackedSeqs(a)).toEqual([3])
    expect(await contentOf(h, 'n1')).toBe('x'.repeat(10))
  })

  it('seeded: random writers never push a note or the vault past its limit, and only refused updates are missing', async () => {
    const base = process.env.SEED ? Number(process.env.SEED) : Math.floor(Math.random() * 2 ** 31)
    const refused = new Map<string, number>()
    let accepted = 0
    for (let i = 0; i < 10; i++) {
      const seed = base + i
      const counts = await writeRandomly(seed, { maxDocBytes: 2_500, quotaBytes: 8_000 })
      for (const [code, n] of counts.refused) refused.set(code, (refused.get(code) ?? 0) + n)
      accepted += counts.accepted
    }
    console.log(
      `limits simulation: seeds ${base}..${base + 9} (SEED=${base} replays), accepted ${accepted}, refused`,
      Object.fromEntries(refused),
    )
    // The runs exercised both limits and accepted plenty.
    expect(refused.get(ErrorCode.DocTooLarge) ?? 0).toBeGreaterThan(0)
    expect(refused.get(ErrorCode.QuotaExceeded) ?? 0).toBeGreaterThan(0)
    expect(accepted).toBeGreaterThan(50)
  })

  it('seed 1279439802: log-row framing once took the vault a byte past its quota', async () => {
    await writeRandomly(1279439802, { maxDocBytes: 2_500, quotaBytes: 8_000 })
  })
})

/** Three sessions write random-sized updates to four notes under tight limits; checks every invariant. */
async function writeRandomly(seed: number, limits: { maxDocBytes: number; quotaBytes: number }) {
  const gen = prng.create(seed)
  const h = await room({ config: limits })
  const sessions = [await joinVault(h, 's0'), await joinVault(h, 's1'), await joinVault(h, 's2')]
  const notes = ['a', 'b', 'c', 'd'].map((id) => ({ id, accepted: [] as string[] }))
  const seqs = [0, 0, 0]
  const refused = new Map<string, number>()
  let accepted = 0
  for (let step = 0; step < 80; step++) {
    const who = prng.int32(gen, 0, 2)
    const note = prng.oneOf(gen, notes)
    // A fresh author per update with a unique marker, so refused content is recognisable.
    const token = `<${step}:${'#'.repeat(prng.int32(gen, 1, 900))}>`
    const author = new Editor()
    author.doc.clientID = 10_000 + step
    const conn = sessions[who]!
    conn.clear()
    await h.room.receive(conn, updateFrame(note.id, author.insert(token), ++seqs[who]!))
    await h.room.whenIdle()
    const error = errors(conn)[0]
    if (error) {
      expect([ErrorCode.DocTooLarge, ErrorCode.QuotaExceeded], `seed ${seed}`).toContain(error.code)
      refused.set(error.code, (refused.get(error.code) ?? 0) + 1)
    } else {
      expect(ackedSeqs(conn), `seed ${seed}`).toEqual([seqs[who]])
      note.accepted.push(token)
      accepted++
    }
    expect(h.room.stats().storedBytes, `seed ${seed}`).toBeLessThanOrEqual(limits.quotaBytes)
  }
  // Nothing was flushed (the clock stands still): the hot log rows are everything stored.
  let total = 0
  for (const note of notes) {
    const text = await contentOf(h, note.id)
    expect(text.length, `seed ${seed}`).toBe(note.accepted.join('').length)
    for (const token of note.accepted) expect(text, `seed ${seed}`).toContain(token)
    let bytes = 0
    for (const { data } of await h.hot.loadRange(`log/${note.id}/`)) bytes += data.length
    expect(bytes, `seed ${seed}`).toBeLessThanOrEqual(limits.maxDocBytes)
    total += bytes
  }
  expect(h.room.stats().storedBytes, `seed ${seed}`).toBe(total)
  return { refused, accepted }
}

describe('message rate', () => {
  it('the token bucket refills on the injected clock, up to its burst', () => {
    const bucket = new TokenBucket(10, 3, 1_000)
    expect([bucket.take(1_000), bucket.take(1_000), bucket.take(1_000), bucket.take(1_000)]).toEqual([
      true,
      true,
      true,
      false,
    ])
    expect(bucket.take(1_099)).toBe(false) // 0.99 of a token
    expect(bucket.take(1_100)).toBe(true)
    expect(bucket.take(500)).toBe(false) // a clock stepping back refills nothing
    const idle = new TokenBucket(10, 3, 0)
    for (let i = 0; i < 3; i++) idle.take(0)
    expect([idle.take(3_600_000), idle.take(3_600_000), idle.take(3_600_000), idle.take(3_600_000)]).toEqual([
      true,
      true,
      true,
      false,
    ])
  })

  it('a vault socket over its rate gets RATE_LIMITED naming the limit, then a 1008 close; the overflowing frame is not applied', async () => {
    const h = await room({ config: { messageRatePerSecond: 10, messageBurst: 4 } })
    const a = await joinVault(h, 'a') // Hello took one token
    const b = await joinVault(h, 'b')
    const note = new Editor()
    for (let seq = 1; seq <= 3; seq++)
      await h.room.receive(a, updateFrame('n', note.insert(String(seq)), seq))
    await h.room.whenIdle()
    const keys = await hotKeys(h)
    b.clear()
    await h.room.receive(a, updateFrame('n', note.insert('4'), 4))
    await h.room.whenIdle()
    const [error] = errors(a)
    expect([error?.code, error?.docId, error?.clientSeq]).toEqual([ErrorCode.RateLimited, '', 0])
    expect(error?.message).toBe('frame rate exceeds messageRatePerSecond 10 (messageBurst 4)')
    expect(a.closed).toEqual({ code: RATE_LIMITED_CLOSE_CODE, reason: 'RATE_LIMITED' })
    expect(ackedSeqs(a)).toEqual([1, 2, 3])
    expect(b.frames).toEqual([])
    expect(await hotKeys(h)).toEqual(keys)
    expect(await contentOf(h, 'n')).toBe('123')
    // The other socket has its own bucket; after 100 ms of the fake clock it has earned one more frame.
    await h.room.receive(b, updateFrame('m', new Editor().insert('b'), 1))
    await h.room.receive(b, updateFrame('m', new Editor().insert('b'), 2))
    await h.room.receive(b, updateFrame('m', new Editor().insert('b'), 3))
    h.clock.now += 100
    await h.room.receive(b, updateFrame('m', new Editor().insert('b'), 4))
    await h.room.whenIdle()
    expect(b.closed).toBeUndefined()
    expect(ackedSeqs(b)).toEqual([1, 2, 3, 4])
  })

  it('a y-websocket socket over its rate is closed 1008 RATE_LIMITED without an answer', async () => {
    const h = await room({ config: { messageRatePerSecond: 1, messageBurst: 2 } })
    const y = new FakeConnection('y')
    connect(h, y, { kind: 'y', path: 'Notes/A.md' }, EDITOR)
    await h.room.whenIdle()
    y.clear()
    const step1 = encodeYSync({ step: SyncStep.Step1, stateVector: Uint8Array.of(0) })
    for (let i = 0; i < 3; i++) await h.room.receive(y, step1)
    expect(y.yFrames().map((f) => f.type)).toEqual(['sync', 'sync'])
    expect(y.closed).toEqual({ code: RATE_LIMITED_CLOSE_CODE, reason: 'RATE_LIMITED' })
    expect(h.room.stats().sessions).toBe(0)
  })

  it('reading counts as well: a flood of sync step 1 is limited before it is decoded', async () => {
    const h = await room({ config: { messageRatePerSecond: 1, messageBurst: 3 } })
    const a = await joinVault(h, 'a')
    a.clear()
    for (let i = 0; i < 3; i++)
      await h.room.receive(a, syncFrame('n', { step: SyncStep.Step1, stateVector: Uint8Array.of(0) }))
    expect(a.ofType(MessageType.Doc)).toHaveLength(2)
    expect(a.closed?.code).toBe(RATE_LIMITED_CLOSE_CODE)
    // Queued frames after the close are dropped with the session.
    await h.room.receive(a, Uint8Array.of(0xff))
    expect(errors(a).map((e) => e.code)).toEqual([ErrorCode.RateLimited])
  })
})
