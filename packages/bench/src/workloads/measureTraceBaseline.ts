// The in-process baseline for the trace replay: the same replay into a bare Y.Doc whose updates are
// applied directly to a second Y.Doc, no network and no server.
import * as Y from 'yjs'
import type { BenchSettings } from '../BenchSettings.ts'
import { figure, type Figure } from '../figures.ts'
import { replayPatches } from '../replayPatches.ts'
import { median } from '../stats.ts'
import type { TracePatch } from '../traces.ts'

export interface TraceBaselineResult {
  readonly editsPerSecond: Figure
  readonly snapshotV2Bytes: Figure
  readonly runs: readonly number[]
}

export async function measureTraceBaseline(
  patches: readonly TracePatch[],
  expected: string,
  settings: BenchSettings,
): Promise<TraceBaselineResult> {
  const runs: number[] = []
  let snapshotBytes = 0
  for (let r = 0; r < Math.max(1, settings.baselineRepeats); r++) {
    const a = new Y.Doc()
    const b = new Y.Doc()
    a.on('update', (update: Uint8Array) => Y.applyUpdate(b, update, 'remote'))
    const t0 = performance.now()
    await replayPatches(a, a.getText('content'), patches, settings.traceYieldEvery)
    const seconds = (performance.now() - t0) / 1000
    if (b.getText('content').toString() !== expected)
      throw new Error('baseline replay does not reproduce the trace text')
    runs.push(patches.length / seconds)
    snapshotBytes = Y.encodeStateAsUpdateV2(b).byteLength
    a.destroy()
    b.destroy()
  }
  return {
    editsPerSecond: figure(
      median(runs),
      'edits/s',
      `median of ${runs.length} runs: ${patches.length} patches replayed into Y.Doc A (one transaction each, setImmediate every ${settings.traceYieldEvery}), each update applied synchronously to Y.Doc B in the same process; clock stops when the loop ends (B is then identical)`,
    ),
    snapshotV2Bytes: figure(snapshotBytes, 'bytes', 'Y.encodeStateAsUpdateV2 of the final document (gc on)'),
    runs: runs.map((x) => Math.round(x)),
  }
}
