// The room's server-side API for binaries and plain HTTP file access: the server-owned `heads` document,
// notes read and written by path as minimal edits (If-Match merges against a state served earlier, also
// after a restart), binary entries, and recoverable deletes. Seeded: SEED=n replays the merge simulation.

import { createHash } from 'node:crypto'
import type { HeadRecord } from '@amber/blobs'
import { ErrorCode, HEADS_DOC_ID, MessageType, SyncStep, TREE_DOC_ID, encodeMessage, encodeYSync } from '@amber/protocol'
import type { DocId } from '@amber/protocol'
import * as prng from 'lib0/prng'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { NotePreconditionFailed } from '../src/room/NotePreconditionFailed.ts'
import { UpdateRejected } from '../src/room/UpdateGuard.ts'
import { EntryKind, TreeError, TreeErrorCode, createEntry, getEntry, restoreEntry } from '../src/tree/index.ts'
import type { FileId } from '../src/tree/index.ts'
import { errors, replay, syncFrame, syncFrames } from './support/frames.ts'
import { FakeConnection, connect, joinVault, roomsDisposedAfterEach, updateFrame } from './support/roomHarness.ts'
import type { RoomHarness } from './support/roomHarness.ts'

const room = roomsDisposedAfterEach()

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}

function headOf(h: RoomHarness, n = 1): HeadRecord {
  return { version: String(n).repeat(64), sha256: 'ab'.repeat(32), size: 1234 * n, mtime: 1_764_300_000_000 + n, device: 'dev-1', committedAt: h.clock.now }
}

/** A vault session editing one note the way a live editor does: it holds a replica and sends its edits. */
class LiveEditor {
  readonly doc = new Y.Doc()
  private seq = 0
  private constructor(
    private readonly h: RoomHarness,
    readonly conn: FakeConnection,
    private readonly docId: string,
  ) {}

  static async join(h: RoomHarness, docId: string): Promise<LiveEditor> {
    const editor = new LiveEditor(h, await joinVault(h, `editor of ${docId}`), docId)
    editor.pull()
    return editor
  }

  get text(): string {
    return this.doc.getText('content').toString()
  }

  /** Applies what the room relayed since the last pull. */
  pull(): void {
    replay(this.conn, this.docId, this.doc)
    this.conn.clear()
  }

  async insert(at: number, text: string): Promise<void> {
    const before = Y.encodeStateVector(this.doc)
    this.doc.getText('content').insert(at, text)
    await this.h.room.receive(this.conn, updateFrame(this.docId, Y.encodeStateAsUpdate(this.doc, before), ++this.seq))
    await this.h.room.whenIdle()
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('expected a rejection'),
    (error: unknown) => error,
  )
}

async function expectTreeError(promise: Promise<unknown>, code: TreeErrorCode): Promise<void> {
  const error = await rejection(promise)
  expect(error).toBeInstanceOf(TreeError)
  expect((error as TreeError).code).toBe(code)
}

