// Turns the Worker's string vars into a validated Partial<RoomConfig>. A typo in wrangler.jsonc must fail
// loudly when the room opens, not silently fall back to a default or to NaN.

import type { RoomConfig } from '@amber/core'
import { parseAllowedOrigins } from './auth/origin.ts'
import type { Env } from './Env.ts'

/** Which var sets which RoomConfig field. */
export const ROOM_CONFIG_VARS = {
  AMBER_BATCH_WINDOW_MS: 'batchWindowMs',
  AMBER_MAX_UPDATE_BYTES: 'maxUpdateBytes',
  AMBER_MAX_UPDATE_STRUCTS: 'maxUpdateStructs',
  AMBER_MAX_FRAME_BYTES: 'maxFrameBytes',
  AMBER_FLUSH_BYTES: 'flushBytes',
  AMBER_FLUSH_ENTRIES: 'flushEntries',
  AMBER_FLUSH_AFTER_MS: 'flushAfterMs',
  AMBER_COMPACT_SEGMENTS: 'compactSegments',
  AMBER_COMPACT_BYTES: 'compactBytes',
  AMBER_UNLOAD_IDLE_MS: 'unloadIdleMs',
  AMBER_MAX_DOC_BYTES: 'maxDocBytes',
  AMBER_QUOTA_BYTES: 'quotaBytes',
  AMBER_MESSAGE_RATE: 'messageRatePerSecond',
  AMBER_MESSAGE_BURST: 'messageBurst',
  AMBER_SERVED_BASE_TTL_MS: 'servedBaseTtlMs',
} as const satisfies Record<string, keyof RoomConfig>

export type RoomConfigVar = keyof typeof ROOM_CONFIG_VARS

/** Thresholds that must be at least 1 (a zero would flush or compact on every write, or accept nothing). */
const POSITIVE = new Set<keyof RoomConfig>([
  'maxUpdateBytes',
  'maxUpdateStructs',
  'maxFrameBytes',
  'flushBytes',
  'flushEntries',
  'compactSegments',
  'compactBytes',
  'maxDocBytes',
  'quotaBytes',
  'messageRatePerSecond',
  'messageBurst',
])

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

/** Parses one non-negative integer var; undefined when unset or empty. */
function parseCount(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a non-negative integer, got ${JSON.stringify(raw)}`)
  const value = Number(raw.trim())
  if (!Number.isSafeInteger(value)) throw new ConfigError(`${name} is too large: ${raw}`)
  return value
}

/** Parses the room vars present in `env`; unset or empty vars are left to the core defaults. */
export function parseRoomConfig(env: Partial<Record<RoomConfigVar, string | undefined>>): Partial<RoomConfig> {
  const config: { -readonly [K in keyof RoomConfig]?: RoomConfig[K] } = {}
  for (const [name, field] of Object.entries(ROOM_CONFIG_VARS) as [RoomConfigVar, keyof RoomConfig][]) {
    const value = parseCount(name, env[name])
    if (value === undefined) continue
    if (value === 0 && POSITIVE.has(field)) throw new ConfigError(`${name} must be at least 1`)
    config[field] = value
  }
  return config
}

/** The room config of a deployed Worker. */
export function roomConfigFromEnv(env: Env): Partial<RoomConfig> {
  return parseRoomConfig(env)
}

/** Access-control durations and the browser origins allowed besides the server's own. */
export interface AccessConfig {
  /** How long a ticket may wait before it opens its socket. */
  readonly ticketTtlMs: number
  /** Revoking a token closes its open sockets within this. */
  readonly revocationDelayMs: number
  readonly allowedOrigins: readonly string[]
}

export const ACCESS_DEFAULTS = { ticketTtlMs: 60_000, revocationDelayMs: 5_000 } as const

export function accessConfigFromEnv(env: Env): AccessConfig {
  return {
    ticketTtlMs: parseCount('AMBER_TICKET_TTL_MS', env.AMBER_TICKET_TTL_MS) ?? ACCESS_DEFAULTS.ticketTtlMs,
    revocationDelayMs: parseCount('AMBER_REVOCATION_DELAY_MS', env.AMBER_REVOCATION_DELAY_MS) ?? ACCESS_DEFAULTS.revocationDelayMs,
    allowedOrigins: parseAllowedOrigins(env.AMBER_ALLOWED_ORIGINS),
  }
}

/** Binary GC and repacking (docs/binaries.md). */
export interface BlobConfig {
  /** An unreferenced chunk, or a pack an upload reserved and never registered, is kept this long after its last touch. */
  readonly gcGraceMs: number
  /** A pack whose live bytes fall below this share of its size is repacked. */
  readonly repackBelow: number
  /** Small manifests wait in DO SQLite at most this long before they are written to R2 together. */
  readonly manifestFlushMs: number
  /** The registry hears of changed binary bytes at most this often (a report is one D1 write). */
  readonly usageReportMs: number
}

export const BLOB_DEFAULTS: BlobConfig = { gcGraceMs: 24 * 3600 * 1000, repackBelow: 0.5, manifestFlushMs: 60_000, usageReportMs: 10_000 }

export function blobConfigFromEnv(env: Env): BlobConfig {
  return {
    gcGraceMs: parseCount('AMBER_BLOB_GC_GRACE_MS', env.AMBER_BLOB_GC_GRACE_MS) ?? BLOB_DEFAULTS.gcGraceMs,
    repackBelow: parseShare('AMBER_REPACK_BELOW', env.AMBER_REPACK_BELOW) ?? BLOB_DEFAULTS.repackBelow,
    manifestFlushMs: parseCount('AMBER_MANIFEST_FLUSH_MS', env.AMBER_MANIFEST_FLUSH_MS) ?? BLOB_DEFAULTS.manifestFlushMs,
    usageReportMs: parseCount('AMBER_USAGE_REPORT_MS', env.AMBER_USAGE_REPORT_MS) ?? BLOB_DEFAULTS.usageReportMs,
  }
}

/** Parses a share between 0 and 1 (inclusive); undefined when unset or empty. */
function parseShare(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined
  const value = Number(raw.trim())
  if (!/^\d*\.?\d+$/.test(raw.trim()) || !(value >= 0 && value <= 1)) throw new ConfigError(`${name} must be a number between 0 and 1, got ${JSON.stringify(raw)}`)
  return value
}
