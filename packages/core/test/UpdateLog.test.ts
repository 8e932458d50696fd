// UpdateLog over in-memory hot and cold stores with a fake clock: group commit, flush to content-
// addressed segments, verified compaction, rebuild from cold storage, and integrity checks.

import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { IntegrityError, sha256Hex } from '../src/log/integrity.ts'
import { decodeSegment } from '../src/log/logEntries.ts'
import { coldKeys, hotKeys, parseColdKey } from '../src/log/storageKeys.ts'
import { UpdateLog, hasPending, loadDocFromCold, verifySnapshot } from '../src/log/UpdateLog.ts'
import type { UpdateLogOptions } from '../src/log/UpdateLog.ts'
import { MemoryStorageAdapter } from '../src/storage/MemoryStorageAdapter.ts'
import type { StorageBatch } from '../src/storage/StorageAdapter.ts'
import { Editor } from './support/Editor.ts'

interface Harness {
  readonly log: UpdateLog
  readonly hot: MemoryStorageAdapter
  readonly cold: MemoryStorageAdapter
  readonly clock: { now: number }
  readonly failures: unknown[]
  readonly committed: string[][]
}

const opened: UpdateLog[] = []

afterEach(() => {
  for (const log of opened.splice(0)) log.dispose()
})

async function openLog(
  overrides: Partial<UpdateLogOptions> & { hot?: MemoryStorageAdapter; cold?: MemoryStorageAdapter; clock?: { now: number } } = {},
): Promise<Harness> {
  const hot = overrides.hot ?? new MemoryStorageAdapter()
  const cold = overrides.cold ?? new MemoryStorageAdapter()
  const clock = overrides.clock ?? { now: 1_000_000 }
  const failures: unknown[] = []
  const committed: string[][] = []
  const log = await UpdateLog.open({
    batchWindowMs: 5,
    now: () => clock.now,
    onCommitFailure: (error) => failures.push(error),
    onCommitted: (docIds) => committed.push([...docIds]),
    ...overrides,
    hot,
    cold,
  })
  opened.push(log)
  return { log, hot, cold, clock, failures, committed }
}

function loadedFrom(doc: Y.Doc, ...updates: Uint8Array[]): Y.Doc {
  const copy = new Y.Doc()
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc))
  for (const update of updates) Y.applyUpdate(copy, update)
  return copy
}

function deleteSetOf(doc: Y.Doc): Uint8Array {
  // The delete set alone: an update diffed against the full state vector carries no structs.
  return Y.encodeStateAsUpdate(doc, Y.encodeStateVector(doc))
}

async function flipByte(store: MemoryStorageAdapter, key: string, at = 10): Promise<void> {
  const data = (await store.load(key))!
  data[Math.min(at, data.length - 1)]! ^= 0x01
  await store.commit({ save: [{ key, data }] })
}

async function expectIntegrityError(promise: Promise<unknown>, key: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(IntegrityError)
  expect((error as Error).message).toContain(key)
}

