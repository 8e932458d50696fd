// Test-only environment for deterministic runs: only setTimeout is faked (commit batches, reconnect
// backoff advance with the simulated clock), and SHA-256 resolves without a threadpool round trip, so
// a settle (one real setImmediate) drains all storage work and a seed replays the same interleaving.

import { createHash } from 'node:crypto'
import { vi } from 'vitest'

export function useSimulatedEnvironment(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
  vi.spyOn(crypto.subtle, 'digest').mockImplementation(async (_algorithm, data) => {
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    const digest = createHash('sha256').update(bytes).digest()
    return digest.buffer.slice(digest.byteOffset, digest.byteOffset + digest.byteLength)
  })
}

export function restoreEnvironment(): void {
  vi.restoreAllMocks()
  vi.useRealTimers()
}
