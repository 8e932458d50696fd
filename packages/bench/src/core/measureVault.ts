// A 10,000-note vault in the core room (Node, in-memory adapters): application bytes and round trips
// of a reconnect (unchanged, after a one-character edit, after a delete-only edit), and the room's heap
// after a full catch-up with 100 idle clients.

import { VaultClient } from '@amber/client'
import type { SocketLike } from '@amber/client'
import { VaultRoom, createEntry } from '@amber/core'
import type { FileId } from '@amber/core'
import { MessageType, PROTOCOL_VERSIONS, TREE_DOC_ID, encodeMessage } from '@amber/protocol'
import type { DeviceId } from '@amber/protocol'
import { LoopbackSocket } from '@amber/simulation'
import * as prng from 'lib0/prng'
import { performance } from 'node:perf_hooks'
import * as Y from 'yjs'
import { createStores, noteBody, openLog, randomKeystrokes } from './coreFixtures.ts'
import type { Stores } from './coreFixtures.ts'

export interface VaultSettings {
  readonly notes: number
  readonly longHistoryShare: number
  readonly longHistoryEdits: number
  readonly idleClients: number
}

/** Note sizes: log-normal around a 2 KB median, 100 B to 64 KB. */
function noteSize(gen: prng.PRNG): number {
  const gaussian = Math.sqrt(-2 * Math.log(1 - prng.real53(gen))) * Math.cos(2 * Math.PI * prng.real53(gen))
  return Math.max(100, Math.min(65_536, Math.round(2048 * Math.exp(0.8 * gaussian))))
}

export async function buildVault(
  settings: VaultSettings,
): Promise<{ stores: Stores; noteIds: string[]; medianBytes: number }> {
  const stores = createStores()
  const log = await openLog(stores)
  const gen = prng.create(2026)
  const tree = new Y.Doc()
  const noteIds: string[] = []
  const sizes: number[] = []
  const now = Date.now()
  tree.transact(() => {
    for (let i = 0; i < settings.notes; i++) {
      const id = `note-${i}` as FileId
      createEntry(tree, { path: `Folder ${i % 100}/Note ${i}.md`, kind: 'text', id, now })
      noteIds.push(id)
    }
  })
  log.append(TREE_DOC_ID, Y.encodeStateAsUpdate(tree))
  for (let i = 0; i < noteIds.length; i++) {
    const doc = new Y.Doc()
    const size = noteSize(gen)
    sizes.push(size)
    doc.getText('content').insert(0, noteBody(size, i))
    log.append(noteIds[i]!, Y.encodeStateAsUpdate(doc))
    if (prng.real53(gen) < settings.longHistoryShare) {
      for (const update of randomKeystrokes(doc, settings.longHistoryEdits, i))
        log.append(noteIds[i]!, update)
    }
    if (i % 500 === 0) await log.whenCommitted()
  }
  await log.whenCommitted()
  // As a long-lived vault would be: most notes flushed to cold segments, half of those compacted.
  for (let i = 0; i < noteIds.length; i++) {
    if (i % 10 === 0) continue
    await log.flush(noteIds[i]!)
    if (i % 2 === 0) await log.compact(noteIds[i]!)
  }
  sizes.sort((a, b) => a - b)
  return { stores, noteIds, medianBytes: sizes[sizes.length >> 1]! }
}

interface Traffic {
  up: number
  down: number
  framesUpBeforeCaughtUp: number
  caughtUp: boolean
}

/** A loopback socket that counts application bytes both ways and client frames sent before CatchUpEnd. */
function countingConnect(room: () => VaultRoom | undefined, traffic: Traffic): () => SocketLike {
  return () => {
    const inner = new LoopbackSocket({ room, autoFlush: true })
    const outer: SocketLike = {
      binaryType: 'arraybuffer',
      onopen: null,
      onmessage: null,
      onclose: null,
      onerror: null,
      send(data) {
        traffic.up += data.length
        if (!traffic.caughtUp) traffic.framesUpBeforeCaughtUp++
        inner.send(data)
      },
      close: (code, reason) => inner.close(code, reason),
    }
    inner.onopen = () => outer.onopen?.()
    inner.onclose = (event) => outer.onclose?.(event)
    inner.onmessage = (event) => {
      const data = event.data as Uint8Array
      traffic.down += data.length
      if (data[0] === MessageType.CatchUpEnd) traffic.caughtUp = true
      outer.onmessage?.(event)
    }
    return outer
  }
}

function newTraffic(): Traffic {
  return { up: 0, down: 0, framesUpBeforeCaughtUp: 0, caughtUp: false }
}

async function reconnect(client: VaultClient, traffic: Traffic): Promise<Traffic & { ms: number }> {
  Object.assign(traffic, newTraffic())
  const start = performance.now()
  client.start()
  await client.whenSynced()
  const ms = performance.now() - start
  client.stop()
  return { ...traffic, ms }
}

