// Turns the Worker's string vars into a validated Partial<RoomConfig>. A typo in wrangler.jsonc must fail
// loudly when the room opens, not silently fall back to a default or to NaN.

import type { RoomConfig } from '@amber/core'
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
])

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

/** Parses the room vars present in `env`; unset or empty vars are left to the core defaults. */
export function parseRoomConfig(env: Partial<Record<RoomConfigVar, string | undefined>>): Partial<RoomConfig> {
  const config: { -readonly [K in keyof RoomConfig]?: RoomConfig[K] } = {}
  for (const [name, field] of Object.entries(ROOM_CONFIG_VARS) as [RoomConfigVar, keyof RoomConfig][]) {
    const raw = env[name]
    if (raw === undefined || raw.trim() === '') continue
    if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a non-negative integer, got ${JSON.stringify(raw)}`)
    const value = Number(raw.trim())
    if (!Number.isSafeInteger(value)) throw new ConfigError(`${name} is too large: ${raw}`)
    if (value === 0 && POSITIVE.has(field)) throw new ConfigError(`${name} must be at least 1`)
    config[field] = value
  }
  return config
}

/** The room config of a deployed Worker. */
export function roomConfigFromEnv(env: Env): Partial<RoomConfig> {
  return parseRoomConfig(env)
}
