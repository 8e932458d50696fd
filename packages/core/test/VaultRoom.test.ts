// VaultRoom over in-memory storage and fake sockets: handshake, relay-before-write, durable acks,
// typed errors for bad input, catch-up by cursor, y-websocket sessions and maintenance.

import {
  CatchUpKind,
  DocChannel,
  ErrorCode,
  FATAL_CLOSE_CODE,
  FatalReason,
  MessageType,
  SyncStep,
  TREE_DOC_ID,
  encodeMessage,
  encodeYAwareness,
  encodeYSync,
} from '@amber/protocol'
import type { DocId, MessageOf } from '@amber/protocol'
import { describe, expect, it } from 'vitest'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import { MemoryStorageAdapter } from '../src/storage/MemoryStorageAdapter.ts'
import { resolvePath } from '../src/tree/resolvePath.ts'
import { FakeConnection, NO_CURSOR, connect, helloFrame, joinVault, roomsDisposedAfterEach, updateFrame } from './support/roomHarness.ts'
import type { RoomHarness } from './support/roomHarness.ts'
import { Editor } from './support/Editor.ts'
import { ackedSeqs, errors, replay, syncFrames, types } from './support/frames.ts'

const room = roomsDisposedAfterEach()

describe('VaultRoom handshake', () => {
  it('Hello is answered by Welcome, CatchUp and CatchUpEnd', async () => {
    const h = await room()
    const conn = new FakeConnection('a')
    connect(h, conn)
    await h.room.receive(conn, helloFrame())
    await h.room.whenIdle()
    const messages = conn.messages()
    expect(types(messages)).toEqual([MessageType.Welcome, MessageType.CatchUp, MessageType.CatchUpEnd])
    const [welcome, catchUp, end] = messages as [MessageOf<2>, MessageOf<3>, MessageOf<5>]
    expect(welcome).toMatchObject({ version: 1, epoch: h.room.epoch, headSeq: 0, lineage: h.room.lineage })
    expect(h.room.lineage).not.toBe('')
    expect(catchUp).toMatchObject({ epoch: h.room.epoch, fromSeq: 0, toSeq: 0, entries: [] })
    expect(end.cursor).toEqual({ epoch: h.room.epoch, seq: 0 })
    expect(conn.state).toMatchObject({ kind: 'vault', hello: { deviceId: 'device', version: 1, subscribeAll: true } })
    expect(conn.closed).toBeUndefined()
  })

  it('a first frame that is not Hello closes with 4099 BAD_HELLO', async () => {
    const h = await room()
    const subscribe = encodeMessage({ type: MessageType.Subscribe, docId: 'n' as DocId, stateVector: Uint8Array.of(0) })
    for (const frame of [subscribe, Uint8Array.of(0xff, 0xff), new Uint8Array(0), helloFrame().subarray(0, 3)]) {
      const conn = new FakeConnection('bad')
      connect(h, conn)
      await h.room.receive(conn, frame)
      expect(conn.closed).toEqual({ code: FATAL_CLOSE_CODE, reason: FatalReason.BadHello })
      expect(conn.frames).toEqual([])
    }
    expect(h.room.stats().sessions).toBe(0)
  })

  it('a Hello without a common version closes with 4099 UNSUPPORTED_VERSION', async () => {
    const h = await room()
    for (const versions of [[2, 3], [], [0]]) {
      const conn = new FakeConnection('old')
      connect(h, conn)
      await h.room.receive(conn, helloFrame({ versions }))
      expect(conn.closed).toEqual({ code: FATAL_CLOSE_CODE, reason: FatalReason.UnsupportedVersion })
    }
    // A Hello listing a million versions is handled (a spread into Math.max overflowed the stack).
    const flood = new FakeConnection('flood')
    connect(h, flood)
    await h.room.receive(flood, helloFrame({ versions: new Array<number>(1_000_000).fill(1) }))
    expect(flood.closed).toBeUndefined()
    expect(flood.ofType(MessageType.Welcome)[0]!.version).toBe(1)
    // The highest common version wins.
    const conn = new FakeConnection('new')
    connect(h, conn)
    await h.room.receive(conn, helloFrame({ versions: [7, 1, 9] }))
    expect(conn.ofType(MessageType.Welcome)[0]!.version).toBe(1)
  })

  it('a second Hello is a MALFORMED_FRAME error, not fatal', async () => {
    const h = await room()
    const conn = await joinVault(h, 'a')
    conn.clear()
    await h.room.receive(conn, helloFrame())
    expect(errors(conn).map((e) => e.code)).toEqual([ErrorCode.MalformedFrame])
    expect(conn.closed).toBeUndefined()
  })
})

