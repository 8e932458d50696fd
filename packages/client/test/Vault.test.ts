// The SDK (connectVault → Vault, NoteHandle, VaultTree) over the real MemoryStore against an in-process
// fake server: offline-first persistence, restarts, durable-ack honesty, the lineage guard, rejected
// updates, progress, lazy notes, presence, tree operations.

import { ErrorCode, MessageType } from '@amber/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { LineageChangedEvent, SyncProgress, TreeEntry, Vault } from '../src/index.ts'
import { MemoryStore } from '../src/store/MemoryStore.ts'
import { createEntry } from '../src/tree/coreTree.ts'
import { FakeVaultServer } from './support/FakeVaultServer.ts'
import { connectFake, untilStatus } from './support/sdk.ts'

const open: Vault[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((vault) => vault.close()))
})

async function start(
  server: FakeVaultServer,
  store = new MemoryStore(),
  extra: Parameters<typeof connectFake>[2] = {},
): Promise<Vault> {
  const vault = await connectFake(server, store, extra)
  open.push(vault)
  return vault
}

function idOf(vault: Vault, path: string): string {
  const entry = vault.tree.get(path)
  if (!entry) throw new Error(`no ${path}`)
  return entry.id
}

describe('Vault: offline-first persistence', () => {
  it('edits made offline survive a restart from the store and sync once the connection returns, exactly once', async () => {
    const server = new FakeVaultServer()
    const store = new MemoryStore()
    const offline = await start(server, store, { offline: true })
    offline.tree.createFile('Inbox/Idea.md', { text: 'written offline' })
    const note = await offline.open('Inbox/Idea.md')
    note.text.insert(note.text.length, ', then edited')
    expect(offline.hasLocalChanges).toBe(true)
    await offline.close()
    expect(server.connects).toBe(0)
    expect(store.data.outbox.size).toBeGreaterThan(0)

    // "The process restarts": a new vault over the same stored data.
    const restarted = await start(server, new MemoryStore({ data: store.data }))
    expect(restarted.tree.get('Inbox/Idea.md')).toBeDefined()
    await restarted.whenSynced()
    const id = idOf(restarted, 'Inbox/Idea.md')
    expect(server.text(id)).toBe('written offline, then edited')
    expect(restarted.hasLocalChanges).toBe(false)
    await restarted.flush()
    expect(store.data.outbox.size).toBe(0)
    expect(store.data.record?.cursor).toEqual({ epoch: 'e1', seq: server.seq })

    // Another device gets it once.
    const other = await start(server)
    await other.whenSynced()
    const copy = await other.open('Inbox/Idea.md')
    expect(copy.text.toString()).toBe('written offline, then edited')
  })

  it('a client killed after its local commit but before the ack resends on restart: nothing lost, nothing doubled', async () => {
    const server = new FakeVaultServer()
    const store = new MemoryStore()
    const first = await start(server, store)
    await first.whenSynced()
    first.tree.createFile('A.md', { text: 'one' })
    await first.whenSynced()
    server.holdAcks = true
    const note = await first.open('A.md')
    note.text.insert(3, ' two')
    await server.until(() => server.pendingAcks > 0)
    await first.flush()
    // Killed: no close, no goodbye; its socket dies with it and the acks never arrive.
    first.disconnect()
    open.splice(open.indexOf(first), 1)
    server.releaseAcks()

    const restarted = await start(server, new MemoryStore({ data: store.data }))
    await restarted.whenSynced()
    const id = idOf(restarted, 'A.md')
    expect(server.text(id)).toBe('one two')
    expect((await restarted.open('A.md')).text.toString()).toBe('one two')
    expect(Y.encodeStateVector(server.doc(id))).toEqual(
      Y.encodeStateVector((await restarted.open('A.md')).doc),
    )
  })

  it('whenSynced and hasLocalChanges wait for the durable ack, never for "sent"', async () => {
    const server = new FakeVaultServer()
    const vault = await start(server)
    await vault.whenSynced()
    const note = await vault.open('Slow.md', { create: true })
    await vault.whenSynced()
    server.holdAcks = true
    note.text.insert(0, 'durable?')
    let vaultSynced = false
    let noteSynced = false
    const waits = [
      vault.whenSynced().then(() => (vaultSynced = true)),
      note.whenSynced().then(() => (noteSynced = true)),
    ]
    await server.until(() => server.pendingAcks === 1)
    // The server holds the update (relayed, applied) but has not stored it yet.
    expect(server.text(note.id)).toBe('durable?')
    expect(vaultSynced || noteSynced).toBe(false)
    expect(vault.hasLocalChanges && note.hasLocalChanges).toBe(true)
    expect(vault.status).toBe('syncing')
    server.releaseAcks()
    await Promise.all(waits)
    expect(vault.hasLocalChanges || note.hasLocalChanges).toBe(false)
    expect(vault.status).toBe('synced')
  })

  it('writes the credential into the upgrade headers, calling a credential function before every connect', async () => {
    const server = new FakeVaultServer()
    let calls = 0
    const vault = await start(server, new MemoryStore(), { credential: async () => `amber_token_${++calls}` })
    await vault.whenSynced()
    server.partition()
    await untilStatus(vault, 'offline')
    server.heal()
    await untilStatus(vault, 'synced')
    expect(calls).toBeGreaterThanOrEqual(2)
    const sessions = [...server.sessions.keys()]
    expect(sessions[0]?.headers).toEqual({ Authorization: `Bearer amber_token_${calls}` })
  })
})

