// A fresh IndexedDB vault database per contract case; the same factory serves fake-indexeddb in Node and
// real IndexedDB in Chromium. Free of Node APIs.

import { IndexedDbStore } from '../../src/store/IndexedDbStore.ts'
import type { IndexedDbStoreOptions } from '../../src/store/IndexedDbStore.ts'
import type { StoreLocationFactory } from './localStoreContract.ts'

let created = 0

export function indexedDbLocation(storeOptions: IndexedDbStoreOptions = {}): StoreLocationFactory {
  return async () => {
    const name = `amber-contract-${Date.now()}-${created++}`
    return {
      open: (options) => IndexedDbStore.open(name, { ...storeOptions, ...options }),
      destroy: () => IndexedDbStore.delete(name),
    }
  }
}
