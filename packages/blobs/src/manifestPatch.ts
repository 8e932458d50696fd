// A new version sent as a change to its base's chunk list, so a 1-byte edit to a 100 MB file commits a
// few hundred bytes instead of re-sending its ~100 KB manifest. One splice (the span between the common
// prefix and the common suffix) covers the local edits files get; the server rebuilds the full
// manifest from the base, and the client names the version it expects so both sides agree on its id.

import { isSha256Hex } from './hash.ts'
import { DEFAULT_MANIFEST_LIMITS, ManifestError, decodeManifest, encodeManifest, parseJson } from './manifest.ts'
import type { ChunkRef, Manifest, ManifestLimits } from './manifest.ts'

export const MANIFEST_PATCH_FORMAT = 'amber-manifest-patch/1'

export interface ManifestPatch {
  /** Version id of the manifest this patch applies to. */
  readonly base: string
  /** Version id of the result (hex SHA-256 of its canonical encoding). */
  readonly version: string
  readonly size: number
  readonly sha256: string
  readonly mtime: number
  readonly device: string
  /** Replace `remove` chunks at `start` of the base's list with `insert`. */
  readonly splice: readonly [start: number, remove: number, insert: readonly ChunkRef[]]
}

export function diffManifests(base: Manifest, baseVersion: string, next: Manifest, nextVersion: string): ManifestPatch {
  const a = base.chunks
  const b = next.chunks
  let prefix = 0
  while (prefix < a.length && prefix < b.length && a[prefix]![0] === b[prefix]![0]) prefix++
  let suffix = 0
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix]![0] === b[b.length - 1 - suffix]![0]) suffix++
  const { size, sha256, mtime, device } = next
  return { base: baseVersion, version: nextVersion, size, sha256, mtime, device, splice: [prefix, a.length - prefix - suffix, b.slice(prefix, b.length - suffix)] }
}

export function encodeManifestPatch(patch: ManifestPatch): Uint8Array {
  const { base, version, size, sha256, mtime, device, splice } = patch
  return new TextEncoder().encode(JSON.stringify({ format: MANIFEST_PATCH_FORMAT, base, version, size, sha256, mtime, device, splice }))
}

/** Parses a patch's envelope; `applyManifestPatch` checks the rest against the base. */
export function decodeManifestPatch(bytes: Uint8Array): ManifestPatch {
  const value = parseJson(bytes, 'manifest patch')
  const { format, base, version, size, sha256, mtime, device, splice } = (value ?? {}) as Record<string, unknown>
  if (format !== MANIFEST_PATCH_FORMAT) throw new ManifestError(`unknown manifest patch format ${JSON.stringify(format)}`)
  if (!isSha256Hex(base) || !isSha256Hex(version)) throw new ManifestError('base and version must be hex SHA-256')
  if (!Array.isArray(splice) || splice.length !== 3 || !Number.isSafeInteger(splice[0]) || !Number.isSafeInteger(splice[1]) || !Array.isArray(splice[2])) {
    throw new ManifestError('splice must be [start, remove, chunks]')
  }
  if (!(splice[2] as unknown[]).every((chunk) => Array.isArray(chunk) && chunk.length === 2)) throw new ManifestError('splice chunks must be [hash, length] pairs')
  // The rest is validated by decoding the rebuilt manifest.
  return { base, version, size, sha256, mtime, device, splice } as unknown as ManifestPatch
}

/** True when the bytes are a manifest patch rather than a full manifest. */
export function isManifestPatch(bytes: Uint8Array): boolean {
  const head = new TextDecoder().decode(bytes.subarray(0, 64))
  return head.startsWith(`{"format":"${MANIFEST_PATCH_FORMAT}"`)
}

/**
 * The full manifest bytes the patch describes, validated like any uploaded manifest. The caller checks
 * that their SHA-256 equals `patch.version`.
 */
export function applyManifestPatch(base: Manifest, patch: ManifestPatch, limits: ManifestLimits = DEFAULT_MANIFEST_LIMITS): Uint8Array {
  const [start, remove, insert] = patch.splice
  if (start < 0 || remove < 0 || start + remove > base.chunks.length) throw new ManifestError('splice is outside the base chunk list')
  const chunks = [...base.chunks.slice(0, start), ...insert, ...base.chunks.slice(start + remove)]
  const bytes = encodeManifest({ size: patch.size, sha256: patch.sha256, mtime: patch.mtime, device: patch.device, chunks })
  decodeManifest(bytes, limits)
  return bytes
}
