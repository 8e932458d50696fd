// Deterministic ASCII note bodies of a given size, markdown-ish, so every run loads the same bytes.
const WORDS = [
  'vault',
  'note',
  'sync',
  'amber',
  'link',
  'heading',
  'tag',
  'draft',
  'idea',
  'daily',
  'review',
  'index',
]

export function noteText(index: number, bytes: number): string {
  let out = `# Note ${index}\n\n`
  let i = index
  while (out.length < bytes) {
    i = (i * 1103515245 + 12345) % 2147483648
    out += WORDS[i % WORDS.length] + (i % 13 === 0 ? '.\n' : ' ')
  }
  return out.slice(0, bytes)
}
