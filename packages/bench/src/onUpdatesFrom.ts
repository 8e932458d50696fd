// Calls `listener` for every update of `doc` that a given origin (a provider, a client) applied;
// returns the unsubscribe function. How targets tell remote updates from local edits.
import type * as Y from 'yjs'

export function onUpdatesFrom(
  doc: Y.Doc,
  origin: unknown,
  listener: (update: Uint8Array) => void,
): () => void {
  const onUpdate = (update: Uint8Array, updateOrigin: unknown): void => {
    if (updateOrigin === origin) listener(update)
  }
  doc.on('update', onUpdate)
  return () => doc.off('update', onUpdate)
}
