// Change notification for tree consumers (a client's file-system mirror): one callback per transaction
// that touched the tree, however many entries it changed.

import type * as Y from 'yjs'
import { filesOf, configOf } from './treeSchema.ts'

/** Calls `callback` once per transaction that changed `files` or `config`; returns the unsubscribe. */
export function observeTree(tree: Y.Doc, callback: (transaction: Y.Transaction) => void): () => void {
  const files = filesOf(tree)
  const config = configOf(tree)
  const handler = (transaction: Y.Transaction): void => {
    for (const type of transaction.changedParentTypes.keys()) {
      const changed: unknown = type
      if (changed === files || changed === config) {
        callback(transaction)
        return
      }
    }
  }
  tree.on('afterTransaction', handler)
  return () => tree.off('afterTransaction', handler)
}