describe('UpdateLog group commit', () => {
  it('stage: the last change staged for a key wins within a batch (a batch applies saves before removes)', async () => {
    const commits: StorageBatch[] = []
    const hot = new MemoryStorageAdapter({ beforeCommit: (batch) => commits.push(batch) })
    const { log } = await openLog({ hot })
    commits.length = 0
    const data = (text: string) => new TextEncoder().encode(text)
    log.stage({ save: { key: 'k/removed-last', data: data('1') } })
    log.stage({ remove: 'k/removed-last' })
    log.stage({ remove: 'k/saved-last' })
    log.stage({ save: { key: 'k/saved-last', data: data('2') } })
    log.stage({ save: { key: 'k/saved-twice', data: data('3') } })
    log.stage({ save: { key: 'k/saved-twice', data: data('4') } })
    await log.whenCommitted()
    expect(commits).toHaveLength(1)
    expect(commits[0]!.save!.map((chunk) => chunk.key)).toEqual(['k/saved-last', 'k/saved-twice'])
    expect(commits[0]!.remove).toEqual(['k/removed-last'])
    const stored = await hot.loadRange('k/')
    expect(stored.map(({ key, data }) => [key, new TextDecoder().decode(data)])).toEqual([
      ['k/saved-last', '2'],
      ['k/saved-twice', '4'],
    ])
  })

  it('appends inside the batch window share one commit: one row per document touched', async () => {
    const commits: StorageBatch[] = []
    const hot = new MemoryStorageAdapter({ beforeCommit: (batch) => commits.push(batch) })
    const { log, committed } = await openLog({ hot })
    const commitsAtOpen = commits.length
    const editors = ['a', 'b', 'c'].map(() => new Editor())
    const seqs: number[] = []
    for (let i = 0; i < 12; i++) {
      const editor = editors[i % 3]!
      seqs.push(log.append(['a', 'b', 'c'][i % 3]!, editor.insert(`x${i}`)))
    }
    expect(seqs).toEqual(Array.from({ length: 12 }, (_, i) => i + 1))
    expect(log.committedSeq).toBe(0) // nothing is reported before it is durable
    expect(log.hasUncommitted('a')).toBe(true)
    await log.whenCommitted()
    expect(commits.length - commitsAtOpen).toBe(1)
    expect(commits.at(-1)!.save!.map((chunk) => chunk.key).sort()).toEqual([
      hotKeys.log('a', 1, 10),
      hotKeys.log('b', 2, 11),
      hotKeys.log('c', 3, 12),
    ])
    expect(log.stats).toMatchObject({ commits: 1, rowsWritten: 3, entriesWritten: 12 })
    expect(log.committedSeq).toBe(12)
    expect(log.hasUncommitted('a')).toBe(false)
    expect(committed.at(-1)!.sort()).toEqual(['a', 'b', 'c'])
    expect(log.lastSeqOf('b')).toBe(11)
    expect(log.changedSince(10).sort()).toEqual(['b', 'c'])

    // A second window is a second commit.
    log.append('a', editors[0]!.insert('more'))
    await log.whenCommitted()
    expect(log.stats).toMatchObject({ commits: 2, rowsWritten: 4, entriesWritten: 13 })
    expect(await hot.listKeys(hotKeys.logAll)).toHaveLength(4)
  })

  it('whenCommitted resolves after the write and afterCommit callbacks run only once it is durable', async () => {
    const events: string[] = []
    const hot = new MemoryStorageAdapter({
      beforeCommit: (batch) => {
        if (batch.save?.some((chunk) => chunk.key.startsWith(hotKeys.logAll))) events.push('storage write')
      },
    })
    const { log } = await openLog({ hot })
    const editor = new Editor()
    log.append('n', editor.insert('hello'))
    log.afterCommit(() => events.push('callback'))
    const done = log.whenCommitted().then(() => events.push('whenCommitted'))
    expect(events).toEqual([])
    await done
    // Callbacks run synchronously once the commit resolved; awaiting code resumes right after.
    expect(events).toEqual(['storage write', 'callback', 'whenCommitted'])
    // A callback with nothing appended still waits for a (storage-free) commit turn, never runs inline.
    let ran = false
    log.afterCommit(() => (ran = true))
    expect(ran).toBe(false)
    await log.whenCommitted()
    expect(ran).toBe(true)
    // With nothing pending whenCommitted resolves at once.
    await log.whenCommitted()
  })

  it('a failed commit rejects waiters, reports the failure, and never runs callbacks', async () => {
    let crash = false
    const hot = new MemoryStorageAdapter({
      beforeCommit: () => {
        if (crash) throw new Error('disk on fire')
      },
    })
    const { log, failures } = await openLog({ hot })
    crash = true
    let ran = false
    log.append('n', new Editor().insert('x'))
    log.afterCommit(() => (ran = true))
    await expect(log.whenCommitted()).rejects.toThrow('disk on fire')
    expect(ran).toBe(false)
    expect(failures).toHaveLength(1)
    expect(log.committedSeq).toBe(0)
  })

  it('a delete-only update (state vector unchanged) gets a seq and shows up in changedSince', async () => {
    const { log } = await openLog()
    const editor = new Editor()
    log.append('n', editor.insert('hello world'))
    log.append('other', new Editor().insert('x'))
    await log.whenCommitted()
    const svBefore = Y.encodeStateVector(editor.doc)
    const deletion = editor.delete(0, 6)
    expect(Y.encodeStateVector(editor.doc)).toEqual(svBefore)
    const seq = log.append('n', deletion)
    await log.whenCommitted()
    expect(seq).toBe(3)
    expect(log.committedSeq).toBe(3)
    expect(log.changedSince(2)).toEqual(['n'])
    const read = await log.readSince('n', 2)
    expect(read).toEqual({ kind: 'log', updates: [deletion] })
  })
})

