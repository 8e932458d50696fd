// Core tests run in plain Node; the same storage contract also runs inside workerd from apps/worker.
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: { environment: 'node', testTimeout: 120_000, include: ['test/**/*.test.ts'] },
})
