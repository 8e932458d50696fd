import { describe, expect, it } from 'vitest'
import {
  ManifestError,
  PackFormatError,
  decodeManifest,
  encodeManifest,
  encodePack,
  readPackHeader,
  readPackStream,
  sha256Hex,
  versionIdOf,
  applyManifestPatch,
  decodeManifestPatch,
  diffManifests,
  encodeManifestPatch,
  isManifestPatch,
} from '../src/index.ts'
import type { Manifest } from '../src/index.ts'
import { seededBytes } from '../test-support/seededBytes.ts'

const HASH_A = 'a'.repeat(64)
const HASH_B = 'b'.repeat(64)
const manifest: Manifest = { size: 30, sha256: 'c'.repeat(64), mtime: 1_764_300_000_000, device: 'dev-1', chunks: [[HASH_A, 10], [HASH_B, 20]] }

describe('manifest', () => {
  it('round-trips and names the version by the SHA-256 of its bytes', async () => {
    const bytes = encodeManifest(manifest)
    expect(decodeManifest(bytes)).toEqual(manifest)
    expect(await versionIdOf(bytes)).toBe(await sha256Hex(bytes))
  })

  const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value))
  const valid = { format: 'amber-manifest/1', ...manifest }
  it.each([
    ['not JSON', new TextEncoder().encode('{')],
    ['wrong format', encode({ ...valid, format: 'x' })],
    ['sizes disagree', encode({ ...valid, size: 31 })],
    ['bad chunk hash', encode({ ...valid, chunks: [['A'.repeat(64), 10], [HASH_B, 20]] })],
    ['empty chunk', encode({ ...valid, size: 20, chunks: [[HASH_A, 0], [HASH_B, 20]] })],
    ['negative mtime', encode({ ...valid, mtime: -1 })],
    ['empty device', encode({ ...valid, device: '' })],
    ['not canonical (whitespace)', new TextEncoder().encode(JSON.stringify(valid, null, 1))],
    ['not canonical (key order)', encode({ size: 30, format: valid.format, sha256: valid.sha256, mtime: valid.mtime, device: valid.device, chunks: valid.chunks })],
  ])('refuses %s', (_name, bytes) => {
    expect(() => decodeManifest(bytes)).toThrow(ManifestError)
  })
})

describe('pack', () => {
  const chunks = [seededBytes(1000, 1), seededBytes(70_000, 2), seededBytes(1, 3)]

  async function packOf(list: Uint8Array[]) {
    return encodePack(await Promise.all(list.map(async (bytes) => ({ hash: await sha256Hex(bytes), bytes }))))
  }

  it('lists every chunk with its offset, and reads back from any split of the stream', async () => {
    const pack = await packOf(chunks)
    const header = readPackHeader(pack)!
    expect(header.totalBytes).toBe(pack.length)
    expect(header.entries.map(({ length }) => length)).toEqual([1000, 70_000, 1])
    for (const [index, entry] of header.entries.entries()) {
      expect(pack.subarray(entry.offset, entry.offset + entry.length)).toEqual(chunks[index])
    }
    for (const step of [1, 7, 4096, pack.length]) {
      const read: Uint8Array[] = []
      async function* blocks() {
        for (let offset = 0; offset < pack.length; offset += step) yield pack.subarray(offset, offset + step)
      }
      for await (const { bytes } of readPackStream(blocks())) read.push(bytes)
      expect(read).toEqual(chunks)
    }
  })

  it('needs the whole header before it answers', async () => {
    const pack = await packOf(chunks)
    expect(readPackHeader(pack.subarray(0, 20))).toBeUndefined()
  })

  it('refuses a bad magic, a cut stream and trailing bytes', async () => {
    const pack = await packOf(chunks)
    const bad = pack.slice()
    bad[0] = 0
    expect(() => readPackHeader(bad)).toThrow(PackFormatError)
    const drain = async (bytes: Uint8Array) => {
      for await (const _ of readPackStream([bytes])) void _
    }
    await expect(drain(pack.subarray(0, pack.length - 1))).rejects.toThrow(PackFormatError)
    const longer = new Uint8Array(pack.length + 1)
    longer.set(pack)
    await expect(drain(longer)).rejects.toThrow(PackFormatError)
  })
})

describe('manifest patch', () => {
  const chunk = (n: number): [string, number] => [n.toString(16).padStart(64, '0'), 100 + n]
  const base: Manifest = { size: 0, sha256: 'c'.repeat(64), mtime: 1, device: 'a', chunks: [0, 1, 2, 3, 4].map(chunk) }
  const fixSize = (m: Manifest): Manifest => ({ ...m, size: m.chunks.reduce((sum, [, length]) => sum + length, 0) })

  it.each([
    ['middle change', [0, 1, 9, 3, 4]],
    ['insert at start', [8, 0, 1, 2, 3, 4]],
    ['append', [0, 1, 2, 3, 4, 7]],
    ['two distant edits', [5, 1, 2, 3, 6]],
    ['everything new', [10, 11]],
    ['identical', [0, 1, 2, 3, 4]],
  ])('rebuilds the exact manifest bytes after a %s', async (_name, ids) => {
    const before = fixSize(base)
    const after = fixSize({ ...base, mtime: 2, device: 'b', chunks: ids.map(chunk) })
    const baseVersion = await versionIdOf(encodeManifest(before))
    const nextBytes = encodeManifest(after)
    const patch = diffManifests(before, baseVersion, after, await versionIdOf(nextBytes))
    const wire = encodeManifestPatch(patch)
    expect(isManifestPatch(wire)).toBe(true)
    expect(isManifestPatch(nextBytes)).toBe(false)
    expect(applyManifestPatch(before, decodeManifestPatch(wire))).toEqual(nextBytes)
  })

  it('is small for a local edit of a long list', async () => {
    const long = fixSize({ ...base, chunks: Array.from({ length: 2000 }, (_, index) => chunk(index)) })
    const edited = fixSize({ ...long, chunks: long.chunks.map((ref, index) => (index === 1000 ? chunk(99_999) : ref)) })
    const patch = encodeManifestPatch(diffManifests(long, 'a'.repeat(64), edited, 'b'.repeat(64)))
    expect(patch.length).toBeLessThan(500)
    expect(encodeManifest(edited).length).toBeGreaterThan(100_000)
  })

  it('refuses a splice outside the base and a result that does not add up', () => {
    const before = fixSize(base)
    const patch = (splice: unknown) => decodeManifestPatch(new TextEncoder().encode(JSON.stringify({ format: 'amber-manifest-patch/1', base: 'a'.repeat(64), version: 'b'.repeat(64), size: before.size, sha256: before.sha256, mtime: 1, device: 'a', splice })))
    expect(() => applyManifestPatch(before, patch([4, 2, []]))).toThrow(ManifestError)
    expect(() => applyManifestPatch(before, patch([0, 1, [chunk(9)]]))).toThrow(ManifestError)
    expect(() => patch([0, 1, ['x']])).toThrow(ManifestError)
  })
})
