// Which version of a binary is its head. Pure, so the Durable Object and the tests share one rule:
//
// - a commit whose base is the current head succeeds it, whatever its mtime (a device with a slow clock
//   still overwrites what it saw);
// - otherwise the writes were concurrent: the later mtime wins, ties by the larger version id. That is a
//   total order, so any arrival order of concurrent commits ends on the same head, and the loser is
//   named so nothing is dropped silently.

export interface VersionSummary {
  readonly version: string
  readonly sha256: string
  readonly size: number
  readonly mtime: number
  readonly device: string
}

/** The value of `heads` doc entries: what every device learns about a binary's current version. */
export interface HeadRecord extends VersionSummary {
  /** When the server committed this version (ms). */
  readonly committedAt: number
  /** Set when this head won against a concurrent version, which is kept and named here. */
  readonly conflict?: { readonly version: string; readonly device: string; readonly mtime: number; readonly sha256: string; readonly size: number }
}

export interface HeadDecision {
  readonly head: HeadRecord
  /** Whether the candidate is the head now. */
  readonly won: boolean
  /** Whether the head changed (false for a repeated commit or a loser). */
  readonly changed: boolean
}

/** Later mtime first, then the larger version id: positive when `a` beats `b`. */
export function compareConcurrent(a: Pick<VersionSummary, 'mtime' | 'version'>, b: Pick<VersionSummary, 'mtime' | 'version'>): number {
  if (a.mtime !== b.mtime) return a.mtime - b.mtime
  return a.version === b.version ? 0 : a.version > b.version ? 1 : -1
}

export function decideHead(current: HeadRecord | undefined, candidate: VersionSummary, base: string | undefined, committedAt: number): HeadDecision {
  if (current === undefined) return { head: { ...candidate, committedAt }, won: true, changed: true }
  if (current.version === candidate.version) return { head: current, won: true, changed: false }
  if (base === current.version) return { head: { ...candidate, committedAt }, won: true, changed: true }
  const summary = (loser: VersionSummary) => ({ version: loser.version, device: loser.device, mtime: loser.mtime, sha256: loser.sha256, size: loser.size })
  if (compareConcurrent(candidate, current) > 0) {
    return { head: { ...candidate, committedAt, conflict: summary(current) }, won: true, changed: true }
  }
  // The head stays, now naming the loser so every device hears of the conflict.
  const { conflict: _previous, ...head } = current
  return { head: { ...head, conflict: summary(candidate) }, won: false, changed: true }
}
