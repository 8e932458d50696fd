// Uploading a file from disk: streamed once to chunk and hash it (Node's native SHA-256), then the
// missing chunks read back by offset into packs, so memory stays at about one pack whatever the size.

import { open } from 'node:fs/promises'
import type { WriteFileOptions, WriteResult } from '../binary/BinaryFiles.ts'
import type { Vault } from '../Vault.ts'
import { fileSource } from './fileAccess.ts'
import { NODE_HASHING } from './nodeHashing.ts'

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
  const handle = await open(srcPath, 'r')
  try {
    const source = await fileSource(handle)
    // Rounded, not floored: a time set from a whole millisecond (downloadFile does) reads back as x.9999.
    return await vault.binaries.write(
      path,
      source,
      { ...options, mtime: options.mtime ?? Math.round(source.mtimeMs) },
      NODE_HASHING,
    )
  } finally {
    await handle.close()
  }
}
