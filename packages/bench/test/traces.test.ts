// The trace loader against the real corpus: counts, code-point handling, and the final text.
import { describe, expect, it } from 'vitest'
import { applyPatches, loadSequentialTrace, toUtf16Patches, type SequentialTrace } from '../src/traces.ts'

describe('traces', () => {
  it('loads automerge-paper and replays it to endContent', { timeout: 20_000 }, () => {
    const trace = loadSequentialTrace('automerge-paper')
    expect(trace.patchCount).toBe(259_778)
    expect(trace.hasAstral).toBe(false)
    expect(applyPatches(trace.startContent, toUtf16Patches(trace))).toBe(trace.endContent)
  })

  it('maps code-point positions to UTF-16 when astral characters occur', () => {
    const trace: SequentialTrace = {
      name: 'synthetic',
      startContent: '',
      endContent: 'a😀bc',
      txns: [{ patches: [[0, 0, 'a😀c']] }, { patches: [[2, 0, 'b']] }],
      patchCount: 2,
      hasAstral: true,
    }
    const patches = toUtf16Patches(trace)
    expect(patches[1]).toEqual([3, 0, 'b'])
    expect(applyPatches('', patches)).toBe(trace.endContent)
  })

  it('refuses a concurrent trace for sequential replay', () => {
    expect(() => loadSequentialTrace('clownschool')).toThrow(/concurrent/)
  })
})
