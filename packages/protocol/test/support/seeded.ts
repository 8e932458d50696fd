// Seeded randomness for the protocol fuzzers: `SEED=<n>` replays a run; a failure names its seed.

import * as prng from 'lib0/prng'

export type PRNG = prng.PRNG

/** The run's base seed: `SEED` from the environment, or a fresh random one. */
export function baseSeed(): number {
  const fromEnv = process.env.SEED
  if (fromEnv !== undefined && fromEnv !== '') {
    const seed = Number(fromEnv)
    if (!Number.isSafeInteger(seed)) throw new Error(`SEED must be an integer, got ${fromEnv}`)
    return seed
  }
  return Math.floor(Math.random() * 2 ** 31)
}

/**
 * Runs `iterations` seeded cases (seed = base + i). A failing case is rethrown with the command line
 * that replays the run, so a seed that found a bug can become a named test.
 */
export function forEachSeed(name: string, iterations: number, run: (gen: PRNG, seed: number, i: number) => void): void {
  const base = baseSeed()
  for (let i = 0; i < iterations; i++) {
    const seed = base + i
    try {
      run(prng.create(seed), seed, i)
    } catch (error) {
      const message = `${name} failed at iteration ${i} (case seed ${seed}); replay with SEED=${base}`
      console.error(message)
      throw new Error(`${message}: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
    }
  }
}
