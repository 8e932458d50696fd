// guardUpdate: untrusted updates are refused with a typed code, and missing dependencies are reported,
// before anything touches the live document.

import { ErrorCode } from '@amber/protocol'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { UpdateRejected, guardUpdate } from '../src/room/UpdateGuard.ts'
import type { GuardLimits } from '../src/room/UpdateGuard.ts'

const LIMITS: GuardLimits = { maxUpdateBytes: 1 << 20, maxUpdateStructs: 10_000 }

function rejection(update: Uint8Array, doc: Y.Doc, limits: GuardLimits = LIMITS): UpdateRejected {
  try {
    guardUpdate(update, doc, limits)
  } catch (error) {
    if (error instanceof UpdateRejected) return error
    throw new Error(`expected UpdateRejected, got ${String(error)}`, { cause: error })
  }
  throw new Error(`expected UpdateRejected for [${Array.from(update).join(',')}], but the guard accepted it`)
}

/** Records each transaction's update of a doc, so tests can replay or skip them. */
function recordUpdates(doc: Y.Doc): Uint8Array[] {
  const updates: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => updates.push(update))
  return updates
}

function sampleUpdate(): Uint8Array {
  const doc = new Y.Doc()
  doc.getText('t').insert(0, 'Hello, wörld 🦊')
  doc.getMap('m').set('k', { nested: [1, 2, 3] })
  doc.getText('t').delete(2, 3)
  return Y.encodeStateAsUpdate(doc)
}

