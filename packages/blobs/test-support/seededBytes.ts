// Seeded pseudo-random bytes, fast enough for 100 MB (xorshift32 over 32-bit words).

export function seededBytes(length: number, seed: number): Uint8Array {
  const words = new Uint32Array(Math.ceil(length / 4))
  let state = seed >>> 0 || 1
  for (let index = 0; index < words.length; index++) {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    words[index] = state >>> 0
  }
  return new Uint8Array(words.buffer, 0, length)
}
