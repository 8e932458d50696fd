// The automerge-paper trace through the core room (Node, in-memory adapters, the default room config):
// storage commits and rows written per 100 updates under group commit, and the bytes stored once
// flushed and compacted against the document's V2 snapshot. (workerd's storage counters cannot be
// read from outside the process; the same UpdateLog code runs there.)

import { VaultClient } from '@amber/client'
import { VaultRoom } from '@amber/core'
import { LoopbackSocket } from '@amber/simulation'
import { setImmediate as nextTurn } from 'node:timers/promises'
import * as Y from 'yjs'
import type { TracePatch } from '../traces.ts'
import { createStores } from './coreFixtures.ts'

async function storedBytes(stores: ReturnType<typeof createStores>): Promise<number> {
  let bytes = 0
  for (const store of [stores.hot, stores.cold])
    for (const { data } of await store.loadRange('')) bytes += data.length
  return bytes
}

export async function measureTraceStorage(patches: readonly TracePatch[], expected: string) {
  const stores = createStores()
  let now = Date.now()
  const room = await VaultRoom.open({
    vaultId: 'trace',
    ...stores,
    scheduler: { wakeAt: () => undefined },
    now: () => now,
  })
  const client = new VaultClient({
    deviceId: 'a',
    connect: () => new LoopbackSocket({ room: () => room, autoFlush: true }),
  })
  client.start()
  await client.whenSynced()
  const doc = client.doc('paper')
  const text = doc.getText('content')
  for (let i = 0; i < patches.length; i++) {
    const [pos, del, ins] = patches[i]!
    doc.transact(() => {
      if (del > 0) text.delete(pos, del)
      if (ins.length > 0) text.insert(pos, ins)
    })
    if ((i + 1) % 1_000 === 0) await nextTurn()
  }
  await client.whenSynced()
  if (text.toString() !== expected) throw new Error('trace storage: final text differs')
  const { commits, rowsWritten, entriesWritten } = room.stats()
  const hotBytes = await storedBytes(stores)
  // Let maintenance run to completion: flush every hot row, compact until nothing is due.
  now += room.config.flushAfterMs + room.config.unloadIdleMs + 1
  for (let i = 0; i < 4; i++) await room.alarm()
  const compactedBytes = await storedBytes(stores)
  const snapshotV2Bytes = Y.encodeStateAsUpdateV2(doc).length
  client.stop()
  room.dispose()
  const per100 = (n: number) => Math.round((n / patches.length) * 100 * 1000) / 1000
  return {
    updates: patches.length,
    /** The client sends a turn's keystrokes as one merged update, so entries < updates. */
    entriesLogged: entriesWritten,
    storageCommitsPer100Updates: per100(commits),
    rowsWrittenPer100Updates: per100(rowsWritten),
    storedBytesBeforeMaintenance: hotBytes,
    storedBytesAfterCompaction: compactedBytes,
    snapshotV2Bytes,
    storedOverSnapshot: Math.round((compactedBytes / snapshotV2Bytes) * 1000) / 1000,
    method:
      'core VaultRoom in Node, default RoomConfig (batch window, flush and compaction thresholds), @amber/client over an in-process socket sending each keystroke as it is typed (yielding every 1,000); stored bytes = every value in hot + cold storage',
  }
}
