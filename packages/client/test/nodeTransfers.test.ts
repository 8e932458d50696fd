// `@amber/client/node` against the in-process fakes: uploads streamed from disk (one file or a batch in
// shared packs), downloads assembled in a
// temp file that reuse the old destination's chunks and an interrupted run's temp file, and a
// destination that never holds anything but a complete, verified file.

import { PACK_TARGET_BYTES } from '@amber/blobs'
import { existsSync, rmSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { downloadFile, partialPathOf, uploadFile, uploadFiles } from '../src/node/index.ts'
import { closeDevices, createFakes, device, untilHead } from './support/binaryFakes.ts'
import type { Fakes } from './support/binaryFakes.ts'
import { expectSameBytes, randomBytes, smallFiles, totalBytes } from './support/bytes.ts'
import { DestinationWatcher } from './support/DestinationWatcher.ts'
import { TransferFaults } from './support/TransferFaults.ts'

let fakes: Fakes
let dir: string
beforeEach(async () => {
  fakes = createFakes()
  dir = await mkdtemp(join(tmpdir(), 'amber-node-transfers-'))
})
afterEach(async () => {
  await closeDevices(fakes)
  await rm(dir, { recursive: true, force: true })
})

/** Writes `content` with the writer device and makes the reader device know it as the head. */
async function publish(content: Uint8Array, path = 'v.bin'): Promise<string> {
  const writer = fakes.opened[0] ?? (await device(fakes))
  const { version } = await writer.writeFile(path, content)
  return version
}

describe('uploadFile', () => {
  it('streams a file from disk, with its mtime, and downloadFile writes it back with that mtime', async () => {
    const vault = await device(fakes)
    const source = join(dir, 'source.bin')
    const data = randomBytes(1024 * 1024 + 17, 1)
    await writeFile(source, data)
    const { head } = await uploadFile(vault, 'Disk/source.bin', source)
    expect(head.mtime).toBe(Math.round((await stat(source)).mtimeMs))
    const dest = join(dir, 'copy.bin')
    const result = await downloadFile(vault, 'Disk/source.bin', dest)
    expectSameBytes(await readFile(dest), data)
    expect(result).toMatchObject({ version: head.version, size: data.length, reusedBytes: 0 })
    expect(Math.round((await stat(dest)).mtimeMs)).toBe(head.mtime)
  })

  it('fails with SOURCE_CHANGED when the file is edited during the upload', async () => {
    const vault = await device(fakes)
    const source = join(dir, 'moving.bin')
    await writeFile(source, randomBytes(600 * 1024, 2))
    let edited = false
    const upload = uploadFile(vault, 'moving.bin', source, {
      onProgress: ({ phase }) => {
        if (phase !== 'uploading' || edited) return
        edited = true
        void writeFile(source, randomBytes(600 * 1024, 3))
      },
    })
    await expect(upload).rejects.toMatchObject({ code: 'SOURCE_CHANGED' })
  })
})

describe('uploadFiles', () => {
  it('uploads 50 files from disk in shared packs, each with its own mtime, byte-identical when read back', async () => {
    const vault = await device(fakes)
    const files = smallFiles(50, 10)
    await mkdir(join(dir, 'Photos'))
    for (const [index, { path, data }] of files.entries()) {
      await writeFile(join(dir, path), data)
      await utimes(join(dir, path), 1_700_000_000 + index, 1_700_000_000 + index)
    }
    const results = await uploadFiles(
      vault,
      files.map(({ path }) => ({ path, srcPath: join(dir, path) })),
    )
    const packs = fakes.blobs.requests.filter((request) => request === 'POST packs').length
    expect(packs).toBe(Math.ceil(totalBytes(files) / PACK_TARGET_BYTES))
    expect(results.map((result) => result.head.mtime)).toEqual(
      files.map((_, index) => (1_700_000_000 + index) * 1000),
    )
    for (const { path, data } of files) expectSameBytes(await vault.readFile(path), data)
  })

  it('a file removed while the batch is read fails it with the open error', async () => {
    const vault = await device(fakes)
    for (const name of ['a.bin', 'b.bin']) await writeFile(join(dir, name), randomBytes(50_000, 12))
    const upload = uploadFiles(
      vault,
      ['a.bin', 'b.bin'].map((name) => ({ path: name, srcPath: join(dir, name) })),
      { onProgress: () => rmSync(join(dir, 'b.bin'), { force: true }) },
    )
    await expect(upload).rejects.toMatchObject({ code: 'ENOENT' })
    expect(fakes.blobs.requests).toEqual([])
  })

  it('a missing source file fails the batch before anything is sent', async () => {
    const vault = await device(fakes)
    await writeFile(join(dir, 'here.bin'), randomBytes(1000, 11))
    const upload = uploadFiles(vault, [
      { path: 'here.bin', srcPath: join(dir, 'here.bin') },
      { path: 'gone.bin', srcPath: join(dir, 'gone.bin') },
    ])
    await expect(upload).rejects.toMatchObject({ code: 'ENOENT' })
    expect(fakes.blobs.requests).toEqual([])
  })
})

describe('downloadFile', () => {
  const SIZE = 3 * 1024 * 1024

  /** A new device downloads the head of `path` to `dest` and is killed halfway through the chunks. */
  async function downloadCutOffHalfway(path: string, dest: string) {
    const faults = new TransferFaults(fakes.blobs.fetch)
    const reader = await device(fakes, { faults })
    await untilHead(fakes, reader, path)
    const controller = new AbortController()
    faults.cutAt = SIZE / 2
    faults.onCut = () => controller.abort(new Error('killed'))
    await expect(downloadFile(reader, path, dest, { signal: controller.signal })).rejects.toThrow('killed')
    return { reader, faults }
  }

  async function twoVersions(
    edit: (old: Uint8Array) => Uint8Array,
  ): Promise<{ dest: string; next: Uint8Array; old: Uint8Array }> {
    const old = randomBytes(SIZE, 4)
    await publish(old)
    const reader = await device(fakes)
    await untilHead(fakes, reader, 'v.bin')
    const dest = join(dir, 'v.bin')
    await downloadFile(reader, 'v.bin', dest)
    const next = edit(old)
    await untilHead(fakes, reader, 'v.bin', await publish(next))
    fakes.blobs.fetches.length = 0
    return { dest, next, old }
  }

  it('after a 1-byte change in the middle it fetches at most 2 chunks; dest is old or new, never partial', async () => {
    const { dest, next, old } = await twoVersions((old) => {
      const next = old.slice()
      next[SIZE / 2]! ^= 0x40
      return next
    })
    const watcher = new DestinationWatcher(dest, [old, next])
    const result = await downloadFile(fakes.opened[1]!, 'v.bin', dest)
    watcher.stop()
    expect(fakes.blobs.fetches.flat().length).toBeGreaterThan(0)
    expect(fakes.blobs.fetches.flat().length).toBeLessThanOrEqual(2)
    expect(result.reusedBytes).toBeGreaterThan(SIZE - 2 * 256 * 1024)
    expectSameBytes(await readFile(dest), next)
    expect(watcher.violations).toEqual([])
    expect(watcher.reads).toBeGreaterThan(0)
  })

  it('after 1 KiB inserted at the start it fetches at most 2 chunks', async () => {
    const { dest, next } = await twoVersions((old) => {
      const next = new Uint8Array(old.length + 1024)
      next.set(randomBytes(1024, 5))
      next.set(old, 1024)
      return next
    })
    await downloadFile(fakes.opened[1]!, 'v.bin', dest)
    expect(fakes.blobs.fetches.flat().length).toBeLessThanOrEqual(2)
    expectSameBytes(await readFile(dest), next)
  })

  it('a destination already holding the version is left alone', async () => {
    const { dest } = await twoVersions((old) => old.slice().reverse())
    await downloadFile(fakes.opened[1]!, 'v.bin', dest)
    fakes.blobs.fetches.length = 0
    const result = await downloadFile(fakes.opened[1]!, 'v.bin', dest)
    expect(result.fetchedBytes).toBe(0)
    expect(fakes.blobs.fetches).toEqual([])
  })

  it('an interrupted download resumes from its temp file; dest keeps the old content meanwhile', async () => {
    const old = randomBytes(SIZE, 6)
    const next = randomBytes(SIZE, 7)
    const dest = join(dir, 'resume.bin')
    await writeFile(dest, old)
    const version = await publish(next, 'resume.bin')
    const watcher = new DestinationWatcher(dest, [old, next])
    const { reader } = await downloadCutOffHalfway('resume.bin', dest)
    expect(existsSync(partialPathOf(dest, version))).toBe(true)
    expectSameBytes(await readFile(dest), old)

    const resumed = await downloadFile(reader, 'resume.bin', dest)
    watcher.stop()
    expect(resumed.reusedBytes).toBeGreaterThan(SIZE / 4)
    expect(resumed.fetchedBytes).toBeLessThan(SIZE * 0.75)
    expectSameBytes(await readFile(dest), next)
    expect(existsSync(partialPathOf(dest, version))).toBe(false)
    expect(watcher.violations).toEqual([])
  })

  it('a download cut off before the head moved on lends its chunks to the new head, and its temp file goes', async () => {
    const first = randomBytes(SIZE, 16)
    const dest = join(dir, 'moved.bin')
    const firstVersion = await publish(first, 'moved.bin')
    const { reader, faults } = await downloadCutOffHalfway('moved.bin', dest)
    expect(existsSync(partialPathOf(dest, firstVersion))).toBe(true)
    // Meanwhile another device changed one byte early in the file: a new head.
    const second = first.slice()
    second[SIZE / 8] = second[SIZE / 8]! ^ 0xff
    const secondVersion = await publish(second, 'moved.bin')
    await untilHead(fakes, reader, 'moved.bin', secondVersion)
    faults.cutAt = undefined

    const result = await downloadFile(reader, 'moved.bin', dest)
    expectSameBytes(await readFile(dest), second)
    // What the cut-off download had verified (about half) is not fetched again.
    expect(result.reusedBytes).toBeGreaterThan(SIZE / 4)
    expect(result.fetchedBytes).toBeLessThan(SIZE * 0.75)
    expect(existsSync(partialPathOf(dest, firstVersion))).toBe(false)
    expect(existsSync(partialPathOf(dest, secondVersion))).toBe(false)
  })

  it('corrupted chunks never reach the destination: refetched, or the download fails and dest stays old', async () => {
    const old = randomBytes(SIZE, 8)
    const next = randomBytes(SIZE, 9)
    const dest = join(dir, 'corrupt.bin')
    await writeFile(dest, old)
    await publish(next, 'corrupt.bin')
    const faults = new TransferFaults(fakes.blobs.fetch)
    const reader = await device(fakes, { faults })
    await untilHead(fakes, reader, 'corrupt.bin')
    faults.corruptAnswers = Infinity
    await expect(downloadFile(reader, 'corrupt.bin', dest)).rejects.toMatchObject({
      code: 'CHUNK_HASH_MISMATCH',
    })
    expectSameBytes(await readFile(dest), old)
    faults.corruptAnswers = 1
    await downloadFile(reader, 'corrupt.bin', dest)
    expectSameBytes(await readFile(dest), next)
  })
})
