// SHA-256 in every runtime. Chunk and version names are lowercase hex SHA-256.
//
// - `sha256Hex` (one shot, async) uses WebCrypto, native everywhere (Workers, browsers, Node).
// - `Sha256` (incremental, sync) hashes a whole file as it streams past. The default is @noble/hashes
//   (pure JS, runs anywhere); Node passes its native `createHash` (`@amber/blobs/node`), Workers can use
//   `crypto.DigestStream`.

import { sha256 } from '@noble/hashes/sha2.js'

export interface Sha256 {
  update(bytes: Uint8Array): void
  /** The digest as lowercase hex; the hasher is spent afterwards. */
  digestHex(): string
}

export type Sha256Factory = () => Sha256

export const HEX_SHA256 = /^[0-9a-f]{64}$/

export function isSha256Hex(value: unknown): value is string {
  return typeof value === 'string' && HEX_SHA256.test(value)
}

/** The portable incremental hasher (pure JS). */
export const createSha256: Sha256Factory = () => {
  const state = sha256.create()
  return {
    update: (bytes) => void state.update(bytes),
    digestHex: () => toHex(state.digest()),
  }
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)))
}

/** Synchronous one-shot hash with the given factory (Node's native one is much faster than WebCrypto's round trip for small chunks). */
export function sha256HexWith(factory: Sha256Factory, bytes: Uint8Array): string {
  const hasher = factory()
  hasher.update(bytes)
  return hasher.digestHex()
}

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'))

export function toHex(bytes: Uint8Array): string {
  let out = ''
  for (const byte of bytes) out += HEX[byte]
  return out
}

export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/.test(hex)) throw new TypeError('not lowercase hex')
  const bytes = new Uint8Array(hex.length / 2)
  for (let index = 0; index < bytes.length; index++) bytes[index] = parseInt(hex.slice(index * 2, index * 2 + 2), 16)
  return bytes
}
