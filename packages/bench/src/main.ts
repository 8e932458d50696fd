// `pnpm --filter @amber/bench bench`: runs every workload against every target, prints one JSON
// document to stdout (progress goes to stderr) and writes it to bench-results/<timestamp>.json.
import { mkdir, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describeMachine, readBenchSettings } from './BenchSettings.ts'
import { runTarget, type TargetResult } from './runTarget.ts'
import { ALL_TARGETS } from './targets/allTargets.ts'
import { applyPatches, loadSequentialTrace, toUtf16Patches } from './traces.ts'
import { measureTraceBaseline } from './workloads/measureTraceBaseline.ts'
import { measureColdOpen } from './core/measureColdOpen.ts'
import { measureRoomMemory, measureVaultReconnect } from './core/measureVault.ts'
import { measureTraceStorage } from './core/measureTraceStorage.ts'
import { measureChunkingParameters, measureChunkingThroughput } from './binaries/measureChunking.ts'
import { measureBinaryTransfers } from './binaries/measureTransfers.ts'

const log = (line: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`)
}

async function main(): Promise<void> {
  const settings = readBenchSettings()
  const targets =
    settings.targets.length > 0 ? ALL_TARGETS.filter((t) => settings.targets.includes(t.name)) : ALL_TARGETS
  if (targets.length === 0)
    throw new Error(
      `TARGETS=${settings.targets.join(',')} names no target; known: ${ALL_TARGETS.map((t) => t.name).join(', ')}`,
    )

  // Other work on this 2-core machine skews every figure; the load averages let a reader judge by how much.
  const loadAverageAtStart = os.loadavg()
  log(`profile ${settings.profile}; loading trace ${settings.trace}`)
  const trace = loadSequentialTrace(settings.trace)
  const patches = toUtf16Patches(trace, settings.traceEdits)
  const expected =
    patches.length === trace.patchCount ? trace.endContent : applyPatches(trace.startContent, patches)
  if (trace.startContent !== '')
    throw new Error(`${trace.name}: replay from a non-empty startContent is not supported`)

  log(`baseline: ${patches.length} patches into a bare Y.Doc pair, ${settings.baselineRepeats}×`)
  const baseline = await measureTraceBaseline(patches, expected, settings)

  const results: Record<string, TargetResult> = {}
  for (const target of targets)
    results[target.name] = await runTarget(
      target,
      settings,
      { patches, expected, baselineEditsPerSecond: baseline.editsPerSecond.value },
      log,
    )

  // The core room in Node: figures workerd cannot give (heap) and vault-level workloads no peer speaks.
  const small = settings.profile === 'ci'
  const vault = {
    notes: Number(process.env.CORE_NOTES ?? (small ? 200 : 10_000)),
    longHistoryShare: 0.05,
    longHistoryEdits: 300,
    idleClients: Number(process.env.CORE_IDLE_CLIENTS ?? (small ? 10 : 100)),
  }
  log(`core room: cold open, ${vault.notes}-note vault reconnect, memory with ${vault.idleClients} idle clients`)
  const coreRoom = {
    settings: vault,
    traceStorage: await measureTraceStorage(patches, expected),
    coldOpen: await measureColdOpen({ traceEdits: small ? 2_000 : undefined, tail: small ? 500 : 10_000, runs: small ? 3 : 7 }),
    vaultReconnect: await measureVaultReconnect(vault),
    memory: await measureRoomMemory(vault),
  }

  const MiB = 1024 * 1024
  const chunking = { throughputBytes: (small ? 16 : 256) * MiB, runs: small ? 1 : 5, editFileBytes: (small ? 4 : 100) * MiB, editPositions: small ? 2 : 8 }
  log(`binaries: chunking throughput over ${chunking.throughputBytes / MiB} MiB, parameter study on ${chunking.editFileBytes / MiB} MiB`)
  const transfers = { editFileBytes: (small ? 4 : 100) * MiB, mixedBytes: small ? 16 * MiB : 1e9 }
  const binaries = {
    chunking: { settings: chunking, throughput: measureChunkingThroughput(chunking), parameters: measureChunkingParameters(chunking) },
    transfers: { settings: transfers, ...(await measureBinaryTransfers(transfers, log)) },
  }

  const report = {
    generatedAt: new Date().toISOString(),
    settings: {
      ...settings,
      traceEdits: patches.length,
      traceTotalEdits: trace.patchCount,
      traceHasAstralCharacters: trace.hasAstral,
      nodeVersion: process.version,
      cpuCount: describeMachine().cpuCount,
      serversListenOn: '127.0.0.1 (each peer in its own child process, killed at the end)',
    },
    machine: { ...describeMachine(), loadAverageAtStart, loadAverageAtEnd: os.loadavg() },
    baseline: { trace: settings.trace, ...baseline },
    targets: results,
    coreRoom,
    binaries,
  }
  const json = JSON.stringify(report, null, 2)
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
  const outDir = path.join(repoRoot, 'bench-results')
  await mkdir(outDir, { recursive: true })
  const outFile = path.join(outDir, `${report.generatedAt.replace(/[:.]/g, '-')}.json`)
  await writeFile(outFile, `${json}\n`)
  process.stdout.write(`${json}\n`)
  log(`wrote ${path.relative(repoRoot, outFile)}`)
  if (Object.values(results).some((r) => r.status === 'error')) process.exitCode = 1
}

await main()
