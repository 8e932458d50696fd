// Runs every workload against one target and collects its results; a target whose start() says it is
// not wired yet is recorded as n/a with the reason, any other failure as an error.
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { BenchTarget } from './BenchTarget.ts'
import type { BenchSettings } from './BenchSettings.ts'
import type { TracePatch } from './traces.ts'
import { measureEditPropagation, type EditPropagationResult } from './workloads/measureEditPropagation.ts'
import { measureMemory, type MemoryResult } from './workloads/measureMemory.ts'
import { measureResync, type ResyncResult } from './workloads/measureResync.ts'
import { measureTraceReplay, type TraceReplayResult } from './workloads/measureTraceReplay.ts'

export interface TraceInput {
  readonly patches: readonly TracePatch[]
  readonly expected: string
  readonly baselineEditsPerSecond: number
}

export type TargetResult =
  | {
      readonly status: 'ok'
      readonly description: string
      readonly limits?: Readonly<Record<string, string>>
      readonly durable: boolean
      readonly editPropagation: EditPropagationResult
      readonly traceReplay: TraceReplayResult & { readonly runsEditsPerSecond: readonly number[] }
      readonly resync: ResyncResult
      readonly memory: MemoryResult
    }
  | { readonly status: 'error'; readonly description: string; readonly error: string }

export async function runTarget(
  target: BenchTarget,
  settings: BenchSettings,
  trace: TraceInput,
  log: (line: string) => void = () => {},
): Promise<TargetResult> {
  const storageDir = await mkdtemp(path.join(os.tmpdir(), `amber-bench-${target.name}-`))
  try {
    const server = await target.start({ storageDir })
    let editPropagation: EditPropagationResult
    let resync: ResyncResult
    try {
      log(`${target.name}: edit propagation, ${settings.edits} edits`)
      editPropagation = await measureEditPropagation(target, server, settings)
      log(`${target.name}: resync of one unchanged note`)
      resync = await measureResync(target, server, settings)
    } finally {
      await server.stop()
    }
    const runs: TraceReplayResult[] = []
    for (let r = 0; r < Math.max(1, settings.traceRepeats); r++) {
      log(
        `${target.name}: trace replay, ${trace.patches.length} patches, run ${r + 1}/${Math.max(1, settings.traceRepeats)}`,
      )
      runs.push(
        await measureTraceReplay(
          target,
          trace.patches,
          trace.expected,
          trace.baselineEditsPerSecond,
          settings,
        ),
      )
    }
    // Report the whole run whose throughput is the median, so its figures belong together; list every run's rate.
    const sorted = [...runs].sort((x, y) => x.editsPerSecond.value - y.editsPerSecond.value)
    const median = sorted[(sorted.length - 1) >> 1] as TraceReplayResult
    const traceReplay = {
      ...median,
      editsPerSecond: {
        ...median.editsPerSecond,
        method: `run with the median rate of ${runs.length} (lower median when even), each on a fresh server; ${median.editsPerSecond.method}`,
      },
      runsEditsPerSecond: runs.map((run) => Math.round(run.editsPerSecond.value)),
    }
    log(`${target.name}: memory, ${settings.notes} notes`)
    const memoryDir = await mkdtemp(path.join(storageDir, 'memory-'))
    const memory = await measureMemory(target, settings, memoryDir)
    return {
      status: 'ok',
      description: target.description,
      ...(target.limits === undefined ? {} : { limits: target.limits }),
      durable: target.durable,
      editPropagation,
      traceReplay,
      resync,
      memory,
    }
  } catch (err) {
    log(`${target.name}: FAILED ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
    return {
      status: 'error',
      description: target.description,
      error: err instanceof Error ? err.message : String(err),
    }
  } finally {
    await rm(storageDir, { recursive: true, force: true })
  }
}
