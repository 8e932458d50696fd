// Untrusted updates are decoded on their own (Y.decodeUpdate builds detached structs, a scratch
// decoding that touches no live document) under byte and struct caps, and their dependencies are
// checked against the live state vector, before anything reaches the real document.

import { ErrorCode } from '@amber/protocol'
import * as Y from 'yjs'

export class UpdateRejected extends Error {
  override readonly name = 'UpdateRejected'
  constructor(
    readonly code: (typeof ErrorCode)[keyof typeof ErrorCode],
    message: string,
  ) {
    super(message)
  }
}

export interface GuardLimits {
  readonly maxUpdateBytes: number
  readonly maxUpdateStructs: number
}

export interface GuardResult {
  /** Some struct or deletion refers to something the document does not hold yet. */
  readonly missingDependencies: boolean
  /** The update carries no structs and no deletions. */
  readonly isNoop: boolean
  /** The update only deletes: it adds no content. */
  readonly isDeleteOnly: boolean
}

interface StructLike {
  readonly id: Y.ID
  readonly length: number
  readonly origin?: Y.ID | null
  readonly rightOrigin?: Y.ID | null
  readonly parent?: unknown
}

/** Throws {@link UpdateRejected} for input that must not be applied; reports missing dependencies. */
export function guardUpdate(update: Uint8Array, doc: Y.Doc, limits: GuardLimits): GuardResult {
  if (update.length === 0) throw new UpdateRejected(ErrorCode.EmptyUpdate, 'empty update')
  if (update.length > limits.maxUpdateBytes) {
    throw new UpdateRejected(
      ErrorCode.UpdateTooLarge,
      `update of ${update.length} bytes exceeds maxUpdateBytes ${limits.maxUpdateBytes}`,
    )
  }
  let decoded: { structs: StructLike[]; ds: { clients: Map<number, Array<{ clock: number; len: number }>> } }
  try {
    decoded = Y.decodeUpdate(update) as unknown as typeof decoded
  } catch (error) {
    throw new UpdateRejected(ErrorCode.MalformedUpdate, `malformed update: ${(error as Error).message ?? String(error)}`)
  }
  let deleteRanges = 0
  for (const ranges of decoded.ds.clients.values()) deleteRanges += ranges.length
  if (decoded.structs.length + deleteRanges > limits.maxUpdateStructs) {
    throw new UpdateRejected(
      ErrorCode.TooManyStructs,
      `update carries ${decoded.structs.length + deleteRanges} structs and deletions: exceeds maxUpdateStructs ${limits.maxUpdateStructs}`,
    )
  }
  // What the document will hold once this update is in: its state plus this update's contiguous runs.
  const known = new Map<number, number>()
  const stateOf = (client: number) => known.get(client) ?? Y.getState(doc.store, client)
  let missing = false
  for (const struct of decoded.structs) {
    if (struct instanceof Y.Skip) {
      missing = true
      continue
    }
    const { client, clock } = struct.id
    if (!Number.isSafeInteger(clock) || clock < 0 || struct.length < 0) {
      throw new UpdateRejected(ErrorCode.MalformedUpdate, 'malformed update: invalid clock')
    }
    const have = stateOf(client)
    if (clock > have) missing = true
    else known.set(client, Math.max(have, clock + struct.length))
  }
  const holds = (id: Y.ID | null | undefined) => !id || id.clock < stateOf(id.client)
  for (const struct of decoded.structs) {
    if (!holds(struct.origin) || !holds(struct.rightOrigin)) missing = true
    if (struct.parent instanceof Y.ID && !holds(struct.parent)) missing = true
  }
  for (const [client, ranges] of decoded.ds.clients) {
    const have = stateOf(client)
    for (const range of ranges) if (range.clock + range.len > have) missing = true
  }
  return { missingDependencies: missing, isNoop: decoded.structs.length === 0 && deleteRanges === 0, isDeleteOnly: decoded.structs.length === 0 && deleteRanges > 0 }
}
