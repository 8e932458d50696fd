// Plain assertions for the store contract, so the same cases run under vitest in Node and inside a real
// browser page (where no test runner is loaded). Values compare by a canonical rendering: byte arrays by
// content, object keys sorted, undefined kept.

export class AssertionError extends Error {
  override name = 'AssertionError'
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message)
}

export function assertEqual(actual: unknown, expected: unknown, message: string): void {
  const a = render(actual)
  const e = render(expected)
  if (a !== e) throw new AssertionError(`${message}\n  expected: ${clip(e)}\n  actual:   ${clip(a)}`)
}

/** Asserts that `run` returns a promise that rejects (not one that throws synchronously, nor resolves). */
export async function assertRejects(run: () => Promise<unknown>, message: string): Promise<unknown> {
  let promise: Promise<unknown>
  try {
    promise = run()
  } catch (error) {
    throw new AssertionError(`${message}: threw synchronously instead of rejecting: ${String(error)}`)
  }
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new AssertionError(`${message}: resolved, expected a rejection`)
}

export function render(value: unknown): string {
  if (value === undefined) return 'undefined'
  if (value instanceof Uint8Array) return `bytes[${value.length}](${Array.from(value).join(',')})`
  if (Array.isArray(value)) return `[${value.map(render).join(', ')}]`
  if (value instanceof Map) return `Map{${[...value].map(([k, v]) => `${render(k)}: ${render(v)}`).join(', ')}}`
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value).sort()
    return `{${keys.map((k) => `${JSON.stringify(k)}: ${render((value as Record<string, unknown>)[k])}`).join(', ')}}`
  }
  return typeof value === 'string' ? JSON.stringify(value) : String(value)
}

function clip(text: string): string {
  return text.length > 2000 ? `${text.slice(0, 2000)}… (${text.length} chars)` : text
}
