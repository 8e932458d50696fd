// Cold open of a note: the server holds no decoded copy and must read the note from storage. Measured
// on the core's UpdateLog in Node over in-memory adapters (storage latency excluded; decode and replay
// included), both as a decoded Y.Doc (`loadInto`) and as the bytes catch-up serves (`readSince`).

import { mergeUpdatesInTree } from '@amber/protocol'
import { performance } from 'node:perf_hooks'
import * as Y from 'yjs'
import { median } from '../stats.ts'
import { loadSequentialTrace, toUtf16Patches } from '../traces.ts'
import {
  captureUpdates,
  createStores,
  logEdits,
  noteBody,
  openLog,
  randomKeystrokes,
} from './coreFixtures.ts'
import type { Stores } from './coreFixtures.ts'

export interface ColdOpenFigure {
  readonly case: string
  readonly storedBytes: number
  readonly loadMedianMs: number
  readonly serveBytesMedianMs: number
  readonly runs: number
}

async function time(runs: number, task: () => Promise<void>): Promise<number> {
  const samples: number[] = []
  for (let i = 0; i < runs; i++) {
    const start = performance.now()
    await task()
    samples.push(performance.now() - start)
  }
  return median(samples)
}

async function measure(
  name: string,
  stores: Stores,
  docId: string,
  expected: string,
  runs: number,
): Promise<ColdOpenFigure> {
  let storedBytes = 0
  for (const store of [stores.hot, stores.cold]) {
    for (const { key, data } of await store.loadRange(''))
      if (key.includes(`/${docId}/`) || key.endsWith(`/${docId}`)) storedBytes += data.length
  }
  const loadMedianMs = await time(runs, async () => {
    const log = await openLog(stores)
    const doc = new Y.Doc()
    await log.loadInto(docId, doc)
    if (doc.getText('content').length !== expected.length) throw new Error(`${name}: loaded text differs`)
    doc.destroy()
  })
  const serveBytesMedianMs = await time(runs, async () => {
    const log = await openLog(stores)
    // What catch-up and a first subscribe send: stored bytes merged into one V1 update, never decoded.
    const read = await log.readSince(docId, 0)
    if (mergeUpdatesInTree(read.updates).length === 0) throw new Error(`${name}: nothing served`)
  })
  return { case: name, storedBytes, loadMedianMs, serveBytesMedianMs, runs }
}

/** Writes `doc`'s whole state as one entry, flushes and compacts it into a snapshot. */
async function storeCompacted(stores: Stores, docId: string, doc: Y.Doc): Promise<void> {
  const log = await openLog(stores)
  log.append(docId, Y.encodeStateAsUpdate(doc))
  await log.whenCommitted()
  await log.flush(docId)
  if ((await log.compact(docId)) !== 'done') throw new Error(`compaction of ${docId} did not run`)
}

export async function measureColdOpen(options: {
  traceEdits?: number
  tail: number
  runs: number
}): Promise<ColdOpenFigure[]> {
  const trace = loadSequentialTrace('automerge-paper')
  const patches = toUtf16Patches(trace, options.traceEdits ?? Infinity)
  const b4 = new Y.Doc()
  const text = b4.getText('content')
  for (const [pos, del, ins] of patches) {
    b4.transact(() => {
      if (del > 0) text.delete(pos, del)
      if (ins.length > 0) text.insert(pos, ins)
    })
  }
  const figures: ColdOpenFigure[] = []

  const compacted = createStores()
  await storeCompacted(compacted, 'b4', b4)
  figures.push(await measure('B4 compacted snapshot', compacted, 'b4', text.toString(), options.runs))

  const withTail = createStores()
  await storeCompacted(withTail, 'b4', b4)
  const tail = randomKeystrokes(b4, options.tail, 4)
  await logEdits(await openLog(withTail), 'b4', tail)
  figures.push(
    await measure(`B4 snapshot + ${options.tail}-update tail`, withTail, 'b4', text.toString(), options.runs),
  )

  // A typical note: about 5 KB, written in a few pastes and many keystrokes, compacted once, then edited.
  const typical = createStores()
  const note = new Y.Doc()
  const noteText = note.getText('content')
  const body = noteBody(4_800, 7)
  const pastes = captureUpdates(note, () => {
    for (let i = 0; i < body.length; i += 400) noteText.insert(noteText.length, body.slice(i, i + 400))
  })
  const log = await openLog(typical)
  await logEdits(log, 'note', [...pastes, ...randomKeystrokes(note, 200, 8)])
  await log.flush('note')
  await log.compact('note')
  await logEdits(log, 'note', randomKeystrokes(note, 50, 9))
  figures.push(
    await measure(
      'typical 5 KB note (snapshot + 50-update tail)',
      typical,
      'note',
      noteText.toString(),
      options.runs,
    ),
  )
  return figures
}
