// A file version: its ordered chunk list, size, whole-file SHA-256, modification time and device.
// Encoded as canonical JSON (fixed key order, no whitespace) so its SHA-256 — the version id — is the
// same wherever it is computed; decoding is strict because manifests come from clients.

import { isSha256Hex, sha256Hex } from './hash.ts'

export const MANIFEST_FORMAT = 'amber-manifest/1'

/** One chunk of a version: [hex SHA-256, byte length]. */
export type ChunkRef = readonly [hash: string, length: number]

export interface Manifest {
  readonly size: number
  /** Hex SHA-256 of the whole file. */
  readonly sha256: string
  /** Modification time, ms since the epoch: the last-write-wins clock. */
  readonly mtime: number
  /** The device that wrote this version. */
  readonly device: string
  readonly chunks: readonly ChunkRef[]
}

export interface ManifestLimits {
  /** Largest chunk accepted; generous so other chunkers' manifests (or future parameters) still load. */
  readonly maxChunkBytes: number
  readonly maxChunks: number
}

export const DEFAULT_MANIFEST_LIMITS: ManifestLimits = { maxChunkBytes: 16 * 1024 * 1024, maxChunks: 4_000_000 }

export class ManifestError extends Error {
  override readonly name = 'ManifestError'
}

export function encodeManifest(manifest: Manifest): Uint8Array {
  const { size, sha256, mtime, device, chunks } = manifest
  const json = JSON.stringify({ format: MANIFEST_FORMAT, size, sha256, mtime, device, chunks: chunks.map(([hash, length]) => [hash, length]) })
  return new TextEncoder().encode(json)
}

export function decodeManifest(bytes: Uint8Array, limits: ManifestLimits = DEFAULT_MANIFEST_LIMITS): Manifest {
  const value = parseJson(bytes, 'manifest')
  if (typeof value !== 'object' || value === null) throw new ManifestError('manifest is not an object')
  const { format, size, sha256, mtime, device, chunks } = value as Record<string, unknown>
  if (format !== MANIFEST_FORMAT) throw new ManifestError(`unknown manifest format ${JSON.stringify(format)}`)
  if (!isByteCount(size)) throw new ManifestError('size must be a non-negative integer')
  if (!isSha256Hex(sha256)) throw new ManifestError('sha256 must be 64 lowercase hex digits')
  if (!Number.isSafeInteger(mtime) || (mtime as number) < 0) throw new ManifestError('mtime must be a non-negative integer (ms)')
  if (typeof device !== 'string' || device.length === 0 || device.length > 200) throw new ManifestError('device must be a string of 1–200 characters')
  if (!Array.isArray(chunks)) throw new ManifestError('chunks must be an array')
  if (chunks.length > limits.maxChunks) throw new ManifestError(`more than ${limits.maxChunks} chunks`)
  let total = 0
  const refs: ChunkRef[] = []
  for (const chunk of chunks as unknown[]) {
    if (!Array.isArray(chunk) || chunk.length !== 2 || !isSha256Hex(chunk[0]) || !isByteCount(chunk[1]) || chunk[1] === 0 || chunk[1] > limits.maxChunkBytes) {
      throw new ManifestError(`chunk ${refs.length} is not [hex sha256, length 1..${limits.maxChunkBytes}]`)
    }
    total += chunk[1]
    refs.push([chunk[0], chunk[1]])
  }
  if (total !== size) throw new ManifestError(`chunk lengths add up to ${total}, not size ${size as number}`)
  const manifest: Manifest = { size: size as number, sha256, mtime: mtime as number, device, chunks: refs }
  // Only the canonical encoding names a version: anything else would give one file two ids.
  if (!sameBytes(encodeManifest(manifest), bytes)) throw new ManifestError('manifest is not in canonical form (encodeManifest)')
  return manifest
}

/** The version id: hex SHA-256 of the manifest bytes. */
export function versionIdOf(manifestBytes: Uint8Array): Promise<string> {
  return sha256Hex(manifestBytes)
}

/** Distinct chunk hashes of a manifest, in first-use order. */
export function distinctChunks(manifest: Manifest): string[] {
  return [...new Set(manifest.chunks.map(([hash]) => hash))]
}

/** Byte offset of every chunk within the file. */
export function chunkOffsets(manifest: Manifest): number[] {
  const offsets: number[] = []
  let offset = 0
  for (const [, length] of manifest.chunks) {
    offsets.push(offset)
    offset += length
  }
  return offsets
}

/** Strict UTF-8 JSON, or a ManifestError naming `what`. */
export function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes))
  } catch {
    throw new ManifestError(`${what} is not UTF-8 JSON`)
  }
}

function isByteCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false
  return true
}