describe('VaultRoom updates', () => {
  it('relays an update to the other session before the storage write starts, and acks only after the commit', async () => {
    const timeline: string[] = []
    const hot = new MemoryStorageAdapter({
      beforeCommit: (batch) => {
        if (batch.save?.some((chunk) => chunk.key.startsWith('log/'))) timeline.push('storage write starts')
      },
    })
    // Record when the commit resolved.
    const commit = hot.commit.bind(hot)
    hot.commit = async (batch) => {
      await commit(batch)
      if (batch.save?.some((chunk) => chunk.key.startsWith('log/'))) timeline.push('commit resolved')
    }
    const h = await room({ hot })
    const a = await joinVault(h, 'a', {}, timeline)
    const b = await joinVault(h, 'b', {}, timeline)
    timeline.length = 0
    const editor = new Editor()
    const update = editor.insert('hello')
    await h.room.receive(a, updateFrame('note1', update, 1))
    expect(timeline).toEqual(['b <- Doc(note1)']) // relayed; the write has not started yet
    await h.room.whenIdle()
    expect(timeline).toEqual(['b <- Doc(note1)', 'storage write starts', 'commit resolved', 'a <- type 9', 'b <- type 9'])
    const relayed = syncFrames(b, 'note1')
    expect(relayed).toHaveLength(1)
    expect(relayed[0]!.body).toMatchObject({ clientSeq: 0, sync: { step: SyncStep.Update } })
    expect(ackedSeqs(a)).toEqual([1])
    expect(ackedSeqs(b)).toEqual([])
    const ack = a.ofType(MessageType.Ack)[0]!
    expect(ack.cursor).toEqual({ epoch: h.room.epoch, seq: 1 })
    expect(syncFrames(a, 'note1')).toEqual([]) // never echoed to the author
    expect(replay(b, 'note1').getText('content').toString()).toBe('hello')
  })

  it('a Hello arriving while a batch is open gets no Ack before its catch-up ends', async () => {
    const h = await room()
    const a = await joinVault(h, 'a')
    const editor = new Editor()
    const pending = h.room.receive(a, updateFrame('note1', editor.insert('x'), 1))
    const b = new FakeConnection('b')
    connect(h, b)
    const hello = h.room.receive(b, helloFrame())
    await Promise.all([pending, hello])
    await h.room.whenIdle()
    const kinds = types(b.messages())
    const end = kinds.indexOf(MessageType.CatchUpEnd)
    expect(end).toBeGreaterThan(0)
    expect(kinds.slice(0, end)).not.toContain(MessageType.Ack)
    expect(b.ofType(MessageType.CatchUpEnd)[0]!.cursor.seq).toBe(1)
    expect(replay(b, 'note1').getText('content').toString()).toBe('x')
  })

  it('acks a duplicate update (already held) after a commit turn', async () => {
    const h = await room()
    const a = await joinVault(h, 'a')
    const update = new Editor().insert('dup')
    await h.room.receive(a, updateFrame('n', update, 1))
    await h.room.whenIdle()
    await h.room.receive(a, updateFrame('n', update, 2))
    await h.room.whenIdle()
    expect(ackedSeqs(a)).toEqual([1, 2])
    expect(h.room.committedCursor.seq).toBe(1)
  })

  it('bad frames and updates get a typed Error, store nothing, and the other session keeps working', async () => {
    const h = await room({ config: { maxUpdateBytes: 160, maxUpdateStructs: 5, maxFrameBytes: 320 } })
    const a = await joinVault(h, 'a')
    const b = await joinVault(h, 'b')
    await h.room.receive(b, updateFrame('seed', new Editor().insert('seed'), 1))
    await h.room.whenIdle()
    const keysBefore = await h.hot.listKeys('')
    const seqBefore = h.room.committedCursor.seq
    a.clear()
    b.clear()

    const many = new Editor()
    for (let i = 0; i < 6; i++) {
      many.insert('x', 0)
      many.doc.getMap('m').set(String(i), i)
    }
    const tooManyStructs = Y.encodeStateAsUpdate(many.doc)
    const big = new Editor()
    const tooLarge = big.insert('y'.repeat(200))
    const cases: Array<[Uint8Array, string, number]> = [
      [Uint8Array.of(0xff, 0x00, 0x01), ErrorCode.MalformedFrame, 0],
      [updateFrame('n', Uint8Array.of(0xff, 0xff, 0xff), 11), ErrorCode.MalformedUpdate, 11],
      [updateFrame('n', new Editor().insert('truncated').subarray(0, 6), 12), ErrorCode.MalformedUpdate, 12],
      [updateFrame('n', new Uint8Array(0), 13), ErrorCode.EmptyUpdate, 13],
      [updateFrame('n', tooLarge, 14), ErrorCode.UpdateTooLarge, 14],
      [updateFrame('n', new Uint8Array(400), 15), ErrorCode.FrameTooLarge, 15], // frame over maxFrameBytes
      [updateFrame('n', tooManyStructs, 16), ErrorCode.TooManyStructs, 16],
      [updateFrame('../etc', new Editor().insert('z'), 17), ErrorCode.BadDocId, 17],
      [encodeMessage({ type: MessageType.Ack, cursor: NO_CURSOR, ranges: [] }), ErrorCode.MalformedFrame, 0],
    ]
    expect(tooManyStructs.length).toBeLessThanOrEqual(160)
    expect(tooLarge.length).toBeGreaterThan(160)
    for (const [frame, code, clientSeq] of cases) {
      a.clear()
      await h.room.receive(a, frame)
      await h.room.whenIdle()
      const received = errors(a)
      expect(received.map((e) => [e.code, e.clientSeq]), code).toEqual([[code, clientSeq]])
      expect(a.closed).toBeUndefined()
    }
    expect(await h.hot.listKeys('')).toEqual(keysBefore)
    expect(h.room.committedCursor.seq).toBe(seqBefore)
    expect(ackedSeqs(a)).toEqual([])
    expect(b.ofType(MessageType.Doc)).toEqual([]) // nothing relayed
    // Both sessions still work.
    await h.room.receive(b, updateFrame('n', new Editor().insert('fine'), 2))
    await h.room.receive(a, updateFrame('m', new Editor().insert('also fine'), 20))
    await h.room.whenIdle()
    expect(ackedSeqs(b)).toEqual([2])
    expect(ackedSeqs(a)).toEqual([20])
    expect(replay(a, 'n').getText('content').toString()).toBe('fine')
  })

  it('an update with missing dependencies gets MISSING_DEPENDENCIES and a sync step 1, and no ack', async () => {
    const h = await room()
    const a = await joinVault(h, 'a')
    const editor = new Editor()
    const first = editor.insert('first')
    const second = editor.insert(' second')
    await h.room.receive(a, updateFrame('n', second, 2))
    await h.room.whenIdle()
    expect(errors(a).map((e) => [e.docId, e.clientSeq, e.code])).toEqual([['n', 2, ErrorCode.MissingDependencies]])
    const step1 = syncFrames(a, 'n').find((m) => m.body.channel === DocChannel.Sync && m.body.sync.step === SyncStep.Step1)
    expect(step1).toBeDefined()
    expect(ackedSeqs(a)).toEqual([])
    // The client resends from the server's state vector; that is acked.
    const body = step1!.body
    if (body.channel !== DocChannel.Sync || body.sync.step !== SyncStep.Step1) throw new Error('expected step 1')
    const resend = Y.encodeStateAsUpdate(editor.doc, body.sync.stateVector)
    await h.room.receive(a, updateFrame('n', resend, 3))
    await h.room.whenIdle()
    expect(ackedSeqs(a)).toEqual([3])
    const b = await joinVault(h, 'b')
    expect(replay(b, 'n').getText('content').toString()).toBe('first second')
    expect(first.length).toBeGreaterThan(0)
  })
})

