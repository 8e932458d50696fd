// Access in the room: a viewer reads and shares presence but never writes (notes, tree, y-websocket),
// an expired token closes the socket on its next frame, access survives hibernation, and the host
// hears about devices connecting and leaving.

import {
  DocChannel,
  FATAL_CLOSE_CODE,
  FatalReason,
  MessageType,
  SyncStep,
  TREE_DOC_ID,
  VaultRole,
  encodeMessage,
  encodeYSync,
} from '@amber/protocol'
import type { DocId } from '@amber/protocol'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { SessionAccess } from '../src/room/hostTypes.ts'
import { resolvePath } from '../src/tree/resolvePath.ts'
import { Editor } from './support/Editor.ts'
import {
  ackedSeqs,
  awarenessFrame,
  awarenessUpdate,
  errors,
  replay,
  syncFrame,
  syncFrames,
} from './support/frames.ts'
import {
  EDITOR,
  FakeConnection,
  OWNER,
  VIEWER,
  connect,
  joinVault,
  roomsDisposedAfterEach,
  updateFrame,
} from './support/roomHarness.ts'
import type { RoomHarness } from './support/roomHarness.ts'

const room = roomsDisposedAfterEach()

/** What the server holds for a document, as a new editor session would receive it. */
async function serverDoc(h: RoomHarness, docId: string): Promise<Y.Doc> {
  const reader = await joinVault(h, 'reader')
  h.room.disconnect(reader)
  return replay(reader, docId)
}

async function storedState(h: RoomHarness): Promise<{ keys: string[]; seq: number; storedBytes: number }> {
  return {
    keys: await h.hot.listKeys(''),
    seq: h.room.committedCursor.seq,
    storedBytes: h.room.stats().storedBytes,
  }
}

describe('viewer on the vault route', () => {
  it('updates and sync step 2 to notes and the tree are refused READ_ONLY, never applied, relayed or stored', async () => {
    const h = await room()
    const editor = await joinVault(h, 'editor')
    const note = new Editor()
    await h.room.receive(editor, updateFrame('n', note.insert('shared'), 1))
    await h.room.whenIdle()
    const viewer = await joinVault(h, 'viewer', { access: VIEWER })
    const svBefore = Y.encodeStateVector(await serverDoc(h, 'n'))
    const treeBefore = Y.encodeStateVector(await serverDoc(h, TREE_DOC_ID))
    const before = await storedState(h)
    editor.clear()
    viewer.clear()

    const own = new Editor()
    const treeEdit = new Y.Doc()
    treeEdit.getMap('files').set('x', 'not a real entry')
    const attempts: Array<[Uint8Array, string, number]> = [
      [updateFrame('n', own.insert('mine'), 1), 'n', 1],
      [syncFrame('n', { step: SyncStep.Step2, update: own.insert(' more') }, 2), 'n', 2],
      [updateFrame('new-note', new Editor().insert('x'), 3), 'new-note', 3],
      [updateFrame(TREE_DOC_ID, Y.encodeStateAsUpdate(treeEdit), 4), TREE_DOC_ID, 4],
    ]
    for (const [frame] of attempts) await h.room.receive(viewer, frame)
    await h.room.whenIdle()

    expect(errors(viewer).map((e) => [e.code, e.docId, e.clientSeq])).toEqual(
      attempts.map(([, docId, seq]) => ['READ_ONLY', docId, seq]),
    )
    expect(errors(viewer)[0]!.message).toContain('viewer')
    expect(viewer.closed).toBeUndefined()
    expect(ackedSeqs(viewer)).toEqual([])
    expect(editor.ofType(MessageType.Doc)).toEqual([]) // nothing relayed
    expect(await storedState(h)).toEqual(before)
    expect(Y.encodeStateVector(await serverDoc(h, 'n'))).toEqual(svBefore)
    expect(Y.encodeStateVector(await serverDoc(h, TREE_DOC_ID))).toEqual(treeBefore)
  })

  it('reads (sync step 1, subscribe), receives editors’ updates and shares presence, but is never asked to write', async () => {
    const h = await room()
    const editor = await joinVault(h, 'editor')
    const note = new Editor()
    await h.room.receive(editor, updateFrame('n', note.insert('hello'), 1))
    await h.room.whenIdle()
    const viewer = await joinVault(h, 'viewer', { access: VIEWER, subscribeAll: false })
    viewer.clear()
    await h.room.receive(
      viewer,
      encodeMessage({ type: MessageType.Subscribe, docId: 'n' as DocId, stateVector: Uint8Array.of(0) }),
    )
    await h.room.receive(viewer, syncFrame('n', { step: SyncStep.Step1, stateVector: Uint8Array.of(0) }))
    await h.room.whenIdle()
    const steps = syncFrames(viewer, 'n').map((m) =>
      m.body.channel === DocChannel.Sync ? m.body.sync.step : -1,
    )
    expect(steps).toEqual([SyncStep.Step2, SyncStep.Step2]) // no step 1: nobody asks a viewer for updates
    const seen = replay(viewer, 'n')
    expect(seen.getText('content').toString()).toBe('hello')

    viewer.clear()
    await h.room.receive(editor, updateFrame('n', note.insert(' world'), 2))
    await h.room.whenIdle()
    expect(syncFrames(viewer, 'n')).toHaveLength(1)
    expect(replay(viewer, 'n', seen).getText('content').toString()).toBe('hello world')

    editor.clear()
    const presence = awarenessUpdate(7, { user: 'viewer' })
    await h.room.receive(viewer, awarenessFrame('n', presence))
    await h.room.whenIdle()
    const relayed = editor.ofType(MessageType.Doc).filter((m) => m.body.channel === DocChannel.Awareness)
    expect(relayed.map((m) => m.body.channel === DocChannel.Awareness && m.body.awareness)).toEqual([
      presence,
    ])
    expect(errors(viewer)).toEqual([])
  })
})

