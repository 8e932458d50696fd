// The Worker's vars → Partial<RoomConfig>: set vars are parsed, unset ones left to the core, bad ones refused.

import { describe, expect, it } from 'vitest'
import { BLOB_DEFAULTS, ConfigError, blobConfigFromEnv, parseRoomConfig, roomConfigFromEnv } from '../src/config.ts'
import type { Env } from '../src/Env.ts'
import { env } from 'cloudflare:test'

describe('parseRoomConfig', () => {
  it('maps every var to its RoomConfig field', () => {
    expect(
      parseRoomConfig({
        AMBER_BATCH_WINDOW_MS: '5',
        AMBER_FLUSH_BYTES: '1024',
        AMBER_FLUSH_ENTRIES: '10',
        AMBER_FLUSH_AFTER_MS: '0',
        AMBER_COMPACT_SEGMENTS: '3',
        AMBER_UNLOAD_IDLE_MS: '60000',
        AMBER_MAX_UPDATE_BYTES: '4096',
        AMBER_MAX_FRAME_BYTES: ' 8192 ',
        AMBER_MAX_UPDATE_STRUCTS: '100',
      }),
    ).toEqual({
      batchWindowMs: 5,
      flushBytes: 1024,
      flushEntries: 10,
      flushAfterMs: 0,
      compactSegments: 3,
      unloadIdleMs: 60000,
      maxUpdateBytes: 4096,
      maxFrameBytes: 8192,
      maxUpdateStructs: 100,
    })
  })

  it('leaves unset and empty vars to the core defaults', () => {
    expect(parseRoomConfig({})).toEqual({})
    expect(parseRoomConfig({ AMBER_FLUSH_BYTES: '', AMBER_FLUSH_ENTRIES: undefined })).toEqual({})
  })

  it('refuses values that are not non-negative integers, and zero where a threshold must be positive', () => {
    for (const raw of ['-1', '1.5', '1e3', 'abc', '0x10', '12ms', '99999999999999999999']) {
      expect(() => parseRoomConfig({ AMBER_FLUSH_BYTES: raw }), raw).toThrow(ConfigError)
    }
    expect(() => parseRoomConfig({ AMBER_COMPACT_SEGMENTS: '0' })).toThrow(/at least 1/)
    expect(parseRoomConfig({ AMBER_BATCH_WINDOW_MS: '0' })).toEqual({ batchWindowMs: 0 })
  })

  it('parses the vars deployed in wrangler.jsonc', () => {
    const config = roomConfigFromEnv(env)
    expect(Object.keys(config).sort()).toEqual(
      [
        'batchWindowMs',
        'compactBytes',
        'compactSegments',
        'flushAfterMs',
        'flushBytes',
        'flushEntries',
        'maxFrameBytes',
        'maxUpdateBytes',
        'maxDocBytes',
        'quotaBytes',
        'messageRatePerSecond',
        'messageBurst',
        'unloadIdleMs',
        'servedBaseTtlMs',
      ].sort(),
    )
  })
})

describe('blobConfigFromEnv', () => {
  const withVars = (vars: Partial<Env>) => ({ ...env, AMBER_BLOB_GC_GRACE_MS: undefined, AMBER_REPACK_BELOW: undefined, AMBER_MANIFEST_FLUSH_MS: undefined, AMBER_USAGE_REPORT_MS: undefined, ...vars }) as Env

  it('reads the GC grace, repack share, manifest flush delay and usage report interval, with defaults for unset vars', () => {
    expect(blobConfigFromEnv(withVars({}))).toEqual(BLOB_DEFAULTS)
    expect(
      blobConfigFromEnv(withVars({ AMBER_BLOB_GC_GRACE_MS: '1000', AMBER_REPACK_BELOW: '0.25', AMBER_MANIFEST_FLUSH_MS: '5', AMBER_USAGE_REPORT_MS: '7' })),
    ).toEqual({ gcGraceMs: 1000, repackBelow: 0.25, manifestFlushMs: 5, usageReportMs: 7 })
    // wrangler.jsonc states the defaults; the test projects shorten the usage report interval (vitest.config.ts).
    expect(blobConfigFromEnv(env)).toEqual({ ...BLOB_DEFAULTS, usageReportMs: Number(env.AMBER_USAGE_REPORT_MS) })
  })

  it('refuses a grace that is no count and a share outside 0..1', () => {
    expect(() => blobConfigFromEnv(withVars({ AMBER_BLOB_GC_GRACE_MS: '1h' }))).toThrow(ConfigError)
    for (const share of ['1.5', '-0.1', 'half', '0.5.1']) {
      expect(() => blobConfigFromEnv(withVars({ AMBER_REPACK_BELOW: share })), share).toThrow(ConfigError)
    }
  })
})
