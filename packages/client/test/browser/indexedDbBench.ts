// Measures why IndexedDbStore keeps one database per vault: N small notes written and then opened again
// through y-indexeddb (one database per document) versus IndexedDbStore, in headless Chromium with an
// on-disk profile. Each run gets a fresh profile; the open phase runs in a relaunched browser, as an app
// start would. Prints JSON with every run's figures and their medians.
//
//   pnpm --filter @amber/client bench:indexeddb [--notes 10000] [--runs 3]

import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { bundle, launchBrowser, servePage, waitForGlobal } from './harness.ts'
import type { BrowserSession, PageServer } from './harness.ts'
import type { BenchApproach } from './indexedDbBench.page.ts'

export const BENCH_APPROACHES: readonly BenchApproach[] = ['y-indexeddb', 'vault-db (strict)', 'vault-db (relaxed)', 'vault-db (one batch)']

export interface ApproachFigures {
  readonly writeMs: number[]
  readonly openAllMs: number[]
  readonly medianWriteMs: number
  readonly medianOpenAllMs: number
}

export interface IndexedDbBenchResult {
  readonly notes: number
  readonly runs: number
  readonly chromium: string
  readonly approaches: Record<string, ApproachFigures>
  /** Median ms of one awaited keystroke-sized commit (an update plus its outbox entry), per durability. */
  readonly medianCommitLatencyMs: Record<'strict' | 'relaxed', number>
}

export async function runIndexedDbBench(options: {
  notes: number
  runs: number
  /** Awaited commits per durability for the latency figure; the first sixth are warm-up. */
  commits?: number
  log?: (line: string) => void
}): Promise<IndexedDbBenchResult> {
  const { notes, runs, commits = 300, log = () => undefined } = options
  const server = await servePage(await bundle(new URL('./indexedDbBench.page.ts', import.meta.url)), { title: 'IndexedDB bench' })
  const figures = new Map(BENCH_APPROACHES.map((approach) => [approach, { writeMs: [] as number[], openAllMs: [] as number[] }]))
  let chromium = ''
  const medianCommitLatencyMs = { strict: 0, relaxed: 0 }
  try {
    const session = await launchBrowser()
    try {
      const page = await session.newPage()
      await page.goto(server.url)
      await waitForGlobal(page, 'amberBench')
      for (const durability of ['strict', 'relaxed'] as const) {
        const times = await page.evaluate(([d, n]) => globalThis.amberBench.commitLatency(d, n), [durability, commits] as const)
        medianCommitLatencyMs[durability] = Math.round(median(times.slice(Math.floor(commits / 6))) * 100) / 100
        log(`commit latency (${durability}): median ${medianCommitLatencyMs[durability]} ms`)
      }
    } finally {
      await session.close()
    }
    for (let run = 0; run < runs; run++) {
      // Rotate the order so no approach always runs first on a cold machine.
      const order = BENCH_APPROACHES.map((_, i) => BENCH_APPROACHES[(i + run) % BENCH_APPROACHES.length]!)
      for (const approach of order) {
        const writer = await launchBrowser()
        try {
          chromium ||= writer.context.browser()?.version() ?? ''
          const writeMs = await inPage(writer, server, 'write', approach, notes)
          await writer.context.close()
          const reader = await launchBrowser({ userDataDir: writer.userDataDir })
          let openAllMs: number
          try {
            openAllMs = await inPage(reader, server, 'openAll', approach, notes)
          } finally {
            await reader.close()
          }
          figures.get(approach)!.writeMs.push(Math.round(writeMs))
          figures.get(approach)!.openAllMs.push(Math.round(openAllMs))
          log(`run ${run + 1}/${runs} ${approach}: write ${Math.round(writeMs)} ms, open all ${Math.round(openAllMs)} ms`)
        } finally {
          await writer.close()
        }
      }
    }
  } finally {
    await server.close()
  }
  const approaches: Record<string, ApproachFigures> = {}
  for (const [approach, { writeMs, openAllMs }] of figures) {
    approaches[approach] = { writeMs, openAllMs, medianWriteMs: Math.round(median(writeMs)), medianOpenAllMs: Math.round(median(openAllMs)) }
  }
  return { notes, runs, chromium, approaches, medianCommitLatencyMs }
}

async function inPage(
  session: BrowserSession,
  server: PageServer,
  phase: 'write' | 'openAll',
  approach: BenchApproach,
  notes: number,
): Promise<number> {
  const page = await session.newPage()
  await page.goto(server.url)
  await waitForGlobal(page, 'amberBench')
  return page.evaluate(([p, a, n]) => globalThis.amberBench[p](a, n), [phase, approach, notes] as const)
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { notes: { type: 'string', default: '10000' }, runs: { type: 'string', default: '3' } } })
  const result = await runIndexedDbBench({
    notes: Number(values.notes),
    runs: Number(values.runs),
    log: (line) => console.error(line),
  })
  console.log(JSON.stringify(result, null, 2))
}