describe('VaultRoom catch-up', () => {
  async function roomWithTwoDocs(): Promise<{ h: RoomHarness; a: FakeConnection; x: Editor; y: Editor }> {
    const h = await room()
    const a = await joinVault(h, 'a')
    const x = new Editor()
    const y = new Editor()
    await h.room.receive(a, updateFrame('x', x.insert('x1'), 1))
    await h.room.receive(a, updateFrame('y', y.insert('y1'), 2))
    await h.room.whenIdle()
    return { h, a, x, y }
  }

  it('a reconnect with a cursor receives only the documents changed since', async () => {
    const { h, a, y } = await roomWithTwoDocs()
    const cursor = h.room.committedCursor
    // Unchanged vault: no CatchUpDoc at all.
    const same = await joinVault(h, 'same', { cursor })
    expect(same.ofType(MessageType.CatchUpDoc)).toEqual([])
    expect(same.ofType(MessageType.CatchUp)[0]).toMatchObject({ fromSeq: cursor.seq, toSeq: cursor.seq, entries: [] })
    expect(same.ofType(MessageType.CatchUpEnd)[0]!.cursor).toEqual(cursor)
    // Change y only.
    await h.room.receive(a, updateFrame('y', y.insert(' y2'), 3))
    await h.room.whenIdle()
    const back = await joinVault(h, 'back', { cursor })
    const docs = back.ofType(MessageType.CatchUpDoc)
    expect(docs.map((d) => d.docId)).toEqual(['y'])
    expect(back.ofType(MessageType.CatchUp)[0]!.entries).toEqual([{ docId: 'y', kind: CatchUpKind.Log, bytes: docs[0]!.update.length }])
    // Applied on top of what the client had at the cursor, it reproduces the server's y.
    const local = new Y.Doc()
    Y.applyUpdate(local, y.updates[0]!)
    Y.applyUpdate(local, docs[0]!.update)
    expect(local.getText('content').toString()).toBe('y1 y2')
    expect(back.ofType(MessageType.CatchUpEnd)[0]!.cursor.seq).toBe(h.room.committedCursor.seq)
  })

  it('a delete-only edit moves the cursor and is delivered by catch-up', async () => {
    const { h, a, x } = await roomWithTwoDocs()
    const cursor = h.room.committedCursor
    const sv = Y.encodeStateVector(x.doc)
    const deletion = x.delete(0, 1)
    expect(Y.encodeStateVector(x.doc)).toEqual(sv)
    await h.room.receive(a, updateFrame('x', deletion, 3))
    await h.room.whenIdle()
    expect(ackedSeqs(a)).toContain(3)
    expect(h.room.committedCursor.seq).toBe(cursor.seq + 1)
    expect(a.ofType(MessageType.Ack).at(-1)!.cursor.seq).toBe(cursor.seq + 1)
    const back = await joinVault(h, 'back', { cursor })
    const docs = back.ofType(MessageType.CatchUpDoc)
    expect(docs.map((d) => d.docId)).toEqual(['x'])
    const local = new Y.Doc()
    Y.applyUpdate(local, x.updates[0]!)
    Y.applyUpdate(local, docs[0]!.update)
    expect(local.getText('content').toString()).toBe('1')
  })

  it('a cursor from another epoch (or none) gets the full state of every document', async () => {
    const { h } = await roomWithTwoDocs()
    for (const cursor of [{ epoch: 'some-other-epoch', seq: 1 }, NO_CURSOR, { epoch: h.room.epoch, seq: 999 }]) {
      const conn = await joinVault(h, 'c', { cursor })
      const manifest = conn.ofType(MessageType.CatchUp)[0]!
      expect(manifest.fromSeq).toBe(0)
      expect(manifest.entries.map((e) => [e.docId, e.kind]).sort()).toEqual([
        ['x', CatchUpKind.FullState],
        ['y', CatchUpKind.FullState],
      ])
      expect(replay(conn, 'x').getText('content').toString()).toBe('x1')
      expect(replay(conn, 'y').getText('content').toString()).toBe('y1')
      // A client that held state from another epoch also gets a sync step 1 for each document, so it
      // sends what the server lacks; a fresh client (no cursor) has nothing to send and gets none.
      for (const docId of ['x', 'y']) {
        const asked = syncFrames(conn, docId).some((m) => m.body.channel === DocChannel.Sync && m.body.sync.step === SyncStep.Step1)
        expect(asked).toBe(cursor.epoch !== '')
      }
    }
  })

  it('docHave entries get a diff against the given state vector and a sync step 1', async () => {
    const { h, x } = await roomWithTwoDocs()
    const local = new Y.Doc()
    const conn = await joinVault(h, 'c', { cursor: h.room.committedCursor, docs: [{ docId: 'x' as DocId, stateVector: Y.encodeStateVector(local) }] })
    const manifest = conn.ofType(MessageType.CatchUp)[0]!
    expect(manifest.entries.map((e) => [e.docId, e.kind])).toEqual([['x', CatchUpKind.Diff]])
    Y.applyUpdate(local, conn.ofType(MessageType.CatchUpDoc)[0]!.update)
    expect(local.getText('content').toString()).toBe(x.text.toString())
  })
})

