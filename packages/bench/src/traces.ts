// Loads the keystroke traces of shared/corpus/traces (josephg/editing-traces format, gzipped JSON) and
// turns their code-point positions into the UTF-16 indices Y.Text uses.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'

/** `[position, deleteCount, insertText]`, position and count in Unicode code points. */
export type TracePatch = readonly [number, number, string]

export interface SequentialTrace {
  readonly name: string
  readonly startContent: string
  readonly endContent: string
  /** One entry per transaction; the sequential traces hold one patch per keystroke. */
  readonly txns: readonly { readonly patches: readonly TracePatch[] }[]
  /** Total patches over all transactions. */
  readonly patchCount: number
  /** True when any text holds a code point above U+FFFF, where code points and UTF-16 indices differ. */
  readonly hasAstral: boolean
}

/** `../shared/corpus/traces` beside the repository root; `AMBER_TRACES_DIR` overrides. */
export function defaultTracesDir(): string {
  if (process.env.AMBER_TRACES_DIR) return process.env.AMBER_TRACES_DIR
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
  return path.resolve(repoRoot, '../shared/corpus/traces')
}

/**
 * Reads a sequential trace by name (`automerge-paper`) or by file path.
 * @example
 * const trace = loadSequentialTrace('automerge-paper')
 * for (const [pos, del, ins] of toUtf16Patches(trace)) { … }
 */
export function loadSequentialTrace(nameOrPath: string, dir = defaultTracesDir()): SequentialTrace {
  const file = nameOrPath.includes('/') ? nameOrPath : path.join(dir, `${nameOrPath}.json.gz`)
  const raw: unknown = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8'))
  if (!isRecord(raw) || typeof raw.endContent !== 'string' || !Array.isArray(raw.txns)) {
    throw new Error(`${file}: not an editing trace (expected { endContent, txns })`)
  }
  if (raw.kind === 'concurrent') {
    throw new Error(
      `${file}: concurrent trace (txns carry parents); replay it through separate replicas, not sequentially`,
    )
  }
  const startContent = typeof raw.startContent === 'string' ? raw.startContent : ''
  let patchCount = 0
  let hasAstral = isAstral(startContent) || isAstral(raw.endContent)
  const txns = raw.txns.map((txn: unknown, i: number) => {
    if (!isRecord(txn) || !Array.isArray(txn.patches)) throw new Error(`${file}: txns[${i}] has no patches`)
    const patches = txn.patches.map((p: unknown): TracePatch => {
      if (
        !Array.isArray(p) ||
        typeof p[0] !== 'number' ||
        typeof p[1] !== 'number' ||
        typeof p[2] !== 'string'
      ) {
        throw new Error(`${file}: txns[${i}] holds a malformed patch`)
      }
      patchCount++
      if (!hasAstral && isAstral(p[2])) hasAstral = true
      return [p[0], p[1], p[2]]
    })
    return { patches }
  })
  return {
    name: path.basename(file).replace(/\.json\.gz$/, ''),
    startContent,
    endContent: raw.endContent,
    txns,
    patchCount,
    hasAstral,
  }
}

/**
 * The trace's patches in order with UTF-16 positions and counts, as `Y.Text.insert/delete` take them.
 * Without astral characters they are the trace's own patches; otherwise each position is mapped
 * against a shadow copy of the text (linear per patch, done once before any timing).
 */
export function toUtf16Patches(trace: SequentialTrace, limit = Infinity): TracePatch[] {
  const out: TracePatch[] = []
  let text = trace.startContent
  for (const txn of trace.txns) {
    for (const patch of txn.patches) {
      if (out.length >= limit) return out
      if (!trace.hasAstral) {
        out.push(patch)
        continue
      }
      const [pos, del, ins] = patch
      const start = utf16Offset(text, 0, pos)
      const end = utf16Offset(text, start, del)
      text = text.slice(0, start) + ins + text.slice(end)
      out.push([start, end - start, ins])
    }
  }
  return out
}

/** The text after applying `patches` (UTF-16 patches from `toUtf16Patches`) to `startContent`, without Yjs. */
export function applyPatches(startContent: string, patches: readonly TracePatch[]): string {
  let text = startContent
  for (const [pos, del, ins] of patches) text = text.slice(0, pos) + ins + text.slice(pos + del)
  return text
}

function utf16Offset(text: string, from: number, codePoints: number): number {
  let i = from
  for (let n = 0; n < codePoints && i < text.length; n++) {
    const c = text.charCodeAt(i)
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < text.length ? 2 : 1
  }
  return i
}

function isAstral(s: string): boolean {
  return /[\u{10000}-\u{10FFFF}]/u.test(s)
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null
}
