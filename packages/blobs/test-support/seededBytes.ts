// Seeded pseudo-random bytes for tests and benchmarks (Node only): the AES-128-CTR keystream under a
// key derived from the seed. Fast (GB/s), and unlike a small-state generator two seeds never yield
// shifted copies of one sequence — which would let deduplication find chunks two "different" files share.

import { createCipheriv } from 'node:crypto'

export function seededBytes(length: number, seed: number): Uint8Array {
  const key = Buffer.alloc(16)
  key.writeUInt32BE(seed >>> 0, 0)
  key.writeUInt32BE(Math.floor(seed / 2 ** 32) >>> 0, 4)
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16))
  const out = cipher.update(Buffer.alloc(length))
  return new Uint8Array(out.buffer, out.byteOffset, out.length)
}