describe('UpdateLog flush and compaction', () => {
  it('flush moves hot rows into one cold segment keyed by range and SHA-256', async () => {
    const { log, hot, cold } = await openLog()
    const editor = new Editor()
    log.append('n', editor.insert('one'))
    await log.whenCommitted()
    log.append('n', editor.insert(' two'))
    log.append('m', new Editor().insert('other'))
    await log.whenCommitted()
    expect(await hot.listKeys(hotKeys.logPrefix('n'))).toHaveLength(2)
    const segment = await log.flush('n')
    expect(segment).toBeDefined()
    expect(await hot.listKeys(hotKeys.logPrefix('n'))).toEqual([])
    expect(await hot.listKeys(hotKeys.logPrefix('m'))).toHaveLength(1) // other documents untouched
    const keys = await cold.listKeys(coldKeys.docsPrefix)
    expect(keys).toHaveLength(1)
    const key = keys[0]!
    expect(key).toMatch(/^docs\/n\/seg\/0*1-0*2-[0-9a-f]{64}$/)
    const body = (await cold.load(key))!
    expect(key.endsWith(await sha256Hex(body))).toBe(true)
    expect(parseColdKey(key)).toMatchObject({ kind: 'segment', docId: 'n', first: 1, last: 2 })
    expect(decodeSegment(body).map((entry) => entry.seq)).toEqual([1, 2])
    expect(await hot.load(hotKeys.index('n'))).toBeDefined()
    expect(log.stats.flushes).toBe(1)
    // Flushing again with nothing hot is a no-op.
    expect(await log.flush('n')).toBeUndefined()
    // The document still loads whole, from cold.
    const doc = new Y.Doc()
    await log.loadInto('n', doc)
    expect(doc.getText('content').toString()).toBe('one two')
  })

  it('flushDue follows the byte, entry and age thresholds on the fake clock', async () => {
    const { log, clock } = await openLog()
    const editor = new Editor()
    log.append('n', editor.insert('abc'))
    await log.whenCommitted()
    const limits = { flushBytes: 1_000_000, flushEntries: 100, flushAfterMs: 60_000 }
    expect(log.flushDue(limits)).toEqual({ due: [], nextAt: clock.now + 60_000 })
    expect(log.flushDue({ ...limits, flushEntries: 1 }).due).toEqual(['n'])
    expect(log.flushDue({ ...limits, flushBytes: 1 }).due).toEqual(['n'])
    clock.now += 60_000
    expect(log.flushDue(limits).due).toEqual(['n'])
  })

  it('compaction writes a verified V2 snapshot and deletes exactly what it merged', async () => {
    const { log, hot, cold } = await openLog()
    const editor = new Editor()
    log.append('n', editor.insert('hello'))
    await log.whenCommitted()
    await log.flush('n')
    log.append('n', editor.insert(' world'))
    await log.whenCommitted()
    await log.flush('n')
    log.append('n', editor.delete(0, 1))
    log.append('keep', new Editor().insert('other doc'))
    await log.whenCommitted()
    const hotBefore = await hot.listKeys('')
    const coldBefore = await cold.listKeys('')
    expect(coldBefore.filter((k) => k.startsWith('docs/n/seg/'))).toHaveLength(2)
    expect(hotBefore.filter((k) => k.startsWith('log/n/'))).toHaveLength(1)

    expect(await log.compact('n')).toBe('done')
    const hotAfter = await hot.listKeys('')
    const coldAfter = await cold.listKeys('')
    // Exactly the merged row and segments are gone; the other document's row stays.
    expect(hotBefore.filter((k) => !hotAfter.includes(k))).toEqual(hotBefore.filter((k) => k.startsWith('log/n/')))
    expect(hotAfter).toContain(hotKeys.log('keep', 4, 4))
    expect(coldBefore.filter((k) => !coldAfter.includes(k)).sort()).toEqual(coldBefore.filter((k) => k.startsWith('docs/n/seg/')).sort())
    const snapshots = coldAfter.filter((k) => k.startsWith('docs/n/snap/'))
    expect(snapshots).toHaveLength(1)
    const snapKey = snapshots[0]!
    expect(parseColdKey(snapKey)).toMatchObject({ kind: 'snapshot', through: 3 })
    const body = (await cold.load(snapKey))!
    expect(snapKey.endsWith(await sha256Hex(body))).toBe(true)
    // It is a V2 update reproducing the document, deletions included.
    const check = new Y.Doc()
    Y.applyUpdateV2(check, body)
    expect(check.getText('content').toString()).toBe('ello world')
    expect(Y.encodeStateVector(check)).toEqual(Y.encodeStateVector(editor.doc))
    expect(deleteSetOf(check)).toEqual(deleteSetOf(editor.doc))
    expect(log.stats.compactions).toBe(1)

    // Entries logged after the compaction stay in the log and are read past the snapshot.
    const later = editor.insert('!')
    log.append('n', later)
    await log.whenCommitted()
    expect(await log.readSince('n', 3)).toEqual({ kind: 'log', updates: [later] })
    // Compacted past the cursor: the snapshot (as V1) plus the entries after it, read without a document.
    for (const seq of [2, 0]) {
      const full = await log.readSince('n', seq)
      expect(full.kind).toBe('full')
      expect(full.updates).toHaveLength(2)
      const replayed = new Y.Doc()
      for (const update of full.updates) Y.applyUpdate(replayed, update)
      expect(replayed.getText('content').toString()).toBe('ello world!')
      expect(deleteSetOf(replayed)).toEqual(deleteSetOf(loadedFrom(editor.doc, later)))
    }
    const loaded = new Y.Doc()
    await log.loadInto('n', loaded)
    expect(loaded.getText('content').toString()).toBe('ello world!')
    expect(await log.compact('nobody')).toBe('nothing')
  })

  it('readSince returns the log entries after a seq across segments and hot rows', async () => {
    const { log } = await openLog()
    const editor = new Editor()
    const updates = [editor.insert('a'), editor.insert('b'), editor.insert('c')]
    log.append('n', updates[0]!)
    await log.whenCommitted()
    await log.flush('n')
    log.append('n', updates[1]!)
    await log.whenCommitted()
    log.append('n', updates[2]!)
    await log.whenCommitted()
    expect(await log.readSince('n', 0)).toEqual({ kind: 'log', updates })
    expect(await log.readSince('n', 1)).toEqual({ kind: 'log', updates: updates.slice(1) })
    expect(await log.readSince('n', 3)).toEqual({ kind: 'log', updates: [] })
    expect(await log.readSince('unknown', 0)).toEqual({ kind: 'log', updates: [] })
  })

  it('compaction is blocked while stored entries have pending structs', async () => {
    const { log, cold } = await openLog()
    const editor = new Editor()
    const first = editor.insert('first')
    const second = editor.insert(' second')
    log.append('n', second) // its predecessor never arrives
    await log.whenCommitted()
    await log.flush('n')
    const coldBefore = await cold.listKeys('')
    expect(await log.compact('n')).toBe('blocked')
    expect(await cold.listKeys('')).toEqual(coldBefore)
    log.append('n', first)
    await log.whenCommitted()
    expect(await log.compact('n')).toBe('done')
  })

  it('compaction is blocked while stored entries have a pending delete set', async () => {
    const { log } = await openLog()
    const editor = new Editor()
    const insert = editor.insert('abcdef')
    const deletion = editor.delete(1, 2)
    log.append('n', deletion) // deletes items the log does not hold
    await log.whenCommitted()
    expect(await log.compact('n')).toBe('blocked')
    log.append('n', insert)
    await log.whenCommitted()
    expect(await log.compact('n')).toBe('done')
  })
})

