// Byte helpers for binary tests: seeded content, and a comparison that stays fast for megabytes (a deep
// `toEqual` walks every element).

import * as prng from 'lib0/prng'
import { expect } from 'vitest'

/** `length` pseudo-random bytes from lib0's seeded PRNG. */
export function randomBytes(length: number, seed: number): Uint8Array {
  return prng.uint8Array(prng.create(seed), length)
}

export function expectSameBytes(actual: Uint8Array | undefined, expected: Uint8Array): void {
  expect(actual?.length).toBe(expected.length)
  const first = actual === undefined ? 0 : expected.findIndex((byte, index) => actual[index] !== byte)
  expect(first, 'first differing byte').toBe(-1)
}

/** `count` seeded files of 20–60 KiB (photos, attachments) under `folder`, as `vault.writeFiles` takes them. */
export function smallFiles(
  count: number,
  seed: number,
  folder = 'Photos',
): Array<{ path: string; data: Uint8Array }> {
  const gen = prng.create(seed)
  return Array.from({ length: count }, (_, index) => ({
    path: `${folder}/${String(index).padStart(3, '0')}.jpg`,
    data: prng.uint8Array(gen, prng.uint32(gen, 20 * 1024, 60 * 1024)),
  }))
}

/** Total bytes of a batch. */
export function totalBytes(files: ReadonlyArray<{ readonly data: Uint8Array }>): number {
  return files.reduce((total, { data }) => total + data.length, 0)
}
