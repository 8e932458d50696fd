// The bindings and vars the Worker is deployed with (wrangler.jsonc); the one place their types are written.

import type { VaultDO } from './VaultDO.ts'

export interface Env {
  readonly VAULT: DurableObjectNamespace<VaultDO>
  readonly BLOBS: R2Bucket
  readonly DB: D1Database
  /** The operator's secret: creates vaults and acts as owner of every vault. Unset disables it. */
  readonly AMBER_ADMIN_TOKEN?: string
  readonly AMBER_TICKET_TTL_MS?: string
  readonly AMBER_REVOCATION_DELAY_MS?: string
  readonly AMBER_ALLOWED_ORIGINS?: string
  /** Foreign identity (src/identity/jwtVerifier.ts): issuer plus a shared secret or a JWKS URL. */
  readonly AMBER_JWT_ISSUER?: string
  readonly AMBER_JWT_SECRET?: string
  readonly AMBER_JWT_JWKS_URL?: string
  readonly AMBER_BATCH_WINDOW_MS?: string
  readonly AMBER_FLUSH_BYTES?: string
  readonly AMBER_FLUSH_ENTRIES?: string
  readonly AMBER_FLUSH_AFTER_MS?: string
  readonly AMBER_COMPACT_SEGMENTS?: string
  readonly AMBER_UNLOAD_IDLE_MS?: string
  readonly AMBER_MAX_UPDATE_BYTES?: string
  readonly AMBER_MAX_FRAME_BYTES?: string
  readonly AMBER_MAX_UPDATE_STRUCTS?: string
  readonly AMBER_MAX_DOC_BYTES?: string
  readonly AMBER_QUOTA_BYTES?: string
  readonly AMBER_MESSAGE_RATE?: string
  readonly AMBER_MESSAGE_BURST?: string
  readonly AMBER_SERVED_BASE_TTL_MS?: string
  readonly AMBER_MANIFEST_FLUSH_MS?: string
  readonly AMBER_USAGE_REPORT_MS?: string
  /** Binary GC (src/blobs/collectGarbage.ts): grace of unreferenced chunks, and the live share below which a pack is repacked. */
  readonly AMBER_BLOB_GC_GRACE_MS?: string
  readonly AMBER_REPACK_BELOW?: string
  /** Test hook (never set in production): delays every hot-storage commit by this many ms. */
  readonly AMBER_TEST_COMMIT_DELAY_MS?: string
}