describe('verifySnapshot', () => {
  it('accepts a faithful snapshot and refuses one that lost deletions (same state vector)', () => {
    const editor = new Editor()
    const insert = editor.insert('hello world')
    editor.delete(0, 6)
    verifySnapshot('n', editor.doc, Y.encodeStateAsUpdateV2(editor.doc))
    const withoutDeletes = new Y.Doc()
    Y.applyUpdate(withoutDeletes, insert)
    const lossy = Y.encodeStateAsUpdateV2(withoutDeletes)
    expect(Y.encodeStateVector(withoutDeletes)).toEqual(Y.encodeStateVector(editor.doc))
    expect(() => verifySnapshot('n', editor.doc, lossy)).toThrow(IntegrityError)
    expect(() => verifySnapshot('n', editor.doc, lossy)).toThrow(/snapshot of n/)
  })

  it('refuses a snapshot missing structs or with pending structs', () => {
    const editor = new Editor()
    const first = editor.insert('a')
    const second = editor.insert('b')
    const partial = new Y.Doc()
    Y.applyUpdate(partial, first)
    expect(() => verifySnapshot('n', editor.doc, Y.encodeStateAsUpdateV2(partial))).toThrow(IntegrityError)
    // A body whose structs cannot integrate (their predecessor is missing).
    expect(() => verifySnapshot('n', editor.doc, Y.convertUpdateFormatV1ToV2(second))).toThrow(IntegrityError)
  })
})

