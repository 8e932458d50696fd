// Browsers send Origin on cross-site requests and on every WebSocket handshake. A request that carries
// one must come from an allowed origin (AMBER_ALLOWED_ORIGINS, default only the server's own), so a
// page elsewhere cannot ride a user's ticket or token. Requests without Origin are non-browser clients
// and rely on their credential alone.

/** Parses the comma-separated allow list into normalised origins; throws on an entry that is not one. */
export function parseAllowedOrigins(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '') return []
  return raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const url = new URL(entry)
      if (url.origin === 'null' || url.origin !== entry.replace(/\/$/, '')) throw new Error(`AMBER_ALLOWED_ORIGINS: ${entry} is not an origin`)
      return url.origin
    })
}

export function isOriginAllowed(origin: string, requestUrl: string, allowed: readonly string[]): boolean {
  return origin === new URL(requestUrl).origin || allowed.includes(origin)
}
