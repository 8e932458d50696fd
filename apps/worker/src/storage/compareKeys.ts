// The key order the StorageAdapter contract promises: UTF-16 code units, i.e. plain JS `<`.
// Backends sort by UTF-8 bytes (code points), which differs once keys hold characters above U+FFFF.

export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
