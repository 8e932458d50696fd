// Downloading a binary to disk without ever exposing a partial file: the version is assembled in a temp
// file next to the destination, from chunks the old destination already has (found by chunking it
// with FastCDC), chunks a previous interrupted run left in the temp file (checked by hash at the
// manifest's offsets), chunks an interrupted download of an older head left in its temp file (found by
// chunking it) and verified fetches of the rest; then fsync, whole-file check, atomic rename, and the
// older temp files go.

import { chunkOffsets } from '@amber/blobs'
import type { Manifest } from '@amber/blobs'
import { open, readdir, rename, rm, unlink, utimes } from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { chunkPlaces, verifyWhole } from '../binary/BinaryFiles.ts'
import { chunkFile } from '../binary/chunkFile.ts'
import type { ReadFileOptions } from '../binary/BinaryFiles.ts'
import { fetchVerified } from '../binary/fetchVerified.ts'
import type { Hashing } from '../binary/hashing.ts'
import type { TransferContext } from '../binary/TransferContext.ts'
import type { Vault } from '../Vault.ts'
import { fileBlocks, fileSource, openIfExists, readAt, writeAt } from './fileAccess.ts'
import { NODE_HASHING } from './nodeHashing.ts'

/** What `downloadFile` did. */
export interface DownloadResult {
  /** The version now at the destination. */
  readonly version: string
  readonly size: number
  /** Chunk bytes fetched from the server. */
  readonly fetchedBytes: number
  /** Bytes taken from the old destination file or an interrupted download's temp file instead. */
  readonly reusedBytes: number
}

/** The temp file a download of `version` to `destPath` assembles in (and resumes from). */
export function partialPathOf(destPath: string, version: string): string {
  return join(dirname(destPath), `.${basename(destPath)}.amber-${version.slice(0, 8)}.partial`)
}

/** Temp files of other versions' downloads to `destPath`, besides `except`. */
async function partialPathsOf(destPath: string, except: string): Promise<string[]> {
  const prefix = `.${basename(destPath)}.amber-`
  const names = await readdir(dirname(destPath))
  return names
    .filter((name) => name.startsWith(prefix) && /^[0-9a-f]{8}\.partial$/.test(name.slice(prefix.length)))
    .map((name) => join(dirname(destPath), name))
    .filter((path) => path !== except)
}

/**
 * Writes a version of the binary at vault path `path` (default: its head) to `destPath`. Only chunks
 * neither the current `destPath` nor an interrupted earlier download has are fetched, so after a small
 * change most of a large file is not downloaded again. `destPath` holds either its old content or the
 * complete, verified new one at every moment; the file gets the version's mtime.
 * @example
 * import { downloadFile } from '@amber/client/node'
 * const { fetchedBytes } = await downloadFile(vault, 'Videos/talk.mp4', '/home/me/talk.mp4')
 */
export async function downloadFile(
  vault: Vault,
  path: string,
  destPath: string,
  options: ReadFileOptions = {},
): Promise<DownloadResult> {
  const binaries = vault.binaries
  const ctx = binaries.context(options, NODE_HASHING)
  const { version, manifest } = await binaries.resolve(path, ctx, options.version)
  const places = chunkPlaces(manifest)
  const old = await scanFile(destPath, new Set(places.keys()), ctx)
  if (old?.size === manifest.size && old.sha256 === manifest.sha256) {
    return { version, size: manifest.size, fetchedBytes: 0, reusedBytes: manifest.size }
  }
  const tempPath = partialPathOf(destPath, version)
  // Left by downloads of versions that are no longer wanted (the head moved on while one was cut off).
  const stale = await partialPathsOf(destPath, tempPath)
  const temp = await AssemblyFile.open(tempPath, manifest, places, ctx.hashing)
  let fetchedBytes = 0
  try {
    if (temp.resumed) await temp.keepVerified()
    if (old) await temp.copyFrom(destPath, old.chunks)
    for (const stalePath of stale) {
      const found = await scanFile(stalePath, new Set(temp.missing().keys()), ctx)
      if (found) await temp.copyFrom(stalePath, found.chunks)
    }
    const wanted = temp.missing()
    fetchedBytes = [...wanted.values()].reduce((total, length) => total + length, 0)
    await fetchVerified(ctx, wanted, { put: (hash, bytes) => temp.place(hash, bytes) })
    await temp.handle.sync()
  } finally {
    await temp.handle.close()
  }
  try {
    await verifyWhole(ctx, manifest, () => hashFile(tempPath, ctx))
  } catch (error) {
    await unlink(tempPath) // every chunk was verified yet the whole is wrong: nothing in it is worth resuming
    throw error
  }
  const mtime = new Date(manifest.mtime)
  await utimes(tempPath, mtime, mtime)
  await rename(tempPath, destPath)
  await syncDirectory(dirname(destPath))
  await Promise.all(stale.map((stalePath) => rm(stalePath, { force: true })))
  return { version, size: manifest.size, fetchedBytes, reusedBytes: manifest.size - fetchedBytes }
}

