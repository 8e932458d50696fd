// Keeps the IndexedDB benchmark script working: the whole run, on a few notes (figures are meaningless here).

import { expect, it } from 'vitest'
import { BENCH_APPROACHES, runIndexedDbBench } from './indexedDbBench.ts'

it('the y-indexeddb versus one-database benchmark runs end to end on 40 notes', async () => {
  const result = await runIndexedDbBench({ notes: 40, runs: 1, commits: 12 })
  expect(Object.keys(result.approaches)).toEqual([...BENCH_APPROACHES])
  for (const figures of Object.values(result.approaches)) {
    expect(figures.writeMs).toHaveLength(1)
    expect(figures.openAllMs).toHaveLength(1)
  }
  expect(result.medianCommitLatencyMs.strict).toBeGreaterThan(0)
})