describe('VaultRoom y-websocket sessions', () => {
  it('sends step 1 on connect, relays its updates to vault sessions, creates the note, echoes awareness', async () => {
    const h = await room()
    const vault = await joinVault(h, 'vault')
    vault.clear()
    const y = new FakeConnection('y')
    connect(h, y, { kind: 'y', path: 'Notes/A.md' })
    await h.room.whenIdle()
    const first = y.yFrames()
    expect(first).toHaveLength(1)
    expect(first[0]).toMatchObject({ type: 'sync', sync: { step: SyncStep.Step1 } })
    expect(y.state).toMatchObject({ kind: 'y' })
    const docId = (y.state as { docId: string }).docId
    expect(resolvePath(new Y.Doc(), 'Notes/A.md')).toBeUndefined()

    const editor = new Editor()
    await h.room.receive(y, encodeYSync({ step: SyncStep.Update, update: editor.insert('from a stock editor') }))
    await h.room.whenIdle()
    // The vault session received the note update and the tree update that created its entry.
    expect(replay(vault, docId).getText('content').toString()).toBe('from a stock editor')
    const tree = replay(vault, TREE_DOC_ID)
    expect(resolvePath(tree, 'Notes/A.md')).toBe(docId)
    expect(h.room.committedCursor.seq).toBeGreaterThanOrEqual(2)

    // Awareness is echoed back to the sender (and to vault sessions of the note).
    y.clear()
    const awareness = Uint8Array.from([1, ...varUint(42), 1, ...varString('{"user":"z"}')])
    await h.room.receive(y, encodeYAwareness(awareness))
    await h.room.whenIdle()
    expect(y.yFrames()).toEqual([{ type: 'awareness', update: awareness }])
    expect(vault.ofType(MessageType.Doc).filter((m) => m.body.channel === DocChannel.Awareness)).toHaveLength(1)

    // A vault update to the note reaches the y session.
    y.clear()
    await h.room.receive(vault, updateFrame(docId, editor.insert('!'), 1))
    await h.room.whenIdle()
    expect(y.yFrames()).toMatchObject([{ type: 'sync', sync: { step: SyncStep.Update } }])

    // A second socket on the same path binds to the same note.
    const again = new FakeConnection('y2')
    connect(h, again, { kind: 'y', path: 'Notes/A.md' })
    await h.room.whenIdle()
    expect((again.state as { docId: string }).docId).toBe(docId)
  })
})

