// Watches a download's destination file while it runs: every few milliseconds it reads the whole file
// and records any content that is neither the old full file nor the new full file (a partial write).

import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'

export class DestinationWatcher {
  readonly #allowed: Set<string>
  readonly #timer: ReturnType<typeof setInterval>
  /** Reads that saw the file (a missing file counts as allowed: the old state of a first download). */
  reads = 0
  readonly violations: string[] = []

  constructor(
    private readonly path: string,
    allowed: readonly Uint8Array[],
  ) {
    this.#allowed = new Set(allowed.map(digest))
    this.#timer = setInterval(() => this.check(), 2)
  }

  check(): void {
    let bytes: Uint8Array
    try {
      bytes = readFileSync(this.path)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return // no file yet: the old state
      throw error
    }
    this.reads++
    const hash = digest(bytes)
    if (!this.#allowed.has(hash)) this.violations.push(`${bytes.length} bytes, sha256 ${hash}`)
  }

  stop(): void {
    clearInterval(this.#timer)
    this.check()
  }
}

function digest(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}
