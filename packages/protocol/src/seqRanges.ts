// Compresses a set of client sequence numbers into inclusive ranges for an Ack frame.

import type { SeqRange } from './types.ts'

export function createSeqRanges(seqs: Iterable<number>): SeqRange[] {
  const sorted = [...new Set(seqs)].sort((a, b) => a - b)
  const ranges: SeqRange[] = []
  for (const seq of sorted) {
    const last = ranges[ranges.length - 1]
    if (last && last.last + 1 === seq) ranges[ranges.length - 1] = { first: last.first, last: seq }
    else ranges.push({ first: seq, last: seq })
  }
  return ranges
}