export async function measureVaultReconnect(settings: VaultSettings) {
  const built = await buildVault(settings)
  let room: VaultRoom | undefined = await VaultRoom.open({
    vaultId: 'bench',
    ...built.stores,
    scheduler: { wakeAt: () => undefined },
  })
  const roomRef = () => room
  const traffic = newTraffic()
  const a = new VaultClient({ deviceId: 'device-a', connect: countingConnect(roomRef, traffic) })
  const full = await reconnect(a, traffic)
  const unchanged = await reconnect(a, traffic)

  // Another device edits one note while A is away: one character, then a delete-only edit.
  const bTraffic = newTraffic()
  const b = new VaultClient({
    deviceId: 'device-b',
    subscribeAll: false,
    connect: countingConnect(roomRef, bTraffic),
  })
  b.start()
  await b.whenSynced()
  const noteId = built.noteIds[built.noteIds.length >> 1]!
  const bDoc = b.doc(noteId)
  await waitFor(() => bDoc.getText('content').length > 0)
  bDoc.getText('content').insert(5, 'x')
  await b.whenSynced()
  const afterEdit = await reconnect(a, traffic)
  bDoc.getText('content').delete(10, 3)
  await b.whenSynced()
  const afterDelete = await reconnect(a, traffic)
  const converged =
    a.doc(noteId).getText('content').toString() === bDoc.getText('content').toString() &&
    Y.equalSnapshots(Y.snapshot(a.doc(noteId)), Y.snapshot(bDoc))
  b.stop()
  room.dispose()
  room = undefined
  const strip = (t: Traffic & { ms: number }) => ({
    appBytesUp: t.up,
    appBytesDown: t.down,
    appBytesTotal: t.up + t.down,
    roundTrips:
      t.framesUpBeforeCaughtUp === 1
        ? 1
        : `client sent ${t.framesUpBeforeCaughtUp} frames before catch-up ended`,
    ms: Math.round(t.ms * 10) / 10,
  })
  return {
    notes: settings.notes,
    medianNoteBytes: built.medianBytes,
    longHistory: `${settings.longHistoryShare * 100}% of notes with ${settings.longHistoryEdits} extra keystroke updates`,
    fullCatchUp: strip(full),
    unchanged: strip(unchanged),
    afterOneCharEdit: strip(afterEdit),
    afterDeleteOnlyEdit: { ...strip(afterDelete), converged },
    method:
      'core VaultRoom in Node over in-memory adapters; @amber/client over an in-process socket; bytes = application frames',
  }
}

export async function measureRoomMemory(settings: VaultSettings) {
  const gc = (globalThis as { gc?: () => void }).gc
  if (!gc) return { heapMB: 'n/a', reason: 'run node with --expose-gc' }
  const built = await buildVault(settings)
  gc()
  const before = process.memoryUsage().heapUsed
  let now = Date.now()
  const room = await VaultRoom.open({
    vaultId: 'bench',
    ...built.stores,
    scheduler: { wakeAt: () => undefined },
    now: () => now,
  })
  // One device catches up on the whole vault (payload discarded), then 100 idle clients stay connected.
  const sockets: LoopbackSocket[] = []
  const hello = (seq: number, epoch: string) =>
    encodeMessage({
      type: MessageType.Hello,
      versions: [...PROTOCOL_VERSIONS],
      deviceId: `idle-${sockets.length}` as DeviceId,
      cursor: { epoch, seq },
      subscribeAll: true,
      docs: [],
    })
  let downBytes = 0
  const open = async (seq: number, epoch: string) => {
    const socket = new LoopbackSocket({ room: () => room, autoFlush: true })
    socket.onmessage = (event) => (downBytes += (event.data as Uint8Array).length)
    socket.onopen = () => socket.send(hello(seq, epoch))
    sockets.push(socket)
    await waitFor(() => socket.toServer.length === 0 && socket.toClient.length === 0 && downBytes > 0)
  }
  await open(0, '')
  await room.whenIdle()
  const catchUpBytes = downBytes
  for (let i = 0; i < settings.idleClients; i++)
    await open(room.committedCursor.seq, room.committedCursor.epoch)
  await room.whenIdle()
  now += room.config.unloadIdleMs + 1
  await room.alarm()
  gc()
  const after = process.memoryUsage().heapUsed
  const stats = room.stats()
  for (const socket of sockets) socket.close()
  room.dispose()
  return {
    heapMB: Math.round(((after - before) / 2 ** 20) * 10) / 10,
    loadedDocsAfterIdle: stats.loadedDocs,
    sessions: settings.idleClients + 1,
    catchUpBytes,
    method:
      'process.memoryUsage().heapUsed after global.gc(), minus the same before the room opened (storage adapters excluded); core VaultRoom in Node',
  }
}

async function waitFor(predicate: () => boolean, timeoutMs = 300_000): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`)
    await new Promise((resolve) => setImmediate(resolve))
  }
}
