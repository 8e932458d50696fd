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
