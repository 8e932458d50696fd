// The bindings and vars the Worker is deployed with (wrangler.jsonc); the one place their types are written.

import type { VaultDO } from './VaultDO.ts'

export interface Env {
  readonly VAULT: DurableObjectNamespace<VaultDO>
  readonly BLOBS: R2Bucket
  readonly AMBER_BATCH_WINDOW_MS?: string
  readonly AMBER_FLUSH_BYTES?: string
  readonly AMBER_FLUSH_ENTRIES?: string
  readonly AMBER_FLUSH_AFTER_MS?: string
  readonly AMBER_COMPACT_SEGMENTS?: string
  readonly AMBER_UNLOAD_IDLE_MS?: string
  readonly AMBER_MAX_UPDATE_BYTES?: string
  readonly AMBER_MAX_FRAME_BYTES?: string
  readonly AMBER_MAX_UPDATE_STRUCTS?: string
}