describe('viewer on the y-websocket route', () => {
  it('its writes are dropped silently while it keeps receiving updates', async () => {
    const h = await room()
    const vault = await joinVault(h, 'vault')
    const author = new FakeConnection('author')
    connect(h, author, { kind: 'y', path: 'Notes/A.md' }, EDITOR)
    await h.room.whenIdle()
    const text = new Editor()
    await h.room.receive(author, encodeYSync({ step: SyncStep.Update, update: text.insert('by the editor') }))
    await h.room.whenIdle()
    const docId = (author.state as { docId: string }).docId

    const viewer = new FakeConnection('viewer')
    connect(h, viewer, { kind: 'y', path: 'Notes/A.md' }, VIEWER)
    await h.room.whenIdle()
    expect((viewer.state as { docId: string }).docId).toBe(docId)
    const before = await storedState(h)
    vault.clear()
    viewer.clear()
    await h.room.receive(
      viewer,
      encodeYSync({ step: SyncStep.Update, update: new Editor().insert('by the viewer') }),
    )
    await h.room.receive(viewer, encodeYSync({ step: SyncStep.Step2, update: new Editor().insert('also') }))
    await h.room.whenIdle()
    expect(viewer.frames).toEqual([])
    expect(viewer.closed).toBeUndefined()
    expect(vault.frames).toEqual([])
    expect(await storedState(h)).toEqual(before)

    await h.room.receive(author, encodeYSync({ step: SyncStep.Update, update: text.insert('!') }))
    await h.room.whenIdle()
    expect(viewer.yFrames()).toMatchObject([{ type: 'sync', sync: { step: SyncStep.Update } }])
    expect((await serverDoc(h, docId)).getText('content').toString()).toBe('by the editor!')
  })

  it('a path that does not exist closes with 4099 NOT_FOUND and creates nothing', async () => {
    const h = await room()
    const before = await storedState(h)
    const viewer = new FakeConnection('viewer')
    connect(h, viewer, { kind: 'y', path: 'Notes/Missing.md' }, VIEWER)
    await h.room.whenIdle()
    expect(viewer.closed).toEqual({ code: FATAL_CLOSE_CODE, reason: FatalReason.NotFound })
    expect(viewer.frames).toEqual([])
    expect(h.room.stats().sessions).toBe(0)
    expect(await storedState(h)).toEqual(before)
    expect(resolvePath(await serverDoc(h, TREE_DOC_ID), 'Notes/Missing.md')).toBeUndefined()
  })
})

