// Reads a note path from the raw URL of a y-websocket route. Clients send it either as one
// percent-encoded segment (`Notes%2FA.md`, what encodeURIComponent gives) or with literal slashes
// (`Notes/A.md`, what y-websocket does with a room name); both must name the same note.

/** The decoded path, or undefined if it is not a usable note path. */
export function parseNotePath(rawPath: string): string | undefined {
  let path: string
  try {
    // Decode the whole rest at once: `%2F` becomes `/`, literal slashes stay, `%25` becomes one `%`.
    path = decodeURIComponent(rawPath)
  } catch (error) {
    if (error instanceof URIError) return undefined // malformed percent-encoding
    throw error
  }
  // URL parsing already collapsed literal `.`/`..` segments but not encoded ones; refusing both keeps
  // the two spellings of one path from naming different notes. Empty segments name no file.
  const segments = path.split('/')
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) return undefined
  if (path.includes('\0')) return undefined
  return path
}
