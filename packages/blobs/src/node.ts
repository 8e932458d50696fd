// Node's native SHA-256 (OpenSSL, SHA-NI where the CPU has it): about 2 GB/s here against ~0.3 GB/s
// for the pure-JS default. Import from `@amber/blobs/node` in Node only.

import { createHash } from 'node:crypto'
import type { Sha256Factory } from './hash.ts'

export const nodeSha256: Sha256Factory = () => {
  const hash = createHash('sha256')
  return {
    update: (bytes) => void hash.update(bytes),
    digestHex: () => hash.digest('hex'),
  }
}
