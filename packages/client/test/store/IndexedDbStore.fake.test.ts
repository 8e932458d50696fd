// IndexedDbStore on fake-indexeddb in Node: a quick first pass of the contract. The real check is the
// same contract inside headless Chromium (test/browser/IndexedDbStore.chromium.test.ts).

import 'fake-indexeddb/auto'
import { indexedDbLocation } from './indexedDbLocation.ts'
import { runLocalStoreContract } from './runLocalStoreContract.ts'

runLocalStoreContract('IndexedDbStore (fake-indexeddb)', indexedDbLocation())