describe('heads document', () => {
  it('setHead reaches an unsubscribed vault session, sets the tree entry meta, is durable and survives a reopen', async () => {
    const h = await room()
    const lazy = await joinVault(h, 'lazy', { subscribeAll: false })
    const { fileId: id } = await h.room.ensureBinaryEntry('Bilder/Käse.png')
    const head = headOf(h)
    const seq = h.room.committedCursor.seq
    await h.room.setHead(id, head)
    expect(h.room.committedCursor.seq).toBeGreaterThan(seq) // durable when it resolves
    expect(h.room.getHead(id)).toEqual(head)
    expect(syncFrames(lazy, HEADS_DOC_ID).map((m) => m.body.channel === 0 && m.body.sync.step)).toEqual([SyncStep.Update])
    expect(replay(lazy, HEADS_DOC_ID).getMap('heads').get(id)).toEqual(head)
    const entry = getEntry(replay(lazy, TREE_DOC_ID), id)
    expect(entry).toMatchObject({ kind: EntryKind.Binary, size: head.size, hash: head.sha256, modified: head.mtime })

    // The same head again writes nothing.
    const frames = lazy.frames.length
    await h.room.setHead(id, { ...head })
    expect(lazy.frames.length).toBe(frames)

    h.room.dispose()
    const again = await room({ hot: h.hot, cold: h.cold })
    expect(again.room.getHead(id)).toEqual(head)
    expect(again.room.entryAt('Bilder/Käse.png')).toMatchObject({ id, size: head.size, hash: head.sha256 })
    // Catch-up from nothing: the tree first, the heads next.
    const fresh = await joinVault(again, 'fresh')
    expect(fresh.ofType(MessageType.CatchUpDoc).map((m) => m.docId)).toEqual([TREE_DOC_ID, HEADS_DOC_ID])
  })

  it('a client update to the heads gets READ_ONLY and is never applied, relayed or stored', async () => {
    const h = await room()
    const { fileId: id } = await h.room.ensureBinaryEntry('a.pdf')
    await h.room.setHead(id, headOf(h))
    const writer = await joinVault(h, 'writer')
    const watcher = await joinVault(h, 'watcher')
    watcher.clear()
    const keys = await h.hot.listKeys('')
    const forged = new Y.Doc()
    forged.getMap('heads').set(id, { ...headOf(h, 2), device: 'forger' })
    const update = Y.encodeStateAsUpdate(forged)
    await h.room.receive(writer, updateFrame(HEADS_DOC_ID, update, 1))
    await h.room.receive(writer, syncFrame(HEADS_DOC_ID, { step: SyncStep.Step2, update }, 2))
    await h.room.whenIdle()
    expect(errors(writer).map((e) => [e.code, e.docId, e.clientSeq])).toEqual([
      [ErrorCode.ReadOnly, HEADS_DOC_ID, 1],
      [ErrorCode.ReadOnly, HEADS_DOC_ID, 2],
    ])
    expect(writer.ofType(MessageType.Ack)).toEqual([])
    expect(watcher.frames).toEqual([])
    expect(await h.hot.listKeys('')).toEqual(keys)
    expect(h.room.getHead(id)).toEqual(headOf(h))
  })

  it('needs no subscription, and no editor is ever asked (sync step 1) for heads state', async () => {
    const h = await room()
    const { fileId: id } = await h.room.ensureBinaryEntry('a.pdf')
    await h.room.setHead(id, headOf(h))
    const steps = (conn: FakeConnection) => syncFrames(conn, HEADS_DOC_ID).map((m) => m.body.channel === 0 && m.body.sync.step)
    const haves = [{ docId: HEADS_DOC_ID as DocId, stateVector: Uint8Array.of(0) }]
    const resuming = await joinVault(h, 'resuming', { subscribeAll: false, docs: haves, cursor: { epoch: 'lost', seq: 9 } })
    expect(steps(resuming)).toEqual([])
    expect(resuming.ofType(MessageType.CatchUpDoc).map((m) => m.docId)).toEqual([HEADS_DOC_ID, TREE_DOC_ID])
    const lazy = await joinVault(h, 'lazy', { subscribeAll: false })
    await h.room.receive(lazy, encodeMessage({ type: MessageType.Subscribe, docId: HEADS_DOC_ID as DocId, stateVector: Uint8Array.of(0) }))
    await h.room.whenIdle()
    expect(steps(lazy)).toEqual([SyncStep.Step2])
    expect(await h.hot.listKeys('sess/')).toEqual([])
  })

  it('a tree entry cannot carry the id of the heads (or the tree), so no path reaches them', async () => {
    const h = await room()
    const vault = await joinVault(h, 'vault')
    const tree = replay(vault, TREE_DOC_ID)
    expect(() => createEntry(tree, { path: 'heads.md', kind: EntryKind.Text, id: HEADS_DOC_ID as FileId, now: h.clock.now })).toThrow()
    // A forged entry written straight into the files map is not an entry at all.
    const before = Y.encodeStateVector(tree)
    const forged = new Y.Map<unknown>()
    tree.getMap('files').set(HEADS_DOC_ID, forged)
    forged.set('parent', '')
    forged.set('name', 'heads.md')
    forged.set('kind', EntryKind.Text)
    await h.room.receive(vault, updateFrame(TREE_DOC_ID, Y.encodeStateAsUpdate(tree, before), 1))
    await h.room.whenIdle()
    expect(h.room.entryAt('heads.md')).toBeUndefined()
    const y = new FakeConnection('y')
    connect(h, y, { kind: 'y', path: 'heads.md' })
    await h.room.whenIdle()
    y.frames.length = 0
    const editor = new Y.Doc()
    editor.getText('content').insert(0, 'x')
    await h.room.receive(y, encodeYSync({ step: SyncStep.Update, update: Y.encodeStateAsUpdate(editor) }))
    await h.room.whenIdle()
    // The write created a fresh note; the heads document is untouched.
    expect(h.room.entryAt('heads.md')?.id).not.toBe(HEADS_DOC_ID)
    expect(h.room.getHead('heads.md')).toBeUndefined()
  })

  it('is never unloaded, and keeps no alarm spinning', async () => {
    const h = await room({ config: { unloadIdleMs: 1_000 } })
    const { fileId: id } = await h.room.ensureBinaryEntry('a.pdf')
    const head = headOf(h)
    await h.room.setHead(id, head)
    for (let round = 0; round < 3; round++) {
      h.clock.now += 10_000
      h.wakes.length = 0
      await h.room.alarm()
      expect(h.room.stats().loadedDocs).toBe(2) // the tree and the heads
      for (const at of h.wakes) expect(at).toBeGreaterThan(h.clock.now)
    }
    expect(h.room.getHead(id)).toEqual(head)
  })
})