function varUint(n: number): number[] {
  const out: number[] = []
  while (n > 127) {
    out.push((n & 127) | 128)
    n = Math.floor(n / 128)
  }
  out.push(n)
  return out
}

function varString(s: string): number[] {
  const bytes = new TextEncoder().encode(s)
  return [...varUint(bytes.length), ...bytes]
}

describe('VaultRoom maintenance', () => {
  it('alarm() flushes, compacts and unloads per the config', async () => {
    const h = await room({ config: { flushEntries: 2, compactSegments: 2, unloadIdleMs: 10_000, flushAfterMs: 1_000_000 } })
    const a = await joinVault(h, 'a')
    const editor = new Editor()
    let seq = 0
    const write = async (text: string): Promise<void> => {
      await h.room.receive(a, updateFrame('n', editor.insert(text), ++seq))
      await h.room.whenIdle()
    }
    await write('a')
    await h.room.alarm()
    expect(await h.cold.listKeys('docs/n/')).toEqual([]) // one entry: below flushEntries
    await write('b')
    await h.room.alarm()
    expect((await h.cold.listKeys('docs/n/seg/')).length).toBe(1)
    expect(await h.hot.listKeys('log/n/')).toEqual([])
    await write('c')
    await write('d')
    await h.room.alarm() // second segment → compaction into a snapshot
    expect(await h.cold.listKeys('docs/n/seg/')).toEqual([])
    expect((await h.cold.listKeys('docs/n/snap/')).length).toBe(1)
    expect(h.room.stats()).toMatchObject({ flushes: 2, compactions: 1 })
    expect(h.room.stats().loadedDocs).toBe(3)
    h.clock.now += 10_001
    await h.room.alarm()
    expect(h.room.stats().loadedDocs).toBe(2) // only the tree and the heads stay
    // An unloaded note reloads from cold storage on demand.
    const b = await joinVault(h, 'b')
    expect(replay(b, 'n').getText('content').toString()).toBe('abcd')
    expect(h.wakes.length).toBeGreaterThan(0)
  })

  it('a 1,000-note room unloads its idle documents', async () => {
    const h = await room({ config: { unloadIdleMs: 60_000 } })
    const a = await joinVault(h, 'a')
    for (let i = 0; i < 1000; i++) await h.room.receive(a, updateFrame(`note-${i}`, new Editor().insert(`note ${i}`), i + 1))
    await h.room.whenIdle()
    expect(h.room.stats().loadedDocs).toBe(1002)
    expect(ackedSeqs(a)).toHaveLength(1000)
    h.clock.now += 30_000
    await h.room.receive(a, updateFrame('note-7', new Editor().insert('recent'), 1001))
    await h.room.whenIdle()
    h.clock.now += 30_001
    await h.room.alarm()
    expect(h.room.stats().loadedDocs).toBe(3) // the tree, the heads and the recently used note
    h.clock.now += 60_000
    await h.room.alarm()
    expect(h.room.stats().loadedDocs).toBe(2)
  })
})

