// Uploading files from disk: each streamed once to chunk and hash it (Node's native SHA-256), then the
// missing chunks of the whole batch read back by offset into shared packs, so memory stays at about one
// pack whatever the sizes, and one file is open at a time whatever the count.

import { stat } from 'node:fs/promises'
import type { TransferOptions, WriteFileOptions, WriteResult } from '../binary/BinaryFiles.ts'
import type { Vault } from '../Vault.ts'
import { PathSources } from './fileAccess.ts'
import { NODE_HASHING } from './nodeHashing.ts'

/** One file of `uploadFiles`. */
export interface FileToUpload {
  /** Vault path of the binary; the entry and missing folders are created. */
  readonly path: string
  /** The file on disk. */
  readonly srcPath: string
  /** Modification time (ms since the epoch); default: the file's. */
  readonly mtime?: number | undefined
}

/**
 * Writes the files at each `srcPath` as new versions of the binaries at their vault `path`, like
 * `vault.writeFiles` but streaming from disk: files are never held whole, and their missing chunks
 * travel together in shared packs (a folder of photos costs a few uploads, not one per photo). Each
 * version's mtime is its file's modification time. Results come in the order of `items`. Fails with
 * `SOURCE_CHANGED` when a file is modified during the upload.
 * @example
 * import { uploadFiles } from '@amber/client/node'
 * const results = await uploadFiles(vault, [
 *   { path: 'Photos/cat.jpg', srcPath: '/home/me/Pictures/cat.jpg' },
 *   { path: 'Photos/dog.jpg', srcPath: '/home/me/Pictures/dog.jpg' },
 * ], { onProgress: ({ phase, bytesDone, bytesTotal }) => console.log(phase, bytesDone, bytesTotal) })
 */
export async function uploadFiles(
  vault: Vault,
  items: readonly FileToUpload[],
  options: TransferOptions = {},
): Promise<WriteResult[]> {
  const binaries = vault.binaries
  const sources = new PathSources()
  try {
    const writes = await Promise.all(
      items.map(async ({ path, srcPath, mtime }) => {
        const info = await stat(srcPath)
        // Rounded, not floored: a time set from a whole millisecond (downloadFile does) reads back as x.9999.
        return { path, source: sources.source(srcPath, info.size), mtime: mtime ?? Math.round(info.mtimeMs) }
      }),
    )
    return await binaries.writeMany(writes, options, NODE_HASHING)
  } finally {
    await sources.close()
  }
}

/**
 * Writes the file at `srcPath` as a new version of the binary at vault path `path`, like
 * `vault.writeFile` but streaming from disk; `mtime` defaults to the file's modification time. Fails
 * with `SOURCE_CHANGED` when the file is modified during the upload.
 * @example
 * import { uploadFile } from '@amber/client/node'
 * const { version } = await uploadFile(vault, 'Videos/talk.mp4', '/home/me/talk.mp4', {
 *   onProgress: ({ phase, bytesDone, bytesTotal }) => console.log(phase, bytesDone, bytesTotal),
 * })
 */
export async function uploadFile(
  vault: Vault,
  path: string,
  srcPath: string,
  options: WriteFileOptions = {},
): Promise<WriteResult> {
  const [result] = await uploadFiles(vault, [{ path, srcPath, mtime: options.mtime }], options)
  return result!
}
