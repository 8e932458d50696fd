// A test hook, off unless AMBER_TEST_COMMIT_DELAY_MS is set: holds every hot-storage commit back by that
// long, so an end-to-end test can watch a client wait for its durable ack while the write is pending.

import type { StorageAdapter } from '@amber/core'

export function delayCommits(adapter: StorageAdapter, delayMs: number): StorageAdapter {
  return {
    load: (key) => adapter.load(key),
    loadRange: (prefix) => adapter.loadRange(prefix),
    listKeys: (prefix) => adapter.listKeys(prefix),
    commit: async (batch) => {
      await new Promise((resolve) => setTimeout(resolve, delayMs))
      await adapter.commit(batch)
    },
  }
}