describe('Vault: lineage guard', () => {
  /** A vault with one synced note, then offline edits, then the server's history replaced. */
  async function replacedWhileOffline(rescue: 'copy' | 'event') {
    const server = new FakeVaultServer()
    const store = new MemoryStore()
    const vault = await start(server, store, { rescue })
    vault.tree.createFile('Plan.md', { text: 'base' })
    await vault.whenSynced()
    const oldId = idOf(vault, 'Plan.md')
    server.partition()
    await untilStatus(vault, 'offline')
    const note = await vault.open('Plan.md')
    note.text.insert(4, ' + offline edit')
    const pending = vault.whenSynced()
    // The vault is re-created from an export: same path, same text, but new ids and new Yjs items.
    const tree = new Y.Doc()
    const newId = createEntry(tree, { path: 'Plan.md', now: 1 })
    const restored = new Y.Doc()
    restored.getText('content').insert(0, 'base')
    server.replaceHistory(
      'L2',
      new Map([
        ['tree', tree],
        [newId, restored],
      ]),
    )
    const changed = new Promise<LineageChangedEvent>((resolve) => vault.on('lineageChanged', resolve))
    const resets: Y.Doc[] = []
    note.on('reset', (doc) => resets.push(doc))
    const healedAt = server.received.length
    server.heal()
    const event = await changed
    await expect(pending).rejects.toMatchObject({ code: 'LINEAGE_CHANGED' })
    await vault.whenSynced()
    // Not one update of the old history went out after the server's history changed.
    const stale = server.received
      .slice(healedAt)
      .filter(
        (m) =>
          m.type === MessageType.Doc && m.docId === oldId && m.body.channel === 0 && m.body.clientSeq > 0,
      )
    expect(stale).toEqual([])
    return { server, store, vault, note, event, oldId, newId, resets }
  }

  it('never merges stale local state into a replaced vault; unacked edits come back as a file', async () => {
    const { server, vault, event, oldId, newId, note, resets } = await replacedWhileOffline('copy')
    expect(event).toMatchObject({
      previous: 'L1',
      current: 'L2',
      rescued: [{ docId: oldId, path: 'Plan.md', text: 'base + offline edit' }],
    })
    // No doubled text anywhere: the server's note is its own, and nothing of the old history reached it.
    expect(server.text(newId)).toBe('base')
    expect(Y.encodeStateVector(server.doc(oldId))).toEqual(Y.encodeStateVector(new Y.Doc()))
    const copy = event.copies[0]!
    expect(server.text(copy.id)).toBe('base + offline edit')
    // The device now mirrors the server; the open handle was moved to a fresh document.
    expect(resets).toHaveLength(1)
    expect(note.doc).toBe(resets[0])
    expect(
      vault.tree
        .list()
        .map((entry) => entry.id)
        .sort(),
    ).toEqual([copy.id, newId].sort())
    expect(Y.encodeStateVector(server.doc('tree'))).toEqual(Y.encodeStateVector(vault.tree.doc))
  })

  it("rescue: 'event' hands the texts to the app and writes nothing", async () => {
    const { server, event, newId, vault } = await replacedWhileOffline('event')
    expect(event.rescued.map((note) => note.text)).toEqual(['base + offline edit'])
    expect(event.copies).toEqual([])
    const withContent = [...server.docs]
      .filter(([, doc]) => Y.encodeStateVector(doc).length > 1)
      .map(([id]) => id)
    expect(withContent.sort()).toEqual([newId, 'tree'].sort())
    expect(vault.tree.list().map((entry: TreeEntry) => entry.path)).toEqual(['Plan.md'])
  })

  it('the reset reaches the store: a restart after it does not resurrect the old history', async () => {
    const { server, store, newId, oldId, vault } = await replacedWhileOffline('event')
    await vault.close()
    expect(store.data.record?.lineage).toBe('L2')
    expect(store.data.docs.has(oldId)).toBe(false)
    expect(store.data.outbox.size).toBe(0)
    const restarted = await start(server, new MemoryStore({ data: store.data }))
    await restarted.whenSynced()
    expect(restarted.tree.list().map((entry) => entry.id)).toEqual([newId])
  })

  it('same lineage, new epoch (rebuilt from cold storage): local state is merged back, not dropped', async () => {
    const server = new FakeVaultServer()
    const vault = await start(server)
    vault.tree.createFile('Kept.md', { text: 'survives the rebuild' })
    await vault.whenSynced()
    const id = idOf(vault, 'Kept.md')
    server.partition()
    await untilStatus(vault, 'offline')
    // The rebuild lost the hot tail: only the tree survived.
    const tree = new Y.Doc()
    Y.applyUpdate(tree, Y.encodeStateAsUpdate(server.doc('tree')))
    server.replaceHistory('L1', new Map([['tree', tree]]))
    let changed = false
    vault.on('lineageChanged', () => (changed = true))
    server.heal()
    await server.until(() => server.text(id) === 'survives the rebuild')
    await vault.whenSynced()
    expect(changed).toBe(false)
  })
})

