// Proves the harness works end to end at a tiny size: every peer target runs every workload in its own
// child process on 127.0.0.1, Amber's worker runs them under wrangler dev, and the core-room workloads run.
import { describe, expect, it } from 'vitest'
import { readBenchSettings } from '../src/BenchSettings.ts'
import { runTarget, type TraceInput } from '../src/runTarget.ts'
import { AMBER_BENCH_LIMITS, amberTarget } from '../src/targets/amber.ts'
import { hocuspocusMemoryTarget, hocuspocusSqliteTarget } from '../src/targets/hocuspocus.ts'
import { yWebsocketRefTarget } from '../src/targets/yWebsocketRef.ts'
import { applyPatches, loadSequentialTrace, toUtf16Patches } from '../src/traces.ts'
import { measureTraceBaseline } from '../src/workloads/measureTraceBaseline.ts'
import { measureTraceStorage } from '../src/core/measureTraceStorage.ts'
import { measureVaultReconnect } from '../src/core/measureVault.ts'
import { measureChunkingParameters, measureChunkingThroughput } from '../src/binaries/measureChunking.ts'

const settings = { ...readBenchSettings({}, 'ci'), edits: 50, traceEdits: 20, notes: 20, idleClients: 2 }

let cached: Promise<TraceInput> | undefined
const tinyTrace = (): Promise<TraceInput> => (cached ??= loadTinyTrace())

async function loadTinyTrace(): Promise<TraceInput> {
  const trace = loadSequentialTrace('automerge-paper')
  const patches = toUtf16Patches(trace, settings.traceEdits)
  const expected = applyPatches(trace.startContent, patches)
  const baseline = await measureTraceBaseline(patches, expected, settings)
  return { patches, expected, baselineEditsPerSecond: baseline.editsPerSecond.value }
}

describe('bench harness smoke', () => {
  for (const target of [hocuspocusMemoryTarget, hocuspocusSqliteTarget, yWebsocketRefTarget]) {
    it(`runs every workload against ${target.name}`, { timeout: 30_000 }, async () => {
      const result = await runTarget(target, settings, await tinyTrace())
      if (result.status !== 'ok') throw new Error(`${target.name}: ${JSON.stringify(result)}`)
      expect(result.editPropagation.latencyP50.value).toBeGreaterThan(0)
      expect(result.editPropagation.latencyP99.value).toBeGreaterThanOrEqual(
        result.editPropagation.latencyP50.value,
      )
      expect(result.editPropagation.durableAckP50.value).toBe('n/a')
      expect(result.traceReplay.patches).toBe(20)
      expect(result.traceReplay.editsPerSecond.value).toBeGreaterThan(0)
      expect('reload' in result.traceReplay.restart).toBe(target.durable)
      expect(result.resync.unchangedNote.syncBytes.value).toBeGreaterThan(0)
      expect(result.resync.coldFetch.receivedBytes.value).toBeGreaterThan(settings.noteBytes)
      expect(result.memory.rssLoaded.value).toBeGreaterThan(0)
      expect(result.memory.heapUsedLoaded.value).not.toBe('n/a')
    })
  }

  it('runs every workload against amber (wrangler dev), with a durable ack and a reload from storage', { timeout: 180_000 }, async () => {
    const result = await runTarget(amberTarget, settings, await tinyTrace())
    if (result.status !== 'ok') throw new Error(`amber: ${JSON.stringify(result)}`)
    // The results state the limits the server ran with.
    expect(result.limits).toEqual(AMBER_BENCH_LIMITS)
    expect(result.editPropagation.latencyP50.value).toBeGreaterThan(0)
    expect(result.editPropagation.durableAckP50.value).toBeGreaterThan(0)
    expect(result.traceReplay.patches).toBe(20)
    expect('reload' in result.traceReplay.restart).toBe(true)
    expect(result.resync.coldFetch.receivedBytes.value).toBeGreaterThan(settings.noteBytes)
    expect(result.memory.rssLoaded.value).toBeGreaterThan(0)
  })

  it('measures the core room workloads at a tiny size', { timeout: 180_000 }, async () => {
    const vault = { notes: 50, longHistoryShare: 0.1, longHistoryEdits: 20, idleClients: 2 }
    const reconnect = await measureVaultReconnect(vault)
    expect(reconnect.unchanged.roundTrips).toBe(1)
    expect(reconnect.afterDeleteOnlyEdit.converged).toBe(true)
    const { patches, expected } = await tinyTrace()
    const storage = await measureTraceStorage(patches, expected)
    expect(storage.storageCommitsPer100Updates).toBeLessThanOrEqual(100)
    expect(storage.storedBytesAfterCompaction).toBeGreaterThan(0)
  })
})

describe('binaries bench smoke', () => {
  it('measures chunking throughput and the parameter study at a tiny size', () => {
    const settings = { throughputBytes: 2 * 1024 * 1024, runs: 1, editFileBytes: 2 * 1024 * 1024, editPositions: 2 }
    const throughput = measureChunkingThroughput(settings)
    expect(throughput.chunkAndHashMBps).toBeGreaterThan(0)
    expect(throughput.ratioToSha256).toBeGreaterThan(0)
    const study = measureChunkingParameters(settings)
    expect(study.filter(({ chosen }) => chosen)).toHaveLength(1)
    for (const candidate of study) expect(candidate.overwrite1B.maxChunks).toBeLessThanOrEqual(2)
  })
})
