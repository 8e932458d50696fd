// Replays trace patches into a Y.Text, one transaction per patch, yielding to the event loop every
// `yieldEvery` patches so a provider's socket can flush while the replay runs.
import { setImmediate as nextTurn } from 'node:timers/promises'
import type * as Y from 'yjs'
import type { TracePatch } from './traces.ts'

export async function replayPatches(
  doc: Y.Doc,
  text: Y.Text,
  patches: readonly TracePatch[],
  yieldEvery: number,
): Promise<void> {
  for (let i = 0; i < patches.length; i++) {
    const [pos, del, ins] = patches[i] as TracePatch
    doc.transact(() => {
      if (del > 0) text.delete(pos, del)
      if (ins.length > 0) text.insert(pos, ins)
    })
    if (yieldEvery > 0 && (i + 1) % yieldEvery === 0) await nextTurn()
  }
}
