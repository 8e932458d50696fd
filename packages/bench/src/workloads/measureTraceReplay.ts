// The keystroke trace through a server: replay into A as fast as the provider takes it, until B holds
// the final text; for durable targets also stop the server, start it on the same storage and time a
// fresh client's reload of the note.
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import * as Y from 'yjs'
import type { BenchTarget, NoteClient } from '../BenchTarget.ts'
import type { BenchSettings } from '../BenchSettings.ts'
import { figure, notApplicable, type Figure, type NotApplicable } from '../figures.ts'
import { replayPatches } from '../replayPatches.ts'
import type { TracePatch } from '../traces.ts'
import { withTimeout } from '../withTimeout.ts'

export interface TraceReplayResult {
  readonly patches: number
  readonly editsPerSecond: Figure
  readonly ratioToBaseline: Figure
  readonly sendLoopEditsPerSecond: Figure
  readonly convergedAfter: Figure
  readonly durableAck: Figure | NotApplicable
  readonly snapshotV2Bytes: Figure
  readonly restart: RestartResult | NotApplicable
}

export interface RestartResult {
  readonly stop: Figure
  readonly start: Figure
  readonly reload: Figure
}

export async function measureTraceReplay(
  target: BenchTarget,
  patches: readonly TracePatch[],
  expected: string,
  baselineEditsPerSecond: number,
  settings: BenchSettings,
): Promise<TraceReplayResult> {
  const storageDir = await mkdtemp(path.join(os.tmpdir(), `amber-bench-${target.name}-`))
  let server = await target.start({ storageDir })
  try {
    const noteId = `trace-${settings.trace}`
    const a = await target.openNote(server.url, noteId)
    const b = await target.openNote(server.url, noteId)
    const aText = a.doc.getText('content')
    const aClient = a.doc.clientID

    // B has converged when its state vector holds A's final clock: O(1) per update, unlike comparing text.
    let finalClock = Number.POSITIVE_INFINITY
    let converged: () => void = () => {}
    const bConverged = new Promise<void>((resolve) => (converged = resolve))
    const check = (): void => {
      if (Y.getState(b.doc.store, aClient) >= finalClock) converged()
    }
    const unsubscribe = b.onRemoteUpdate(check)

    const t0 = performance.now()
    await replayPatches(a.doc, aText, patches, settings.traceYieldEvery)
    const sendLoopMs = performance.now() - t0
    finalClock = Y.getState(a.doc.store, aClient)
    check()
    const durable = a.whenDurable?.().then(() => performance.now() - t0)
    await withTimeout(bConverged, settings.waitTimeoutMs, `${target.name}: B converging on the trace`)
    const convergedMs = performance.now() - t0
    unsubscribe()
    if (b.doc.getText('content').toString() !== expected)
      throw new Error(`${target.name}: B's text differs from the trace's`)
    const durableMs = durable
      ? await withTimeout(durable, settings.waitTimeoutMs, `${target.name}: durable ack of the trace`)
      : undefined
    const snapshotBytes = Y.encodeStateAsUpdateV2(b.doc).byteLength
    await a.close()
    await b.close()

    let restart: RestartResult | NotApplicable = notApplicable(
      `${target.name} keeps documents in memory only`,
    )
    if (target.durable) {
      const s0 = performance.now()
      await server.stop()
      const s1 = performance.now()
      server = await target.start({ storageDir })
      const s2 = performance.now()
      const reader = await target.openNote(server.url, noteId)
      await withTimeout(
        textEquals(reader, expected),
        settings.waitTimeoutMs,
        `${target.name}: reloaded note equal to the trace`,
      )
      const s3 = performance.now()
      await reader.close()
      restart = {
        stop: figure(
          s1 - s0,
          'ms',
          'graceful stop (IPC stop → server.destroy(), which closes connections and flushes pending stores) until the process exited; clients A and B were closed first',
        ),
        start: figure(
          s2 - s1,
          'ms',
          'spawn the peer process on the same storage until it accepts connections',
        ),
        reload: figure(
          s3 - s2,
          'ms',
          "a fresh client opens the note until its Y.Text equals the trace's final text",
        ),
      }
    }

    const n = patches.length
    const editsPerSecond = n / (convergedMs / 1000)
    return {
      patches: n,
      editsPerSecond: figure(
        editsPerSecond,
        'edits/s',
        `${n} patches / time from the first local transaction in A until B's state vector holds A's final clock (then B's text checked equal to the trace's)`,
      ),
      ratioToBaseline: figure(
        editsPerSecond / baselineEditsPerSecond,
        'ratio',
        'editsPerSecond / the in-process bare Y.Doc pair baseline (same process, same replay loop)',
      ),
      sendLoopEditsPerSecond: figure(
        n / (sendLoopMs / 1000),
        'edits/s',
        `${n} patches / time for A's replay loop alone (the provider sends inside each transaction)`,
      ),
      convergedAfter: figure(convergedMs, 'ms', 'first local transaction in A → B holds the final state'),
      durableAck:
        durableMs !== undefined
          ? figure(
              durableMs,
              'ms',
              "first local transaction in A → A's whenDurable() resolves for the last patch",
            )
          : notApplicable(`${target.name} has no durable acknowledgement`),
      snapshotV2Bytes: figure(snapshotBytes, 'bytes', "Y.encodeStateAsUpdateV2 of B's final document"),
      restart,
    }
  } finally {
    await server.stop()
    await rm(storageDir, { recursive: true, force: true })
  }
}

async function textEquals(client: NoteClient, expected: string): Promise<void> {
  const text = client.doc.getText('content')
  if (text.length === expected.length && text.toString() === expected) return
  await new Promise<void>((resolve) => {
    const unsubscribe = client.onRemoteUpdate(() => {
      if (text.length === expected.length && text.toString() === expected) {
        unsubscribe()
        resolve()
      }
    })
  })
}
