// One V1 update from many. Y.mergeUpdates over a long log is roughly quadratic (10k keystroke updates
// ≈ 1 s, 50k ≈ 70 s), and applying 10k updates one by one to a large document costs ~50 µs each; merging
// in groups of 32, level by level, is near-linear, and the result applies in one pass.

import * as Y from 'yjs'

const GROUP = 32

export function mergeUpdatesInTree(updates: readonly Uint8Array[]): Uint8Array {
  if (updates.length === 0) return Y.encodeStateAsUpdate(new Y.Doc())
  let level = updates as Uint8Array[]
  while (level.length > 1) {
    const next: Uint8Array[] = []
    for (let i = 0; i < level.length; i += GROUP) {
      const group = level.slice(i, i + GROUP)
      next.push(group.length === 1 ? group[0]! : Y.mergeUpdates(group))
    }
    level = next
  }
  return level[0]!
}