describe('writeNote and readNote', () => {
  it('creates a note by path (NFC), relayed to a vault session, with the ETag of its UTF-8 text', async () => {
    const h = await room()
    const vault = await joinVault(h, 'vault')
    const text = 'Grüße aus Köln 🧀\n'
    const written = await h.room.writeNote('Notizen/Ka\u0308se.md', text)
    expect(written).toMatchObject({ created: true, etag: sha256(text) })
    expect(h.room.entryAt('Notizen/Käse.md')).toMatchObject({ id: written.fileId, kind: EntryKind.Text, path: 'Notizen/Käse.md' })
    expect(getEntry(replay(vault, TREE_DOC_ID), written.fileId)?.kind).toBe(EntryKind.Text)
    expect(replay(vault, written.fileId).getText('content').toString()).toBe(text)
    expect(await h.room.readNote(written.fileId)).toEqual({ text, etag: sha256(text) })
    // Again at the same path: an edit of the same note.
    const edited = await h.room.writeNote('Notizen/Käse.md', `${text}mehr\n`)
    expect(edited).toEqual({ fileId: written.fileId, etag: sha256(`${text}mehr\n`), created: false })
  })

  it('turns a whole-text write into a minimal edit: one changed character is a small update', async () => {
    const h = await room()
    const gen = prng.create(20261127)
    const words = Array.from({ length: 2_000 }, () => prng.word(gen, 2, 9))
    const text = words.join(' ')
    const { fileId } = await h.room.writeNote('long.md', text)
    const vault = await joinVault(h, 'vault')
    vault.clear()
    const middle = Math.floor(text.length / 2)
    const changed = `${text.slice(0, middle)}X${text.slice(middle + 1)}`
    await h.room.writeNote('long.md', changed)
    const updates = syncFrames(vault, fileId).map((m) => (m.body.channel === 0 && m.body.sync.step === SyncStep.Update ? m.body.sync.update : undefined))
    expect(updates).toHaveLength(1)
    expect(text.length).toBeGreaterThan(8_000)
    expect(updates[0]!.length).toBeLessThan(64)
    expect((await h.room.readNote(fileId)).text).toBe(changed)
  })

  it('with If-Match from readNote, a live editor’s concurrent typing survives the write', async () => {
    const h = await room()
    const { fileId } = await h.room.writeNote('n.md', 'first line\nsecond line\n')
    const live = await LiveEditor.join(h, fileId)
    const served = await h.room.readNote(fileId)
    await live.insert(0, 'LIVE ') // typed while the HTTP client edits its copy
    const written = await h.room.writeNote('n.md', 'first line\nsecond line, edited over HTTP\n', served.etag)
    const expected = 'LIVE first line\nsecond line, edited over HTTP\n'
    expect(written).toEqual({ fileId, etag: sha256(expected), created: false })
    live.pull()
    expect(live.text).toBe(expected)
    expect((await h.room.readNote(fileId)).text).toBe(expected)
    // Without If-Match the write is against the current text (nothing merged back in).
    await h.room.writeNote('n.md', 'replaced\n')
    live.pull()
    expect(live.text).toBe('replaced\n')
  })

  it('If-Match naming the current text is a plain edit; an unknown one or a missing note is NotePreconditionFailed', async () => {
    const h = await room()
    const { fileId, etag } = await h.room.writeNote('n.md', 'one')
    expect((await h.room.writeNote('n.md', 'two', etag)).etag).toBe(sha256('two'))
    const seq = h.room.committedCursor.seq
    expect(await rejection(h.room.writeNote('n.md', 'three', sha256('never served')))).toBeInstanceOf(NotePreconditionFailed)
    expect(await rejection(h.room.writeNote('missing.md', 'x', etag))).toBeInstanceOf(NotePreconditionFailed)
    expect(h.room.entryAt('missing.md')).toBeUndefined()
    expect(h.room.committedCursor.seq).toBe(seq)
    expect((await h.room.readNote(fileId)).text).toBe('two')
  })

  it('a served state survives a restart of the room', async () => {
    const h = await room()
    const { fileId } = await h.room.writeNote('n.md', 'alpha\nbeta\n')
    const served = await h.room.readNote(fileId)
    h.room.dispose()
    const again = await room({ hot: h.hot, cold: h.cold })
    const live = await LiveEditor.join(again, fileId)
    await live.insert(live.text.length, 'gamma\n')
    await again.room.writeNote('n.md', 'ALPHA\nbeta\n', served.etag)
    live.pull()
    expect(live.text).toBe('ALPHA\nbeta\ngamma\n')
  })

  it(`keeps at most 8 served states per note, none older than servedBaseTtlMs, and prunes expired ones`, async () => {
    const h = await room({ config: { servedBaseTtlMs: 60_000 } })
    const etags: string[] = []
    let fileId: FileId | undefined
    let text = ''
    for (let i = 0; i < 9; i++) {
      text += `line ${i}\n`
      const written = await h.room.writeNote('n.md', text)
      fileId = written.fileId
      etags.push(written.etag)
      h.clock.now += 1
    }
    const live = await LiveEditor.join(h, fileId!)
    await live.insert(live.text.length, 'live') // no served etag is current now
    expect(await h.hot.listKeys(`served/${fileId}/`)).toHaveLength(8)
    expect(await rejection(h.room.writeNote('n.md', 'from the oldest', etags[0]))).toBeInstanceOf(NotePreconditionFailed)
    await h.room.writeNote('n.md', 'EDIT line 0\nline 1\n', etags[1])
    live.pull()
    expect(live.text).toBe(`EDIT ${text}live`)

    h.clock.now += 60_000
    await live.insert(0, '>')
    const latest = (await h.room.readNote(fileId!)).etag
    expect(await rejection(h.room.writeNote('n.md', 'late', etags[2]))).toBeInstanceOf(NotePreconditionFailed)
    expect(await h.hot.listKeys(`served/${fileId}/`)).toEqual([`served/${fileId}/${latest}`])
    h.clock.now += 60_000
    await h.room.alarm()
    await h.room.whenIdle()
    expect(await h.hot.listKeys('served')).toEqual([])
  })

  it('refuses a folder or binary path with TreeError, a write past maxDocBytes with UpdateRejected, and creates nothing', async () => {
    const h = await room({ config: { maxDocBytes: 1_000 } })
    await h.room.ensureBinaryEntry('Bilder/a.png')
    await expectTreeError(h.room.writeNote('Bilder', 'x'), TreeErrorCode.PathTaken)
    await expectTreeError(h.room.writeNote('Bilder/a.png', 'x'), TreeErrorCode.PathTaken)
    await expectTreeError(h.room.writeNote('Bilder/a.png/b.md', 'x'), TreeErrorCode.NotAFolder)
    await expectTreeError(h.room.readNote(h.room.entryAt('Bilder/a.png')!.id), TreeErrorCode.NotFound)
    const tooLarge = await rejection(h.room.writeNote('big.md', 'x'.repeat(5_000)))
    expect(tooLarge).toBeInstanceOf(UpdateRejected)
    expect((tooLarge as UpdateRejected).code).toBe(ErrorCode.DocTooLarge)
    expect(h.room.entryAt('big.md')).toBeUndefined()
  })

  it('seeded: HTTP writes with If-Match against live typing keep every edit of both sides', async () => {
    const seed = process.env.SEED ? Number(process.env.SEED) : Math.floor(Math.random() * 2 ** 31)
    console.log(`If-Match merge simulation: seed ${seed} (SEED=${seed} replays)`)
    const gen = prng.create(seed)
    const h = await room()
    const { fileId } = await h.room.writeNote('sim.md', '')
    const live = await LiveEditor.join(h, fileId)
    const expected: string[] = []
    const tokensOf = (text: string) => text.match(/\[[^\]]*\]/g) ?? []
    let counter = 0
    // Tokens only go in between tokens, so each side's edits stay recognisable in the merged text.
    const boundaries = (text: string) => [0, ...[...text.matchAll(/\]/g)].map((m) => m.index + 1)]
    const liveTyping = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const token = `[L${++counter}]`
        await live.insert(prng.oneOf(gen, boundaries(live.text)), token)
        expected.push(token)
      }
    }
    let merges = 0
    for (let round = 0; round < 25; round++) {
      await liveTyping(prng.int32(gen, 0, 2))
      const served = await h.room.readNote(fileId)
      await liveTyping(prng.int32(gen, 1, 2))
      let text = served.text
      // Deletes inside a token ('[L5]' → '[]'): a whole-token delete is diffed shifted by a character
      // ('L5][' instead of '[L5]'), which splits a token typed concurrently at that boundary.
      const erasable = tokensOf(text).filter((token) => token !== '[]')
      if (erasable.length > 0 && prng.bool(gen)) {
        const erased = prng.oneOf(gen, erasable)
        text = text.replace(erased, '[]')
        expected.splice(expected.indexOf(erased), 1, '[]')
      }
      const token = `[H${++counter}]`
      const at = prng.oneOf(gen, boundaries(text))
      text = `${text.slice(0, at)}${token}${text.slice(at)}`
      expected.push(token)
      const written = await h.room.writeNote('sim.md', text, served.etag)
      live.pull()
      expect(tokensOf(live.text).sort()).toEqual([...expected].sort())
      expect(written.etag).toBe(sha256(live.text))
      merges++
    }
    expect(merges).toBe(25)
    expect(expected.length).toBeGreaterThan(25)
    expect(expected).toContain('[]')
  })
})

