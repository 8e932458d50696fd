// Applies the registry schema to the test D1 before each test file (already-applied migrations are skipped).

import { applyD1Migrations, env } from 'cloudflare:test'

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS)
