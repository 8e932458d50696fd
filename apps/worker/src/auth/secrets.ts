// Opaque credentials: 256 random bits, base64url, behind a prefix that says what they are (so secret
// scanners can spot a leaked one). Only SHA-256 hashes are ever stored or compared.

export const TOKEN_PREFIX = 'amber_tok_'
export const TICKET_PREFIX = 'amber_tkt_'

/** A new random secret with the given prefix. */
export function createSecret(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32))
  return prefix + base64url(bytes)
}

/** A short random id for rows (token ids, vault ids). Not secret. */
export function createId(bytes = 12): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)))
}

/** Hex SHA-256 of a secret: what the registry stores and looks up. */
export async function hashSecret(secret: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(secret))
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/** Compares two secrets in time independent of where they differ (by comparing their digests). */
export async function secretsEqual(a: string, b: string): Promise<boolean> {
  const encoder = new TextEncoder()
  const [da, db] = await Promise.all([crypto.subtle.digest('SHA-256', encoder.encode(a)), crypto.subtle.digest('SHA-256', encoder.encode(b))])
  return crypto.subtle.timingSafeEqual(da, db)
}

function base64url(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}
