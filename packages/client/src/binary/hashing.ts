// Which SHA-256 a transfer uses: chunk names one shot, the whole file incrementally as it streams past.
// Portable by default (WebCrypto for chunks, pure JS for files); Node passes its native hasher.

import { createSha256, sha256Hex } from '@amber/blobs'
import type { Sha256Factory } from '@amber/blobs'

export interface Hashing {
  /** Hex SHA-256 of one chunk. */
  chunk(bytes: Uint8Array): Promise<string> | string
  /** An incremental hasher for a whole file. */
  readonly file: Sha256Factory
}

export const PORTABLE_HASHING: Hashing = { chunk: sha256Hex, file: createSha256 }
