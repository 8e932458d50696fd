// Integration tests inside workerd (@cloudflare/vitest-pool-workers) against wrangler.jsonc's bindings.
// A second project runs with tiny flush/compaction thresholds so cold-storage paths fire within a test,
// a third with small limits, a fourth with a short binary GC grace.
// Both apply the D1 registry migrations before each test file and know the test admin secret.

import path from 'node:path'
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'
import { TEST_ADMIN_TOKEN, TEST_JWT_ISSUER, TEST_JWT_SECRET } from './test/support/testSecrets.ts'

/** Thresholds small enough that a handful of edits flushes hot entries to R2 and compacts segments. */
const SMALL_THRESHOLDS = {
  AMBER_BATCH_WINDOW_MS: '1',
  AMBER_FLUSH_BYTES: '64',
  AMBER_FLUSH_ENTRIES: '2',
  AMBER_FLUSH_AFTER_MS: '50',
  AMBER_COMPACT_SEGMENTS: '2',
}

export default defineConfig(async () => {
  const bindings = {
    TEST_MIGRATIONS: await readD1Migrations(path.join(import.meta.dirname, 'migrations')),
    AMBER_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    AMBER_JWT_ISSUER: TEST_JWT_ISSUER,
    AMBER_JWT_SECRET: TEST_JWT_SECRET,
    // Usage reports follow within 50 ms instead of 10 s, so tests that wait for the registry wait little.
    AMBER_USAGE_REPORT_MS: '50',
  }
  const setupFiles = ['./test/support/applyMigrations.ts']
  return {
    test: {
      projects: [
        {
          plugins: [cloudflareTest({ wrangler: { configPath: './wrangler.jsonc' }, miniflare: { bindings } })],
          test: { name: 'workerd', testTimeout: 30_000, setupFiles, include: ['test/*.test.ts'], exclude: ['test/*.small.test.ts', 'test/*.limits.test.ts', 'test/*.gc.test.ts'] },
        },
        {
          plugins: [cloudflareTest({ wrangler: { configPath: './wrangler.jsonc' }, miniflare: { bindings: { ...bindings, ...SMALL_THRESHOLDS } } })],
          test: { name: 'workerd-small-thresholds', testTimeout: 30_000, setupFiles, include: ['test/*.small.test.ts'] },
        },
        {
          plugins: [cloudflareTest({ wrangler: { configPath: './wrangler.jsonc' }, miniflare: { bindings: { ...bindings, ...SMALL_LIMITS } } })],
          test: { name: 'workerd-small-limits', testTimeout: 30_000, setupFiles, include: ['test/*.limits.test.ts'] },
        },
        {
          plugins: [cloudflareTest({ wrangler: { configPath: './wrangler.jsonc' }, miniflare: { bindings: { ...bindings, ...BLOB_GC } } })],
          test: { name: 'workerd-blob-gc', testTimeout: 30_000, setupFiles, include: ['test/*.gc.test.ts'] },
        },
      ],
    },
  }
})

/** Limits small enough to hit in a test, with room for a well-behaved client's ordinary traffic. */
const SMALL_LIMITS = {
  AMBER_MAX_FRAME_BYTES: '65536',
  AMBER_MAX_UPDATE_BYTES: '32768',
  AMBER_MAX_DOC_BYTES: '16384',
  AMBER_QUOTA_BYTES: '49152',
  AMBER_MESSAGE_RATE: '50',
  AMBER_MESSAGE_BURST: '100',
  AMBER_REVOCATION_DELAY_MS: '1000',
  AMBER_TICKET_TTL_MS: '1500',
}

/**
 * A GC grace long enough that nothing expires by itself during a test; tests age the index instead
 * (ageBlobs), so what is collected is decided by the test, never by how fast the machine is.
 */
const BLOB_GC = {
  AMBER_BLOB_GC_GRACE_MS: '60000',
}