describe('Vault: errors', () => {
  it('READ_ONLY: surfaced with its path, not retried, the local edit kept, whenSynced rejects', async () => {
    const server = new FakeVaultServer()
    const vault = await start(server)
    const note = await vault.open('Mine.md', { create: true })
    await vault.whenSynced()
    server.reject = () => ErrorCode.ReadOnly
    const errors: Array<{ code: string; path: string | undefined }> = []
    vault.on('error', (error) => errors.push({ code: error.code, path: error.path }))
    note.text.insert(0, 'not allowed')
    await expect(note.whenSynced()).rejects.toMatchObject({ code: 'READ_ONLY' })
    await expect(vault.whenSynced()).rejects.toMatchObject({ code: 'READ_ONLY' })
    expect(errors).toEqual([{ code: 'READ_ONLY', path: 'Mine.md' }])
    expect(note.text.toString()).toBe('not allowed')
    expect(note.hasLocalChanges).toBe(true)
    expect(vault.rejected.map((error) => error.code)).toEqual(['READ_ONLY'])
    const sent = server.received.length
    server.partition()
    await untilStatus(vault, 'offline')
    server.heal()
    await untilStatus(vault, 'synced')
    const resent = server.received
      .slice(sent)
      .filter((m) => m.type === MessageType.Doc && m.body.channel === 0 && m.body.clientSeq > 0)
    expect(resent).toEqual([])
    // The owner upgraded the role: the app retries.
    server.reject = undefined
    vault.retryRejected()
    await vault.whenSynced()
    expect(server.text(note.id)).toBe('not allowed')
  })
})

describe('Vault: catch-up', () => {
  it('progress events are monotonic and end at the totals', async () => {
    const server = new FakeVaultServer()
    const seeder = await start(server)
    for (let i = 0; i < 20; i++)
      seeder.tree.createFile(`Notes/${String(i).padStart(2, '0')}.md`, { text: `note ${i} `.repeat(i + 1) })
    await seeder.whenSynced()
    const fresh = await start(server, new MemoryStore(), { offline: true })
    const events: SyncProgress[] = []
    fresh.on('progress', (progress) => events.push(progress))
    fresh.connect()
    await fresh.whenLoaded()
    const last = events.at(-1)!
    expect(last.docsTotal).toBe(21)
    expect(last).toEqual({
      docsDone: last.docsTotal,
      docsTotal: 21,
      bytesDone: last.bytesTotal,
      bytesTotal: last.bytesTotal,
    })
    for (let i = 1; i < events.length; i++) {
      expect(events[i]!.docsDone).toBeGreaterThanOrEqual(events[i - 1]!.docsDone)
      expect(events[i]!.bytesDone).toBeGreaterThanOrEqual(events[i - 1]!.bytesDone)
    }
    expect(fresh.progress).toEqual(last)
  })

  it('lazy: only the tree syncs until a note is opened; closing it unsubscribes, its copy stays local', async () => {
    const server = new FakeVaultServer()
    const seeder = await start(server)
    seeder.tree.createFile('Big.md', { text: 'large note' })
    seeder.tree.createFile('Other.md', { text: 'not needed' })
    await seeder.whenSynced()
    const store = new MemoryStore()
    const lazy = await start(server, store, { lazy: true })
    await lazy.whenLoaded()
    expect(lazy.tree.list().map((entry) => entry.path)).toEqual(['Big.md', 'Other.md'])
    expect([...store.data.docs.keys()]).toEqual(['tree'])
    const note = await lazy.open('Big.md')
    await note.whenLoaded()
    expect(note.text.toString()).toBe('large note')
    note.close()
    await server.until(() =>
      server.received.some((m) => m.type === MessageType.Unsubscribe && m.docId === (note.id as string)),
    )
    await lazy.flush()
    expect(store.data.docs.has(note.id)).toBe(true)
    expect(store.data.docs.has(idOf(lazy, 'Other.md'))).toBe(false)
  })
})