describe('ensureBinaryEntry and deletePath', () => {
  it('ensureBinaryEntry creates the folders and the entry once (entry, kindForPath), and refuses a note or folder path', async () => {
    const h = await room()
    const { fileId: id } = await h.room.ensureBinaryEntry('Bilder/2026/Käse.png')
    expect(h.room.entryAt('Bilder/2026/Käse.png')).toMatchObject({ id, kind: EntryKind.Binary })
    expect(h.room.entryAt('Bilder/2026')?.kind).toBe(EntryKind.Folder)
    expect((await h.room.ensureBinaryEntry('/Bilder/2026/Ka\u0308se.png')).fileId).toBe(id)
    expect(h.room.entry(id)?.path).toBe('Bilder/2026/Käse.png')
    expect([h.room.kindForPath('Bilder/x.MD'), h.room.kindForPath('Bilder/x.png')]).toEqual([EntryKind.Text, EntryKind.Binary])
    await h.room.writeNote('Bilder/notiz.md', 'x')
    await expectTreeError(h.room.ensureBinaryEntry('Bilder/notiz.md'), TreeErrorCode.PathTaken)
    await expectTreeError(h.room.ensureBinaryEntry('Bilder'), TreeErrorCode.PathTaken)
    await expectTreeError(h.room.ensureBinaryEntry(''), TreeErrorCode.InvalidPath)
  })

  it('deletePath tombstones the entry, which the tree’s restoreEntry brings back', async () => {
    const h = await room()
    const { fileId } = await h.room.writeNote('Notizen/a.md', 'keep me')
    const vault = await joinVault(h, 'vault')
    expect(await h.room.deletePath('Notizen/a.md')).toBe(fileId)
    expect(h.room.entryAt('Notizen/a.md')).toBeUndefined()
    expect(h.room.entry(fileId)?.deleted).toBe(h.clock.now)
    expect(await h.room.deletePath('Notizen/a.md')).toBeUndefined()
    const tree = replay(vault, TREE_DOC_ID)
    expect(getEntry(tree, fileId)?.deleted).toBe(h.clock.now)
    // A device undoes the delete in its replica of the tree.
    const before = Y.encodeStateVector(tree)
    restoreEntry(tree, fileId, h.clock.now)
    await h.room.receive(vault, updateFrame(TREE_DOC_ID, Y.encodeStateAsUpdate(tree, before), 1))
    await h.room.whenIdle()
    expect(h.room.entryAt('Notizen/a.md')?.id).toBe(fileId)
    expect((await h.room.readNote(fileId)).text).toBe('keep me')
  })
})
