// coalesce: the usage report's rate limit. Fake timers, so the intervals are exact and nothing sleeps.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { coalesce } from '../src/coalesce.ts'

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

const unexpected = (error: unknown) => {
  throw error
}

/** A run that stays in flight until the test settles it. */
function controlledRun() {
  const settles: (() => void)[] = []
  const run = vi.fn(() => new Promise<void>((resolve) => settles.push(resolve)))
  return { run, settleNext: () => settles.shift()!() }
}

describe('coalesce', () => {
  it('runs the first call at once and folds a burst into one run after the interval', async () => {
    const run = vi.fn(() => Promise.resolve())
    const report = coalesce(run, { intervalMs: 1000, onError: unexpected })
    report()
    expect(run).toHaveBeenCalledTimes(1)
    for (let i = 0; i < 100; i++) report()
    await vi.advanceTimersByTimeAsync(999)
    expect(run).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(run).toHaveBeenCalledTimes(2)
    // Nothing asked since: nothing runs.
    await vi.advanceTimersByTimeAsync(10_000)
    expect(run).toHaveBeenCalledTimes(2)
  })

  it('runs again at once when called after a quiet interval', async () => {
    const run = vi.fn(() => Promise.resolve())
    const report = coalesce(run, { intervalMs: 1000, onError: unexpected })
    report()
    await vi.advanceTimersByTimeAsync(5000)
    report()
    expect(run).toHaveBeenCalledTimes(2)
  })

  it('never starts a run while one is in flight, and still runs once after it for calls made meanwhile', async () => {
    const { run, settleNext } = controlledRun()
    const report = coalesce(run, { intervalMs: 0, onError: unexpected })
    report()
    report()
    report()
    await vi.advanceTimersByTimeAsync(100)
    expect(run).toHaveBeenCalledTimes(1)
    settleNext()
    await vi.advanceTimersByTimeAsync(0)
    expect(run).toHaveBeenCalledTimes(2)
    settleNext()
    await vi.advanceTimersByTimeAsync(0)
    expect(run).toHaveBeenCalledTimes(2)
  })

  it('keeps running after a run fails', async () => {
    let calls = 0
    const onError = vi.fn()
    const report = coalesce(
      () => (++calls === 1 ? Promise.reject(new Error('D1 down')) : Promise.resolve()),
      { intervalMs: 0, onError },
    )
    report()
    await vi.advanceTimersByTimeAsync(0)
    expect(onError).toHaveBeenCalledWith(new Error('D1 down'))
    report()
    await vi.advanceTimersByTimeAsync(0)
    expect(calls).toBe(2)
  })
})