describe('guardUpdate', () => {
  it('an empty update is EMPTY_UPDATE', () => {
    expect(rejection(new Uint8Array(0), new Y.Doc()).code).toBe(ErrorCode.EmptyUpdate)
  })

  it('garbage is MALFORMED_UPDATE', () => {
    const garbage = [Uint8Array.of(0xff), Uint8Array.of(5, 1, 2), Uint8Array.of(1, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)]
    for (const update of garbage) expect(rejection(update, new Y.Doc()).code).toBe(ErrorCode.MalformedUpdate)
  })

  it('every truncation of a real update is refused (EMPTY_UPDATE at 0, MALFORMED_UPDATE after)', () => {
    const update = sampleUpdate()
    const doc = new Y.Doc()
    let refused = 0
    for (let end = 0; end < update.length; end++) {
      const error = rejection(update.subarray(0, end), doc)
      expect(error.code).toBe(end === 0 ? ErrorCode.EmptyUpdate : ErrorCode.MalformedUpdate)
      refused++
    }
    expect(refused).toBe(update.length)
    expect(Y.encodeStateVector(doc)).toEqual(Uint8Array.of(0)) // nothing reached the document
  })

  it('an update over maxUpdateBytes is UPDATE_TOO_LARGE; at the limit it passes', () => {
    const update = sampleUpdate()
    expect(rejection(update, new Y.Doc(), { ...LIMITS, maxUpdateBytes: update.length - 1 }).code).toBe(ErrorCode.UpdateTooLarge)
    expect(guardUpdate(update, new Y.Doc(), { ...LIMITS, maxUpdateBytes: update.length }).missingDependencies).toBe(false)
  })

  it('an update with too many structs or delete ranges is TOO_MANY_STRUCTS', () => {
    const doc = new Y.Doc()
    const text = doc.getText('t')
    // Each insert at the front after a map write makes a separate struct.
    for (let i = 0; i < 50; i++) {
      text.insert(0, 'x')
      doc.getMap('m').set(`k${i}`, i)
    }
    const update = Y.encodeStateAsUpdate(doc)
    const structs = (Y.decodeUpdate(update).structs as unknown[]).length
    expect(rejection(update, new Y.Doc(), { ...LIMITS, maxUpdateStructs: structs - 1 }).code).toBe(ErrorCode.TooManyStructs)
    expect(guardUpdate(update, new Y.Doc(), { ...LIMITS, maxUpdateStructs: structs }).isNoop).toBe(false)
    // Delete ranges count too: every other character deleted.
    const base = new Y.Doc()
    base.getText('t').insert(0, 'abcdefghij')
    const target = new Y.Doc()
    Y.applyUpdate(target, Y.encodeStateAsUpdate(base))
    const updates = recordUpdates(base)
    base.transact(() => {
      for (let i = 4; i >= 0; i--) base.getText('t').delete(i * 2, 1)
    })
    expect(updates).toHaveLength(1)
    expect(rejection(updates[0]!, target, { ...LIMITS, maxUpdateStructs: 4 }).code).toBe(ErrorCode.TooManyStructs)
    expect(guardUpdate(updates[0]!, target, { ...LIMITS, maxUpdateStructs: 5 })).toEqual({ missingDependencies: false, isNoop: false, isDeleteOnly: true })
  })

  it('a normal update has no missing dependencies; an incremental one on top of its base neither', () => {
    const source = new Y.Doc()
    const updates = recordUpdates(source)
    source.getText('t').insert(0, 'abc')
    source.getText('t').insert(3, 'def')
    source.getText('t').delete(1, 2)
    const target = new Y.Doc()
    // Two inserts, then a delete-only update.
    for (const [i, update] of updates.entries()) {
      expect(guardUpdate(update, target, LIMITS)).toEqual({ missingDependencies: false, isNoop: false, isDeleteOnly: i === 2 })
      Y.applyUpdate(target, update)
    }
    expect(target.getText('t').toString()).toBe(source.getText('t').toString())
  })

  it('skipping an earlier update of the same client reports missing dependencies', () => {
    const source = new Y.Doc()
    const updates = recordUpdates(source)
    source.getText('t').insert(0, 'first')
    source.getText('t').insert(5, ' second')
    const target = new Y.Doc()
    expect(guardUpdate(updates[1]!, target, LIMITS)).toEqual({ missingDependencies: true, isNoop: false, isDeleteOnly: false })
    Y.applyUpdate(target, updates[0]!)
    expect(guardUpdate(updates[1]!, target, LIMITS).missingDependencies).toBe(false)
  })

  it("an insert whose origin is another client's unseen item reports missing dependencies", () => {
    const a = new Y.Doc()
    a.getText('t').insert(0, 'abc')
    const b = new Y.Doc()
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a))
    const updates = recordUpdates(b)
    b.getText('t').insert(2, 'X') // origin is a's item
    const target = new Y.Doc() // lacks a's items
    expect(guardUpdate(updates[0]!, target, LIMITS).missingDependencies).toBe(true)
  })

  it('a delete of an item the document lacks reports missing dependencies', () => {
    const source = new Y.Doc()
    source.getText('t').insert(0, 'abcdef')
    const withItems = new Y.Doc()
    Y.applyUpdate(withItems, Y.encodeStateAsUpdate(source))
    const updates = recordUpdates(source)
    source.getText('t').delete(1, 2)
    const deleteOnly = updates[0]!
    expect(guardUpdate(deleteOnly, new Y.Doc(), LIMITS)).toEqual({ missingDependencies: true, isNoop: false, isDeleteOnly: true })
    expect(guardUpdate(deleteOnly, withItems, LIMITS)).toEqual({ missingDependencies: false, isNoop: false, isDeleteOnly: true })
  })

  it('an update with no structs and no deletions is a no-op', () => {
    const empty = Y.encodeStateAsUpdate(new Y.Doc())
    expect(guardUpdate(empty, new Y.Doc(), LIMITS)).toEqual({ missingDependencies: false, isNoop: true, isDeleteOnly: false })
    // A diff against a state vector that already has everything is a no-op too.
    const doc = new Y.Doc()
    doc.getText('t').insert(0, 'x')
    const diff = Y.encodeStateAsUpdate(doc, Y.encodeStateVector(doc))
    expect(guardUpdate(diff, doc, LIMITS).isNoop).toBe(true)
  })

  it('never touches the document it checks against', () => {
    const doc = new Y.Doc()
    doc.getText('t').insert(0, 'keep')
    const before = Y.encodeStateAsUpdate(doc)
    guardUpdate(sampleUpdate(), doc, LIMITS)
    expect(Y.encodeStateAsUpdate(doc)).toEqual(before)
  })
})
