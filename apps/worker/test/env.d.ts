// Types `env` from cloudflare:test / cloudflare:workers as the Worker's own Env.

import type { Env as WorkerEnv } from '../src/Env.ts'

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {}
  }
}
