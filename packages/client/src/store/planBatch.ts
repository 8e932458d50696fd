// Turns a StoreBatch into the writes a store makes, checked and copied before any of them: a bad field
// anywhere in the batch throws here, so no store is ever left holding half a batch. Every store applies
// a plan the same way, which is what the contract suite checks against the memory store.

import type { OutboxEntry, StoreBatch, VaultRecord } from './LocalStore.ts'

/** What a batch does to one document: drop what is stored (a replace or a delete), then append `updates`. */
export interface DocWrite {
  readonly reset: boolean
  /** Appended in order after the reset, if any; a replace's state comes first. Empty after a delete. */
  readonly updates: readonly Uint8Array[]
}

/** The writes of one batch (or of several, merged in order by `mergePlans`). */
export interface BatchPlan {
  readonly record: VaultRecord | undefined
  readonly docs: ReadonlyMap<string, DocWrite>
  /** Per seq, the entry to put, or null to delete it. */
  readonly outbox: ReadonlyMap<number, OutboxEntry | null>
  /** True when the plan writes nothing. */
  readonly empty: boolean
}

/**
 * Validates a batch and resolves it in field order (record, appendUpdates, replaceDocs, deleteDocs,
 * putOutbox, deleteOutbox): a replace drops earlier appends of its document, a delete drops both, a
 * deleted seq drops its put, and within one list the last entry for a key wins. Byte arrays are copied,
 * so a caller may reuse its buffers as soon as `commit` returns.
 */
export function planBatch(batch: StoreBatch): BatchPlan {
  if (typeof batch !== 'object' || batch === null) throw new TypeError('a store batch must be an object')
  const record = batch.record === undefined ? undefined : copyRecord(batch.record)
  const docs = new Map<string, { reset: boolean; updates: Uint8Array[] }>()
  for (const entry of list(batch.appendUpdates, 'appendUpdates')) {
    const docId = checkDocId(entry?.docId, 'appendUpdates')
    const update = copyUpdate(entry.update, `appendUpdates update of ${JSON.stringify(docId)}`)
    const write = docs.get(docId)
    if (write) write.updates.push(update)
    else docs.set(docId, { reset: false, updates: [update] })
  }
  for (const entry of list(batch.replaceDocs, 'replaceDocs')) {
    const docId = checkDocId(entry?.docId, 'replaceDocs')
    docs.set(docId, { reset: true, updates: [copyUpdate(entry.state, `replaceDocs state of ${JSON.stringify(docId)}`)] })
  }
  for (const docId of list(batch.deleteDocs, 'deleteDocs')) docs.set(checkDocId(docId, 'deleteDocs'), { reset: true, updates: [] })
  const outbox = new Map<number, OutboxEntry | null>()
  for (const entry of list(batch.putOutbox, 'putOutbox')) {
    const seq = checkSeq(entry?.seq, 'putOutbox seq')
    const docId = checkDocId(entry.docId, `putOutbox entry ${seq}`)
    const update = copyUpdate(entry.update, `putOutbox update of seq ${seq}`)
    if (typeof entry.supersedes !== 'boolean') throw new TypeError(`putOutbox entry ${seq}: supersedes must be a boolean`)
    outbox.set(seq, { seq, docId, update, supersedes: entry.supersedes })
  }
  for (const seq of list(batch.deleteOutbox, 'deleteOutbox')) outbox.set(checkSeq(seq, 'deleteOutbox seq'), null)
  return { record, docs, outbox, empty: record === undefined && docs.size === 0 && outbox.size === 0 }
}

/** One plan with the effect of applying `plans` in order; stores use it to commit queued batches together. */
export function mergePlans(plans: readonly BatchPlan[]): BatchPlan {
  if (plans.length === 1) return plans[0]!
  let record: VaultRecord | undefined
  const docs = new Map<string, DocWrite>()
  const outbox = new Map<number, OutboxEntry | null>()
  for (const plan of plans) {
    record = plan.record ?? record
    for (const [docId, write] of plan.docs) {
      const before = docs.get(docId)
      docs.set(docId, write.reset || !before ? write : { reset: before.reset, updates: [...before.updates, ...write.updates] })
    }
    for (const [seq, entry] of plan.outbox) outbox.set(seq, entry)
  }
  return { record, docs, outbox, empty: plans.every((plan) => plan.empty) }
}

function list<T>(value: readonly T[] | undefined, field: string): readonly T[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) throw new TypeError(`${field} must be an array`)
  return value
}

function checkDocId(docId: unknown, where: string): string {
  if (typeof docId !== 'string') throw new TypeError(`${where}: docId must be a string`)
  return docId
}

function checkSeq(seq: unknown, where: string): number {
  if (!Number.isSafeInteger(seq) || (seq as number) < 1) throw new RangeError(`${where} must be a positive safe integer`)
  return seq as number
}

/** Copies an update or state; an empty array is never a Yjs update (the smallest, an empty doc's, is 2 bytes). */
function copyUpdate(update: unknown, where: string): Uint8Array {
  if (!(update instanceof Uint8Array)) throw new TypeError(`${where} must be a Uint8Array`)
  if (update.length === 0) throw new RangeError(`${where} is empty, which is no Yjs update`)
  return update.slice()
}

function copyRecord(record: VaultRecord): VaultRecord {
  if (typeof record !== 'object' || record === null) throw new TypeError('record must be an object')
  const { deviceId, cursor, nextSeq, lineage } = record
  if (typeof deviceId !== 'string' || deviceId === '') throw new TypeError('record.deviceId must be a non-empty string')
  if (typeof cursor !== 'object' || cursor === null || typeof cursor.epoch !== 'string') {
    throw new TypeError('record.cursor must be { epoch: string, seq: number }')
  }
  if (!Number.isSafeInteger(cursor.seq) || cursor.seq < 0) throw new RangeError('record.cursor.seq must be a non-negative safe integer')
  checkSeq(nextSeq, 'record.nextSeq')
  if (typeof lineage !== 'string') throw new TypeError('record.lineage must be a string')
  return { deviceId, cursor: { epoch: cursor.epoch, seq: cursor.seq }, nextSeq, lineage }
}
