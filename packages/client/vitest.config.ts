import { configDefaults, defineConfig } from 'vitest/config'

// Unit, store-contract and Chromium store tests. The real-server tiers (test/e2e, test/workerd) run
// from vitest.e2e.config.ts with one shared `wrangler dev`.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, 'test/e2e/**', 'test/workerd/**'],
    testTimeout: 120_000,
  },
})