describe('Vault: presence and tree', () => {
  it('awareness reaches the other devices viewing the note and is withdrawn on close', async () => {
    const server = new FakeVaultServer()
    const a = await start(server)
    const b = await start(server)
    const noteA = await a.open('Shared.md', { create: true })
    await a.whenSynced()
    await b.whenSynced()
    const noteB = await b.open('Shared.md')
    const seen = new Promise<void>((resolve) =>
      noteB.awareness.on(
        'change',
        () => noteB.awareness.getStates().get(noteA.awareness.clientID)?.user !== undefined && resolve(),
      ),
    )
    noteA.awareness.setLocalStateField('user', { name: 'Ada' })
    await seen
    expect(noteB.awareness.getStates().get(noteA.awareness.clientID)).toEqual({ user: { name: 'Ada' } })
    const gone = new Promise<void>((resolve) =>
      noteB.awareness.on(
        'change',
        () => !noteB.awareness.getStates().has(noteA.awareness.clientID) && resolve(),
      ),
    )
    noteA.close()
    await gone
  })

  it('presence is announced again after a reconnect, and dropped while offline', async () => {
    const server = new FakeVaultServer()
    const a = await start(server)
    const b = await start(server)
    const noteA = await a.open('Shared.md', { create: true })
    await a.whenSynced()
    await b.whenSynced()
    const noteB = await b.open('Shared.md')
    const seesA = (): boolean => noteB.awareness.getStates().get(noteA.awareness.clientID)?.user === 'Ada'
    const until = (check: () => boolean) =>
      new Promise<void>((resolve) => {
        if (check()) return resolve()
        const onChange = () => check() && (noteB.awareness.off('change', onChange), resolve())
        noteB.awareness.on('change', onChange)
      })
    noteA.awareness.setLocalStateField('user', 'Ada')
    await until(seesA)
    server.partition()
    await until(() => !seesA())
    server.heal()
    await until(seesA)
  })

  it('close() rejects pending whenSynced calls with CLOSED and keeps the edits for the next session', async () => {
    const server = new FakeVaultServer()
    const store = new MemoryStore()
    const vault = await start(server, store)
    await vault.whenSynced()
    server.holdAcks = true
    const note = await vault.open('Later.md', { create: true })
    note.text.insert(0, 'kept')
    const pending = vault.whenSynced()
    await vault.close()
    await expect(pending).rejects.toMatchObject({ code: 'CLOSED' })
    await expect(vault.open('Later.md')).rejects.toMatchObject({ code: 'CLOSED' })
    server.releaseAcks()
    const next = await start(server, new MemoryStore({ data: store.data }))
    await next.whenSynced()
    expect(server.text(idOf(next, 'Later.md'))).toBe('kept')
  })

  it('creates, renames, moves and deletes files and folders; watchers see every change; handles follow renames', async () => {
    const server = new FakeVaultServer()
    const vault = await start(server)
    const lists: string[][] = []
    const stop = vault.tree.watch((entries) =>
      lists.push(entries.map((entry) => `${entry.kind}:${entry.path}`)),
    )
    vault.tree.createFolder('Projects')
    vault.tree.createFile('Projects/Plan.md', { text: '# Plan' })
    const note = await vault.open('Projects/Plan.md')
    vault.tree.rename('Projects/Plan.md', 'Projects/Roadmap.md')
    vault.tree.move('Projects/Roadmap.md', 'Archive/2026')
    expect(note.path).toBe('Archive/2026/Roadmap.md')
    expect(() => vault.tree.createFile('Archive')).toThrow(expect.objectContaining({ code: 'TREE_REFUSED' }))
    vault.tree.delete('Projects')
    expect(() => vault.tree.delete('Projects')).toThrow(expect.objectContaining({ code: 'PATH_NOT_FOUND' }))
    stop()
    expect(lists).toEqual([
      [],
      ['folder:Projects'],
      ['folder:Projects', 'text:Projects/Plan.md'],
      ['folder:Projects', 'text:Projects/Roadmap.md'],
      ['folder:Archive', 'folder:Archive/2026', 'text:Archive/2026/Roadmap.md', 'folder:Projects'],
      ['folder:Archive', 'folder:Archive/2026', 'text:Archive/2026/Roadmap.md'],
    ])
    await vault.whenSynced()
    expect(note.text.toString()).toBe('# Plan')
    await expect(vault.open('Archive')).rejects.toMatchObject({ code: 'NOT_TEXT' })
    await expect(vault.open('Nope.md')).rejects.toMatchObject({ code: 'PATH_NOT_FOUND' })
  })
})
