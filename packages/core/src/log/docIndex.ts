// Per-document index kept in hot storage: where the document's cold state lives. Written only by
// flush and compaction, so the per-commit path writes nothing but log rows.

export interface SnapshotRef {
  readonly key: string
  readonly through: number
  readonly bytes: number
}

export interface SegmentRef {
  readonly key: string
  readonly first: number
  readonly last: number
  readonly bytes: number
}

export interface DocIndex {
  readonly lastSeq: number
  readonly snapshot?: SnapshotRef
  readonly segments: readonly SegmentRef[]
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export function encodeDocIndex(index: DocIndex): Uint8Array {
  return encoder.encode(JSON.stringify(index))
}

export function decodeDocIndex(bytes: Uint8Array): DocIndex {
  const value = JSON.parse(decoder.decode(bytes)) as DocIndex
  if (typeof value.lastSeq !== 'number' || !Array.isArray(value.segments)) throw new Error('corrupt document index')
  return value
}