/** The temp file being assembled, and which chunk offsets still lack their bytes. */
class AssemblyFile {
  private constructor(
    readonly handle: FileHandle,
    /** True when an interrupted download left this file: its chunks may be reusable. */
    readonly resumed: boolean,
    private readonly manifest: Manifest,
    /** hash → offsets that still lack it. */
    private readonly unplaced: Map<string, number[]>,
    private readonly hashing: Hashing,
  ) {}

  static async open(
    path: string,
    manifest: Manifest,
    places: Map<string, number[]>,
    hashing: Hashing,
  ): Promise<AssemblyFile> {
    const existing = await openIfExists(path, 'r+')
    const handle = existing ?? (await open(path, 'w+'))
    await handle.truncate(manifest.size)
    return new AssemblyFile(
      handle,
      existing !== undefined,
      manifest,
      new Map([...places].map(([hash, offsets]) => [hash, [...offsets]])),
      hashing,
    )
  }

  /** Keeps every chunk an interrupted run already wrote correctly (checked by hash where the manifest puts it). */
  async keepVerified(): Promise<void> {
    const offsets = chunkOffsets(this.manifest)
    for (const [index, [hash, length]] of this.manifest.chunks.entries()) {
      const waiting = this.unplaced.get(hash)
      if (!waiting?.includes(offsets[index]!)) continue
      const bytes = await readAt(this.handle, offsets[index]!, length)
      if (bytes.length !== length || (await this.hashing.chunk(bytes)) !== hash) continue
      waiting.splice(waiting.indexOf(offsets[index]!), 1)
      await this.place(hash, bytes) // its other places, if any
    }
  }

  /** Copies the chunks the old destination has (read back and checked again: it may have changed since). */
  async copyFrom(
    path: string,
    chunks: ReadonlyMap<string, { offset: number; length: number }>,
  ): Promise<void> {
    const source = await open(path, 'r')
    try {
      for (const [hash, { offset, length }] of chunks) {
        if (!this.unplaced.has(hash)) continue
        const bytes = await readAt(source, offset, length)
        if (bytes.length === length && (await this.hashing.chunk(bytes)) === hash)
          await this.place(hash, bytes)
      }
    } finally {
      await source.close()
    }
  }

  /** Writes verified bytes of `hash` wherever they are still missing. */
  async place(hash: string, bytes: Uint8Array): Promise<void> {
    for (const offset of this.unplaced.get(hash) ?? []) await writeAt(this.handle, offset, bytes)
    this.unplaced.delete(hash)
  }

  /** Chunks still to fetch: hash → length. */
  missing(): Map<string, number> {
    const lengths = new Map(this.manifest.chunks.map(([hash, length]) => [hash, length]))
    return new Map([...this.unplaced.keys()].map((hash) => [hash, lengths.get(hash)!]))
  }
}

interface ScannedFile {
  readonly size: number
  readonly sha256: string
  /** Where each wanted chunk is in the file (its first occurrence). */
  readonly chunks: Map<string, { offset: number; length: number }>
}

/** Chunks an existing file with FastCDC, noting where the wanted chunks are; undefined when there is no file. */
async function scanFile(
  path: string,
  wanted: ReadonlySet<string>,
  ctx: TransferContext,
): Promise<ScannedFile | undefined> {
  const handle = await openIfExists(path, 'r')
  if (!handle) return undefined
  try {
    const file = await chunkFile(await fileSource(handle), ctx.hashing, undefined, ctx.signal)
    const chunks = new Map<string, { offset: number; length: number }>()
    file.chunks.forEach(([hash, length], index) => {
      if (wanted.has(hash) && !chunks.has(hash)) chunks.set(hash, { offset: file.offsets[index]!, length })
    })
    return { size: file.size, sha256: file.sha256, chunks }
  } finally {
    await handle.close()
  }
}

/** SHA-256 and size of a file as it is on disk, reported as `verifying`. */
async function hashFile(path: string, ctx: TransferContext): Promise<{ sha256: string; size: number }> {
  const handle = await open(path, 'r')
  try {
    const whole = ctx.hashing.file()
    let size = 0
    for await (const block of fileBlocks(handle)) {
      whole.update(block)
      size += block.length
      ctx.progress.advance('verifying', block.length)
    }
    return { sha256: whole.digestHex(), size }
  } finally {
    await handle.close()
  }
}

/** Makes the rename durable. Some platforms cannot open or fsync a directory; there the rename is as durable as they make it. */
async function syncDirectory(path: string): Promise<void> {
  let handle: FileHandle | undefined
  try {
    handle = await open(path, 'r')
    await handle.sync()
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF') throw error
  } finally {
    await handle?.close()
  }
}
