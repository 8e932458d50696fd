// Content addressing: every cold object's key carries the SHA-256 of its bytes, checked on every load.

export class IntegrityError extends Error {
  override readonly name = 'IntegrityError'
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
  let hex = ''
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0')
  return hex
}

/** Refuses loudly, never silently loads, bytes whose hash differs from the one their key promises. */
export async function verifySha256(key: string, bytes: Uint8Array, expected: string): Promise<void> {
  const actual = await sha256Hex(bytes)
  if (actual !== expected) {
    throw new IntegrityError(`integrity check failed for ${key}: SHA-256 is ${actual}, expected ${expected}`)
  }
}
