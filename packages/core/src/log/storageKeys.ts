// The key layout of a vault's storage; the only place that knows it (adapters never interpret keys).
// Hot (Durable Object SQLite) and cold (R2, already scoped to one vault) stores use different families.
// Sequence numbers are zero-padded so that key order is log order.

const SEQ_WIDTH = 15

export function padSeq(seq: number): string {
  return String(seq).padStart(SEQ_WIDTH, '0')
}

export const hotKeys = {
  epoch: 'meta/epoch',
  /** The vault's history id; also in cold storage, so a rebuild of hot from cold keeps it. */
  lineage: 'meta/lineage',
  /** One row per document per commit: the entries that commit logged for the document. */
  logPrefix: (docId: string) => `log/${docId}/`,
  logAll: 'log/',
  log: (docId: string, first: number, last: number) => `log/${docId}/${padSeq(first)}-${padSeq(last)}`,
  /** Per-document index of what lives in cold storage (snapshot, segments) and the last logged seq. */
  indexAll: 'idx/',
  index: (docId: string) => `idx/${docId}`,
  /** Per-socket state that outgrows a socket attachment (subscriptions), keyed by the socket's tag. */
  session: (sessionId: string) => `sess/${sessionId}`,
  /** A note's state as `readNote` served it, so a write with `If-Match` can diff against it. */
  servedBase: (docId: string, etag: string) => `served/${docId}/${etag}`,
  /** Per note: which served states are kept and when each was last served (a small JSON list). */
  servedIndexAll: 'served-index/',
  servedIndex: (docId: string) => `served-index/${docId}`,
} as const

export const coldKeys = {
  /** The vault's history id, written before hot storage's copy. */
  lineage: 'meta/lineage',
  docsPrefix: 'docs/',
  docPrefix: (docId: string) => `docs/${docId}/`,
  segment: (docId: string, first: number, last: number, sha: string) =>
    `docs/${docId}/seg/${padSeq(first)}-${padSeq(last)}-${sha}`,
  snapshot: (docId: string, through: number, sha: string) => `docs/${docId}/snap/${padSeq(through)}-${sha}`,
} as const

export interface ParsedLogKey {
  readonly docId: string
  readonly first: number
  readonly last: number
}

export function parseHotLogKey(key: string): ParsedLogKey | undefined {
  const match = /^log\/([^/]+)\/(\d+)-(\d+)$/.exec(key)
  if (!match) return undefined
  return { docId: match[1]!, first: Number(match[2]), last: Number(match[3]) }
}

export type ParsedColdKey =
  | { readonly kind: 'segment'; readonly docId: string; readonly first: number; readonly last: number; readonly sha: string }
  | { readonly kind: 'snapshot'; readonly docId: string; readonly through: number; readonly sha: string }

export function parseColdKey(key: string): ParsedColdKey | undefined {
  const segment = /^docs\/([^/]+)\/seg\/(\d+)-(\d+)-([0-9a-f]{64})$/.exec(key)
  if (segment) {
    return { kind: 'segment', docId: segment[1]!, first: Number(segment[2]), last: Number(segment[3]), sha: segment[4]! }
  }
  const snapshot = /^docs\/([^/]+)\/snap\/(\d+)-([0-9a-f]{64})$/.exec(key)
  if (snapshot) return { kind: 'snapshot', docId: snapshot[1]!, through: Number(snapshot[2]), sha: snapshot[3]! }
  return undefined
}
