// The parameters of a run: a profile (`full` for `pnpm bench`, `ci` for the smoke test) plus env overrides.
import os from 'node:os'

export const PROFILES = ['full', 'ci'] as const
export type Profile = (typeof PROFILES)[number]

export interface BenchSettings {
  readonly profile: Profile
  /** Measured single-character edits in the propagation workload (EDITS). */
  readonly edits: number
  /** Edits sent first and left out of the statistics (WARMUP_EDITS). */
  readonly warmupEdits: number
  /** Trace name in shared/corpus/traces (TRACE). */
  readonly trace: string
  /** Patches of the trace to replay; the whole trace when it has fewer (TRACE_EDITS). */
  readonly traceEdits: number
  /** The replay loop yields to the event loop (setImmediate) after this many patches (TRACE_YIELD_EVERY). */
  readonly traceYieldEvery: number
  /** Repetitions of the trace replay per target, each on a fresh server; the median run is reported (TRACE_REPEATS). */
  readonly traceRepeats: number
  /** Repetitions of the in-process baseline replay; the median is reported (BASELINE_REPEATS). */
  readonly baselineRepeats: number
  /** Notes held open in the memory workload (NOTES). */
  readonly notes: number
  /** Size of each note's text, ASCII, in bytes (NOTE_BYTES); also the resync note's size. */
  readonly noteBytes: number
  /** Client sessions the notes are spread over in the memory workload (IDLE_CLIENTS). */
  readonly idleClients: number
  /** Notes opened concurrently while loading the memory workload (OPEN_CONCURRENCY). */
  readonly openConcurrency: number
  /** Upper bound for any single wait, e.g. B converging on the trace (WAIT_TIMEOUT_MS). */
  readonly waitTimeoutMs: number
  /** Comma-separated target names to run; all when empty (TARGETS). */
  readonly targets: readonly string[]
}

const DEFAULTS: Record<Profile, Omit<BenchSettings, 'profile' | 'trace' | 'targets'>> = {
  full: {
    edits: 2000,
    warmupEdits: 50,
    traceEdits: Number.POSITIVE_INFINITY,
    traceYieldEvery: 1000,
    traceRepeats: 3,
    baselineRepeats: 3,
    notes: 1000,
    noteBytes: 2048,
    idleClients: 10,
    openConcurrency: 50,
    waitTimeoutMs: 300_000,
  },
  ci: {
    edits: 50,
    warmupEdits: 5,
    traceEdits: 20,
    traceYieldEvery: 1000,
    traceRepeats: 1,
    baselineRepeats: 1,
    notes: 20,
    noteBytes: 2048,
    idleClients: 2,
    openConcurrency: 10,
    waitTimeoutMs: 30_000,
  },
}

/** Reads BENCH_PROFILE and the per-parameter env overrides named in `BenchSettings`. */
export function readBenchSettings(env: NodeJS.ProcessEnv = process.env, profile?: Profile): BenchSettings {
  const chosen = profile ?? parseProfile(env.BENCH_PROFILE)
  const d = DEFAULTS[chosen]
  return {
    profile: chosen,
    edits: int(env.EDITS, d.edits),
    warmupEdits: int(env.WARMUP_EDITS, d.warmupEdits),
    trace: env.TRACE ?? 'automerge-paper',
    traceEdits: int(env.TRACE_EDITS, d.traceEdits),
    traceYieldEvery: int(env.TRACE_YIELD_EVERY, d.traceYieldEvery),
    traceRepeats: int(env.TRACE_REPEATS, d.traceRepeats),
    baselineRepeats: int(env.BASELINE_REPEATS, d.baselineRepeats),
    notes: int(env.NOTES, d.notes),
    noteBytes: int(env.NOTE_BYTES, d.noteBytes),
    idleClients: int(env.IDLE_CLIENTS, d.idleClients),
    openConcurrency: int(env.OPEN_CONCURRENCY, d.openConcurrency),
    waitTimeoutMs: int(env.WAIT_TIMEOUT_MS, d.waitTimeoutMs),
    targets: (env.TARGETS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  }
}

/** The machine the figures came from. */
export function describeMachine(): Record<string, string | number> {
  return {
    platform: `${os.platform()} ${os.release()}`,
    arch: os.arch(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    cpuCount: os.cpus().length,
    totalMemoryBytes: os.totalmem(),
    nodeVersion: process.version,
  }
}

function parseProfile(value: string | undefined): Profile {
  if (value === undefined || value === '') return 'full'
  if ((PROFILES as readonly string[]).includes(value)) return value as Profile
  throw new Error(`BENCH_PROFILE must be one of ${PROFILES.join(', ')}, got ${value}`)
}

function int(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new Error(`expected a non-negative integer, got ${value}`)
  return n
}
