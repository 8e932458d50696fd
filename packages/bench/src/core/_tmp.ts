import * as Y from 'yjs'
import { loadSequentialTrace, toUtf16Patches } from '../traces.ts'
import { randomKeystrokes } from './coreFixtures.ts'
const trace = loadSequentialTrace('automerge-paper')
const b4 = new Y.Doc(); const text = b4.getText('content')
for (const [pos, del, ins] of toUtf16Patches(trace)) b4.transact(() => { if (del) text.delete(pos, del); if (ins) text.insert(pos, ins) })
const snap = Y.encodeStateAsUpdateV2(b4)
const tail = randomKeystrokes(b4, 10000, 4)
for (const mode of ['outer']) {
  const t0 = performance.now()
  const d = new Y.Doc()
  if (mode === 'outer') Y.transact(d, () => { Y.applyUpdateV2(d, snap); for (const u of tail) Y.applyUpdate(d, u) })
  else if (mode === 'each') { Y.applyUpdateV2(d, snap); for (const u of tail) Y.applyUpdate(d, u) }
  else { Y.applyUpdateV2(d, snap); const s = new Y.Doc(); Y.transact(s, () => {for (const u of tail) Y.applyUpdate(s, u)}); Y.applyUpdate(d, Y.encodeStateAsUpdate(s)) }
  console.log(mode, (performance.now() - t0).toFixed(1), d.getText('content').length === text.length)
}
const t1 = performance.now(); const d2 = new Y.Doc(); Y.applyUpdateV2(d2, snap); console.log('snap only', (performance.now()-t1).toFixed(1))
function mergeTree(updates: Uint8Array[]): Uint8Array {
  let level = updates
  while (level.length > 1) {
    const next: Uint8Array[] = []
    for (let i = 0; i < level.length; i += 32) next.push(level.length - i === 1 ? level[i]! : Y.mergeUpdates(level.slice(i, i + 32)))
    level = next
  }
  return level[0]!
}
const v1 = Y.convertUpdateFormatV2ToV1(snap)
for (let r = 0; r < 3; r++) {
const t2 = performance.now(); const m = mergeTree([v1, ...tail]); const t3 = performance.now()
const d3 = new Y.Doc(); Y.applyUpdate(d3, m); console.log('tree-merge', (t3 - t2).toFixed(1), 'apply', (performance.now() - t3).toFixed(1), d3.getText('content').toString() === text.toString())
const t4 = performance.now(); const mt = mergeTree(tail); const m2 = Y.mergeUpdates([v1, mt]); console.log('tail-first', (performance.now()-t4).toFixed(1), m2.length)
}