describe('VaultRoom after a wake from hibernation', () => {
  it('restores each socket from its attachment and stored subscriptions, and resynchronises it once at vault level', async () => {
    const h = await room()
    const lazy = await joinVault(h, 'lazy', { subscribeAll: false })
    await h.room.receive(lazy, encodeMessage({ type: MessageType.Subscribe, docId: 'x' as DocId, stateVector: new Uint8Array([0]) }))
    const writer = await joinVault(h, 'writer')
    const x = new Editor()
    await h.room.receive(writer, updateFrame('x', x.insert('before'), 1))
    await h.room.whenIdle()
    const cursor = h.room.committedCursor
    const states = [lazy.state!, writer.state!]
    expect(states.map((s) => s.kind)).toEqual(['vault', 'vault'])

    // Hibernation: the instance and its memory are gone; storage and the sockets (with attachments) stay.
    h.room.dispose()
    const woken = await room({ hot: h.hot, cold: h.cold })
    lazy.clear()
    writer.clear()
    woken.room.restore(lazy, states[0]!)
    woken.room.restore(writer, states[1]!)
    await woken.room.whenIdle()
    // One vault-level Resync per socket, carrying the committed cursor — not one message per document.
    for (const conn of [lazy, writer]) expect(conn.messages()).toEqual([{ type: MessageType.Resync, cursor }])

    // A client that is behind answers Resume and catches up on the open socket.
    await woken.room.receive(lazy, encodeMessage({ type: MessageType.Resume, cursor: NO_CURSOR, docs: [] }))
    await woken.room.whenIdle()
    expect(lazy.ofType(MessageType.CatchUpEnd)[0]!.cursor).toEqual(cursor)

    // The lazy session's subscription to x survived in storage: the writer's next edit reaches it.
    lazy.clear()
    await woken.room.receive(writer, updateFrame('x', x.insert(' after'), 2))
    await woken.room.whenIdle()
    expect(syncFrames(lazy, 'x').some((m) => m.body.channel === DocChannel.Sync && m.body.sync.step === SyncStep.Update)).toBe(true)
    expect(writer.ofType(MessageType.Ack).flatMap((a) => a.ranges)).toEqual([{ first: 2, last: 2 }])
  })
})

describe('VaultRoom scheduling', () => {
  it('never asks for a wake in the past for a document it must keep loaded (no alarm spin)', async () => {
    const h = await room({ config: { unloadIdleMs: 1_000 } })
    const a = await joinVault(h, 'a')
    const x = new Editor()
    await h.room.receive(a, updateFrame('x', x.insert('hi'), 1))
    // Presence in x keeps it loaded however long it idles.
    const awareness = encoding.createEncoder()
    encoding.writeVarUint(awareness, 1)
    encoding.writeVarUint(awareness, 42)
    encoding.writeVarUint(awareness, 1)
    encoding.writeVarString(awareness, JSON.stringify({ user: 'a' }))
    await h.room.receive(
      a,
      encodeMessage({ type: MessageType.Doc, docId: 'x' as DocId, body: { channel: DocChannel.Awareness, awareness: encoding.toUint8Array(awareness) } }),
    )
    await h.room.whenIdle()
    for (let round = 0; round < 3; round++) {
      h.clock.now += 10_000
      h.wakes.length = 0
      await h.room.alarm()
      expect(h.room.stats().loadedDocs).toBe(3) // the tree, the heads and x
      expect(h.wakes.length).toBeGreaterThan(0)
      for (const at of h.wakes) expect(at).toBeGreaterThan(h.clock.now)
    }
  })
})
