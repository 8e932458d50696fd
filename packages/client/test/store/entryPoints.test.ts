// The stores ship as subpath exports, and the main entry stays free of them: a browser app must not pull
// in better-sqlite3, nor a Node app IndexedDB code, by importing `@amber/client`.

import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'

describe('@amber/client entry points', () => {
  it('the main entry bundles no store implementation and no better-sqlite3', async () => {
    const result = await build({
      entryPoints: [fileURLToPath(new URL('../../src/index.ts', import.meta.url))],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      metafile: true,
      logLevel: 'silent',
    })
    const inputs = Object.keys(result.metafile.inputs)
    expect(inputs.some((file) => file.endsWith('src/index.ts'))).toBe(true)
    expect(inputs.filter((file) => /better-sqlite3|store\/(SqliteStore|IndexedDbStore|MemoryStore)\.ts$/.test(file))).toEqual([])
  })

  it('each store loads through its subpath export', async () => {
    expect(typeof (await import('@amber/client/store/memory')).MemoryStore).toBe('function')
    expect(typeof (await import('@amber/client/store/sqlite')).SqliteStore).toBe('function')
    expect(typeof (await import('@amber/client/store/indexeddb')).IndexedDbStore).toBe('function')
  })

  it('disk transfers load through @amber/client/node, apart from the main entry', async () => {
    const node = await import('@amber/client/node')
    expect([typeof node.uploadFile, typeof node.downloadFile]).toEqual(['function', 'function'])
  })
})