describe('UpdateLog rebuild and integrity', () => {
  async function populated(): Promise<Harness & { editor: Editor }> {
    const harness = await openLog()
    const { log } = harness
    const editor = new Editor()
    log.append('n', editor.insert('alpha beta gamma'))
    await log.whenCommitted()
    await log.flush('n')
    log.append('n', editor.delete(6, 5))
    await log.whenCommitted()
    await log.flush('n')
    expect(await log.compact('n')).toBe('done')
    log.append('n', editor.insert(' delta'))
    log.append('n', editor.delete(0, 1))
    await log.whenCommitted()
    await log.flush('n')
    return { ...harness, editor }
  }

  it('after flush and compaction, cold storage alone rebuilds the identical document', async () => {
    const { hot, cold, editor } = await populated()
    for (const key of await hot.listKeys('')) await hot.commit({ remove: [key] })
    expect(await hot.listKeys('')).toEqual([])
    const doc = await loadDocFromCold(cold, 'n')
    expect(Y.encodeStateVector(doc)).toEqual(Y.encodeStateVector(editor.doc))
    expect(deleteSetOf(doc)).toEqual(deleteSetOf(editor.doc))
    expect(doc.getText('content').toString()).toBe(editor.text.toString())
    expect(hasPending(doc)).toBe(false)
  })

  it('open on an empty hot store with cold data rebuilds the index under a new epoch', async () => {
    const { log, cold, editor } = await populated()
    const oldEpoch = log.epoch
    const headBefore = log.committedSeq
    const freshHot = new MemoryStorageAdapter()
    const rebuilt = await openLog({ hot: freshHot, cold })
    expect(rebuilt.log.epoch).not.toBe(oldEpoch)
    expect(rebuilt.log.epoch).not.toBe('')
    expect(rebuilt.log.committedSeq).toBe(headBefore)
    expect(rebuilt.log.docIds()).toEqual(['n'])
    expect(await freshHot.load(hotKeys.index('n'))).toBeDefined()
    const doc = new Y.Doc()
    await rebuilt.log.loadInto('n', doc)
    expect(Y.encodeStateVector(doc)).toEqual(Y.encodeStateVector(editor.doc))
    expect(deleteSetOf(doc)).toEqual(deleteSetOf(editor.doc))
    // New appends continue after the rebuilt head.
    expect(rebuilt.log.append('n', editor.insert('?'))).toBe(headBefore + 1)
    await rebuilt.log.whenCommitted()
    // And reopening the same hot store keeps its epoch.
    const reopened = await openLog({ hot: freshHot, cold })
    expect(reopened.log.epoch).toBe(rebuilt.log.epoch)
    expect(reopened.log.committedSeq).toBe(headBefore + 1)
  })

  it('a flipped byte in a cold segment is refused with an IntegrityError naming the key', async () => {
    const { log, hot, cold } = await populated()
    const segment = (await cold.listKeys('docs/n/seg/'))[0]!
    await flipByte(cold, segment)
    await expectIntegrityError(log.loadInto('n', new Y.Doc()), segment)
    await expectIntegrityError(loadDocFromCold(cold, 'n'), segment)
    await expectIntegrityError(log.readSince('n', log.committedSeq - 1), segment)
    await expectIntegrityError(log.compact('n'), segment)
    const reopened = await openLog({ hot, cold })
    await expectIntegrityError(reopened.log.loadInto('n', new Y.Doc()), segment)
  })

  it('a flipped byte in a cold snapshot is refused with an IntegrityError naming the key', async () => {
    const { log, cold } = await populated()
    const snapshot = (await cold.listKeys('docs/n/snap/'))[0]!
    for (const at of [0, 5, 20]) {
      await flipByte(cold, snapshot, at)
      await expectIntegrityError(log.loadInto('n', new Y.Doc()), snapshot)
      await expectIntegrityError(loadDocFromCold(cold, 'n'), snapshot)
      await expectIntegrityError(openLog({ hot: new MemoryStorageAdapter(), cold }).then((h) => h.log.loadInto('n', new Y.Doc())), snapshot)
      await flipByte(cold, snapshot, at) // restore
    }
    const doc = await loadDocFromCold(cold, 'n')
    expect(doc.getText('content').length).toBeGreaterThan(0)
  })

  it('a missing cold object is refused, never silently skipped', async () => {
    const { log, cold } = await populated()
    const segment = (await cold.listKeys('docs/n/seg/'))[0]!
    await cold.commit({ remove: [segment] })
    await expectIntegrityError(log.loadInto('n', new Y.Doc()), segment)
  })
})

