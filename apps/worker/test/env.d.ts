// Types `env` from cloudflare:test / cloudflare:workers as the Worker's own Env, plus test-only bindings.

import type { D1Migration } from 'cloudflare:test'
import type { Env as WorkerEnv } from '../src/Env.ts'

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      readonly TEST_MIGRATIONS: D1Migration[]
    }
  }
}
