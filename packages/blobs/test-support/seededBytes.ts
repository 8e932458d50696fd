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

/** `data` with `remove` bytes at `at` replaced by `insert`: the edits of the chunking tests and benchmarks. */
export function splice(data: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length - remove + insert.length)
  out.set(data.subarray(0, at))
  out.set(insert, at)
  out.set(data.subarray(at + remove), at + insert.length)
  return out
}
