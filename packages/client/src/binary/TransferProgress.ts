// Progress of one binary transfer, by phase. Bytes done only grow within a phase, whatever retries,
// refetches and resumes happen underneath: a bar never jumps back.

/** What a transfer is doing: `chunking` and `uploading` then `committing` (writes), `downloading` then `verifying` (reads). */
export type TransferPhase = 'chunking' | 'uploading' | 'downloading' | 'verifying' | 'committing'

/**
 * Progress of `writeFile`, `writeFiles`, `readFile`, `uploadFile(s)` or `downloadFile` (a batch reports as one
 * transfer); `bytesDone` never decreases within a phase and ends at `bytesTotal`.
 * @example
 * await vault.writeFile('Photos/cat.jpg', bytes, {
 *   onProgress: ({ phase, bytesDone, bytesTotal }) => bar.set(phase, bytesDone / bytesTotal),
 * })
 */
export interface TransferProgress {
  readonly phase: TransferPhase
  readonly bytesDone: number
  /** What the phase moves: the file size (a batch: every file's) when chunking or verifying; only what is missing when uploading or downloading. */
  readonly bytesTotal: number
}

/** Keeps each phase's counters monotonic and reports them. */
export class ProgressReporter {
  readonly #phases = new Map<TransferPhase, { done: number; total: number }>()

  constructor(private readonly listener: ((progress: TransferProgress) => void) | undefined) {}

  /** Starts a phase with its total; a phase already begun (a retry) keeps its counters. */
  begin(phase: TransferPhase, total: number): void {
    if (this.#phases.has(phase)) return
    this.expect(phase, total)
  }

  /** Adds to a phase's total (more to move than known before) and reports. */
  expect(phase: TransferPhase, bytes: number): void {
    this.#phase(phase).total += bytes
    this.#report(phase)
  }

  /** Counts bytes moved (never more than the total). */
  advance(phase: TransferPhase, bytes: number): void {
    const counters = this.#phase(phase)
    counters.done = Math.min(counters.total, counters.done + bytes)
    this.#report(phase)
  }

  /** The phase is over: done reaches the total (what a cut-off answer did not report got there too). */
  finish(phase: TransferPhase): void {
    const counters = this.#phase(phase)
    counters.done = counters.total
    this.#report(phase)
  }

  #phase(phase: TransferPhase): { done: number; total: number } {
    let counters = this.#phases.get(phase)
    if (!counters) this.#phases.set(phase, (counters = { done: 0, total: 0 }))
    return counters
  }

  #report(phase: TransferPhase): void {
    if (!this.listener) return
    const { done, total } = this.#phase(phase)
    try {
      this.listener({ phase, bytesDone: done, bytesTotal: total })
    } catch (error) {
      // An app's progress bar must not break the transfer; surface the bug where uncaught errors go.
      queueMicrotask(() => {
        throw error
      })
    }
  }
}