describe('token expiry', () => {
  it('the first frame at or after expiresAt closes with 4099 TOKEN_EXPIRED and is not handled', async () => {
    const h = await room()
    const expiresAt = h.clock.now + 60_000
    const access: SessionAccess = { role: VaultRole.Editor, tokenId: 't1', expiresAt }
    const a = await joinVault(h, 'a', { access })
    const other = await joinVault(h, 'other')
    const note = new Editor()
    h.clock.now = expiresAt - 1
    await h.room.receive(a, updateFrame('n', note.insert('in time'), 1))
    await h.room.whenIdle()
    expect(ackedSeqs(a)).toEqual([1])
    const before = await storedState(h)
    other.clear()
    h.clock.now = expiresAt
    await h.room.receive(a, updateFrame('n', note.insert(' too late'), 2))
    await h.room.whenIdle()
    expect(a.closed).toEqual({ code: FATAL_CLOSE_CODE, reason: FatalReason.TokenExpired })
    expect(errors(a)).toEqual([])
    expect(other.frames).toEqual([])
    expect(await storedState(h)).toEqual(before)
    expect(h.room.stats().sessions).toBe(1)
    expect((await serverDoc(h, 'n')).getText('content').toString()).toBe('in time')

    const y = new FakeConnection('y')
    connect(h, y, { kind: 'y', path: 'Notes/B.md' }, { ...access, tokenId: 't2' })
    await h.room.whenIdle()
    await h.room.receive(y, encodeYSync({ step: SyncStep.Update, update: new Editor().insert('late') }))
    expect(y.closed).toEqual({ code: FATAL_CLOSE_CODE, reason: FatalReason.TokenExpired })
  })
})

describe('access across hibernation', () => {
  it('the socket attachment carries access, so a woken viewer stays read-only and expiry still applies', async () => {
    const h = await room()
    const expiresAt = h.clock.now + 1_000
    const viewer = await joinVault(h, 'viewer', { access: { ...VIEWER, expiresAt } })
    const y = new FakeConnection('y')
    connect(h, y, { kind: 'y', path: 'Notes/A.md' }, OWNER)
    await h.room.whenIdle()
    expect(viewer.state).toMatchObject({
      kind: 'vault',
      access: { role: 'viewer', tokenId: VIEWER.tokenId, expiresAt },
    })
    expect(y.state).toMatchObject({ kind: 'y', access: OWNER })

    h.room.dispose()
    const woken = await room({ hot: h.hot, cold: h.cold, clock: h.clock })
    woken.room.restore(viewer, viewer.state!)
    woken.room.restore(y, y.state!)
    await woken.room.whenIdle()
    viewer.clear()
    await woken.room.receive(viewer, updateFrame('n', new Editor().insert('no'), 1))
    await woken.room.whenIdle()
    expect(errors(viewer).map((e) => e.code)).toEqual(['READ_ONLY'])
    h.clock.now = expiresAt
    await woken.room.receive(viewer, syncFrame('n', { step: SyncStep.Step1, stateVector: Uint8Array.of(0) }))
    expect(viewer.closed).toEqual({ code: FATAL_CLOSE_CODE, reason: FatalReason.TokenExpired })
  })
})

describe('device events', () => {
  it('reports a device once its Hello is handled and when it leaves, with the cursor it was sent', async () => {
    const h = await room()
    const a = await joinVault(h, 'a', { deviceId: 'laptop', access: OWNER })
    expect(h.devices).toEqual([
      {
        deviceId: 'laptop',
        tokenId: OWNER.tokenId,
        role: 'owner',
        connected: true,
        ackedSeq: 0,
        headSeq: 0,
        at: h.clock.now,
      },
    ])
    const note = new Editor()
    await h.room.receive(a, updateFrame('n', note.insert('one'), 1))
    await h.room.receive(a, updateFrame('m', new Editor().insert('two'), 2))
    await h.room.whenIdle()
    // A socket that never sent Hello is no device.
    const silent = new FakeConnection('silent')
    connect(h, silent)
    h.room.disconnect(silent)
    h.clock.now += 5_000
    h.room.disconnect(a)
    expect(h.devices).toHaveLength(2)
    expect(h.devices[1]).toEqual({
      deviceId: 'laptop',
      tokenId: OWNER.tokenId,
      role: 'owner',
      connected: false,
      ackedSeq: 2,
      headSeq: 2,
      at: h.clock.now,
    })
  })

  it('a throwing observer is logged and never breaks the room', async () => {
    const h = await room({
      onDevice: () => {
        throw new Error('registry down')
      },
    })
    const a = await joinVault(h, 'a')
    await h.room.receive(a, updateFrame('n', new Editor().insert('still syncing'), 1))
    await h.room.whenIdle()
    expect(ackedSeqs(a)).toEqual([1])
    expect(h.logs).toContain('error: onDevice failed')
  })
})
