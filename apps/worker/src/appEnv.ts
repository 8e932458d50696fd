// The Hono environment of every route: the Worker's bindings, and per-request values set by middleware.

import type { AccessConfig } from './config.ts'
import type { Env } from './Env.ts'
import type { Registry } from './registry/Registry.ts'

export interface AppEnv {
  Bindings: Env
  Variables: { registry: Registry; access: AccessConfig }
}
