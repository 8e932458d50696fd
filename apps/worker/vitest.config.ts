// Integration tests inside workerd (@cloudflare/vitest-pool-workers) against wrangler.jsonc's bindings.
// A second project runs with tiny flush/compaction thresholds so cold-storage paths fire within a test.

import { cloudflareTest } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'

/** Thresholds small enough that a handful of edits flushes hot entries to R2 and compacts segments. */
const SMALL_THRESHOLDS = {
  AMBER_BATCH_WINDOW_MS: '1',
  AMBER_FLUSH_BYTES: '64',
  AMBER_FLUSH_ENTRIES: '2',
  AMBER_FLUSH_AFTER_MS: '50',
  AMBER_COMPACT_SEGMENTS: '2',
}

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [cloudflareTest({ wrangler: { configPath: './wrangler.jsonc' } })],
        test: { name: 'workerd', testTimeout: 30_000, include: ['test/*.test.ts'], exclude: ['test/*.small.test.ts'] },
      },
      {
        plugins: [cloudflareTest({ wrangler: { configPath: './wrangler.jsonc' }, miniflare: { bindings: SMALL_THRESHOLDS } })],
        test: { name: 'workerd-small-thresholds', testTimeout: 30_000, include: ['test/*.small.test.ts'] },
      },
    ],
  },
})