describe('UpdateLog stored bytes and lineage', () => {
  /** What storage really holds for documents: hot log rows and cold segments and snapshots. */
  async function documentBytes(hot: MemoryStorageAdapter, cold: MemoryStorageAdapter): Promise<number> {
    let bytes = 0
    for (const { data } of await hot.loadRange(hotKeys.logAll)) bytes += data.length
    for (const { data } of await cold.loadRange(coldKeys.docsPrefix)) bytes += data.length
    return bytes
  }

  it('storedBytes and docBytes follow appends, commits, flushes and compaction exactly', async () => {
    const { log, hot, cold } = await openLog()
    const a = new Editor()
    const b = new Editor()
    const first = a.insert('x'.repeat(300))
    log.append('a', first)
    log.append('b', b.insert('y'.repeat(50)))
    // Not yet committed: the updates count (framing included), so a burst cannot slip past a limit before its commit.
    expect(log.docBytes('a')).toBe(log.appendCost(first.length))
    expect(log.storedBytes).toBe(log.appendCost(first.length) + log.appendCost(b.updates[0]!.length))
    await log.whenCommitted()
    const check = async (): Promise<void> => {
      expect(log.storedBytes).toBe(await documentBytes(hot, cold))
      expect(log.docBytes('a') + log.docBytes('b')).toBe(log.storedBytes)
    }
    await check()
    await log.flush('a')
    await check()
    log.append('a', a.delete(0, 290))
    await log.whenCommitted()
    await log.flush('a')
    expect(await log.compact('a')).toBe('done')
    await check()
    expect(log.docBytes('a')).toBeLessThan(first.length) // the snapshot holds ten characters
    expect(log.docBytes('missing')).toBe(0)
  })

  it('after a rebuild from cold storage, loading a document learns the sizes R2 does not list', async () => {
    const { log, cold } = await openLog()
    const editor = new Editor()
    log.append('n', editor.insert('z'.repeat(500)))
    await log.whenCommitted()
    await log.flush('n')
    const before = log.docBytes('n')
    const rebuilt = await openLog({ hot: new MemoryStorageAdapter(), cold })
    expect(rebuilt.log.docBytes('n')).toBe(0)
    await rebuilt.log.loadInto('n', new Y.Doc())
    expect(rebuilt.log.docBytes('n')).toBe(before)
    expect(rebuilt.log.storedBytes).toBe(before)
  })

  it('the lineage is minted once, kept in hot and cold, survives a hot-storage loss, and is new only when both are empty', async () => {
    const { log, hot, cold } = await openLog()
    const lineage = log.lineage
    expect(lineage).toMatch(/^[A-Za-z0-9_-]{12}$/)
    expect(new TextDecoder().decode(await hot.load(hotKeys.lineage))).toBe(lineage)
    expect(new TextDecoder().decode(await cold.load(coldKeys.lineage))).toBe(lineage)
    // A restart keeps epoch and lineage.
    const restarted = await openLog({ hot, cold })
    expect([restarted.log.epoch, restarted.log.lineage]).toEqual([log.epoch, lineage])
    // Hot storage lost, rebuilt from cold: same history (lineage), new epoch.
    const rebuilt = await openLog({ hot: new MemoryStorageAdapter(), cold })
    expect(rebuilt.log.lineage).toBe(lineage)
    expect(rebuilt.log.epoch).not.toBe(log.epoch)
    // Both empty: a new vault, a new lineage.
    const fresh = await openLog()
    expect(fresh.log.lineage).not.toBe(lineage)
  })

  it('a crash between the two lineage writes leaves it in cold storage, where the next open finds it', async () => {
    const cold = new MemoryStorageAdapter()
    const failing = new MemoryStorageAdapter({
      beforeCommit: (batch) => {
        if (batch.save?.some((chunk) => chunk.key === hotKeys.lineage)) throw new Error('crash')
      },
    })
    await expect(openLog({ hot: failing, cold })).rejects.toThrow('crash')
    const written = new TextDecoder().decode(await cold.load(coldKeys.lineage))
    const reopened = await openLog({ hot: new MemoryStorageAdapter(), cold })
    expect(reopened.log.lineage).toBe(written)
  })
})
