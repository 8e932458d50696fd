// Node's native SHA-256 (OpenSSL) for chunks and whole files: several times the portable hashers' speed.

import { sha256HexWith } from '@amber/blobs'
import { nodeSha256 } from '@amber/blobs/node'
import type { Hashing } from '../binary/hashing.ts'

export const NODE_HASHING: Hashing = { chunk: (bytes) => sha256HexWith(nodeSha256, bytes), file: nodeSha256 }
