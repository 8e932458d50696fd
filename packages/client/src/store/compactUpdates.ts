// When a store merges a document's update list into one update, and how. Every store compacts inside the
// commit that made the list too long, so a crash leaves either the long list or the merged update.
// Reading a note applies each stored update in turn; one merged update applies in one pass.

import { mergeUpdatesInTree } from '@amber/protocol'

/**
 * A document's updates are merged once it holds more than this many. y-indexeddb trims at 500; a lower
 * bound keeps a note's first open cheap, and merging 200 keystroke-sized updates takes about a millisecond.
 */
export const DEFAULT_COMPACT_THRESHOLD = 200

/** Options every local store takes. */
export interface LocalStoreOptions {
  /** Merge a document's updates into one once it holds more than this many (default 200; at least 1). */
  readonly compactThreshold?: number
  /**
   * Called when a document's updates cannot be merged (a stored update Yjs cannot read). The commit still
   * succeeds and the list is kept as it is; without this option the error is logged with console.warn.
   */
  readonly onCompactError?: (docId: string, error: unknown) => void
}

/** The threshold from options, checked. */
export function compactThresholdOf(options: LocalStoreOptions): number {
  const threshold = options.compactThreshold ?? DEFAULT_COMPACT_THRESHOLD
  if (!Number.isSafeInteger(threshold) || threshold < 1) throw new RangeError('compactThreshold must be a positive integer')
  return threshold
}

/**
 * The merged update of a document's list, or undefined when Yjs cannot merge it (reported through
 * `onCompactError`): keeping a list that is too long beats failing every later commit of the document.
 */
export function compactUpdates(docId: string, updates: readonly Uint8Array[], options: LocalStoreOptions): Uint8Array | undefined {
  try {
    return mergeUpdatesInTree(updates)
  } catch (error) {
    if (options.onCompactError) options.onCompactError(docId, error)
    else console.warn(`amber: cannot compact the stored updates of ${JSON.stringify(docId)}`, error)
    return undefined
  }
}
