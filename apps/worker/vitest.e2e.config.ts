// End-to-end tests in plain Node against the real local server: each test file starts `wrangler dev`
// itself (free ports, its own persisted state directory) and kills it when done.

import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    name: 'e2e',
    include: ['test/e2e/*.e2e.test.ts'],
    // One wrangler dev (workerd + esbuild) at a time is plenty for 2 cores.
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 120_000,
  },
})
