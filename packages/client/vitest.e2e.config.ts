// End-to-end tests against ONE real local server (`wrangler dev`, started by test/e2e/globalSetup.ts):
// the SDK from Node (`ws`, SQLite), from headless Chromium (IndexedDB) and from inside workerd.

import { cloudflareTest } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    globalSetup: ['./test/e2e/globalSetup.ts'],
    projects: [
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/*.e2e.test.ts'],
          // One file at a time: the server, a Chromium and a child process are plenty for 2 cores.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        plugins: [cloudflareTest({ wrangler: { configPath: './test/workerd/wrangler.jsonc' } })],
        test: { name: 'workerd', include: ['test/workerd/*.test.ts'], testTimeout: 60_000 },
      },
    ],
  },
})
