import { describe, expect, it } from 'vitest'
import { decideHead } from '../src/index.ts'
import type { HeadRecord, VersionSummary } from '../src/index.ts'

const version = (id: string, mtime: number, device = 'd'): VersionSummary => ({ version: id.repeat(64).slice(0, 64), sha256: 'f'.repeat(64), size: 1, mtime, device })

/** Commits `candidates` (all from `base`) in order and returns the final head. */
function commitAll(base: HeadRecord | undefined, candidates: VersionSummary[]): HeadRecord | undefined {
  let head = base
  for (const candidate of candidates) head = decideHead(head, candidate, base?.version, 0).head
  return head
}

describe('decideHead', () => {
  const v0 = decideHead(undefined, version('0', 100), undefined, 0).head

  it('lets a successor win whatever its mtime', () => {
    const next = decideHead(v0, version('1', 50), v0.version, 1)
    expect(next).toMatchObject({ won: true, changed: true, head: { version: version('1', 50).version } })
    expect(next.head.conflict).toBeUndefined()
  })

  it('ends on the same head in every arrival order of concurrent writes, naming a loser', () => {
    const a = version('a', 200, 'A')
    const b = version('b', 300, 'B')
    const c = version('c', 300, 'C') // ties with b on mtime: the larger version id wins
    const orders = [[a, b, c], [a, c, b], [b, a, c], [b, c, a], [c, a, b], [c, b, a]]
    const heads = orders.map((order) => commitAll(v0, order)!)
    for (const head of heads) expect(head.version).toBe(c.version)
    for (const head of heads) expect(head.conflict).toBeDefined()
  })

  it('keeps the head and names the loser when the candidate loses', () => {
    const winner = decideHead(v0, version('b', 300), v0.version, 1).head
    const late = decideHead(winner, version('a', 200, 'A'), v0.version, 2)
    expect(late.won).toBe(false)
    expect(late.head.version).toBe(winner.version)
    expect(late.head.conflict).toMatchObject({ version: version('a', 200).version, device: 'A' })
  })

  it('treats a repeated commit as a no-op', () => {
    expect(decideHead(v0, version('0', 100), undefined, 5)).toEqual({ head: v0, won: true, changed: false })
  })
})
