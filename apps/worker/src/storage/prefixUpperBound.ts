// The smallest string above every string that starts with `prefix`, in code point (UTF-8 byte) order,
// so a prefix query becomes the index range [prefix, bound): no LIKE, whose `%` and `_` are wildcards.

const MAX_CODE_POINT = 0x10ffff

/** Undefined when no bound exists (every character is U+10FFFF): the range is then open above. */
export function prefixUpperBound(prefix: string): string | undefined {
  const codePoints = Array.from(prefix, (char) => char.codePointAt(0)!)
  while (codePoints.length > 0) {
    const last = codePoints.pop()!
    if (last === MAX_CODE_POINT) continue
    // Skip the surrogate block: those code points cannot be stored as UTF-8 text.
    const next = last === 0xd7ff ? 0xe000 : last + 1
    return String.fromCodePoint(...codePoints, next)
  }
  return undefined
}
